import { Router } from 'express';
import type { Cache } from '../cache/index.js';
import { guarded, type RouteDeps } from '../http/handler.js';
import { listOrdersAnswer } from './order-list-cache.js';
import { createOrder, deleteOrder, getOrder, patchOrder } from './orders.service.js';

/** `listCache`: the order list's answer cache (order-list-cache.ts), absent when switched off. */
export function ordersRoutes(deps: RouteDeps & { listCache?: Cache }): Router {
  const r = Router();
  r.get(
    '/orders',
    guarded(deps, 'orders.read', ({ tx, actor, req, res }) => listOrdersAnswer(tx, actor, req, res, deps.listCache)),
  );
  r.get(
    '/orders/:id',
    guarded(deps, 'orders.read', ({ tx, actor, req }) => getOrder(tx, actor, req.params.id)),
  );
  r.post(
    '/orders',
    guarded(deps, 'orders.create', ({ tx, actor, req }) => createOrder(tx, actor, req.body), { status: 201 }),
  );
  r.patch(
    '/orders/:id',
    guarded(deps, 'orders.update', ({ tx, actor, req }) => patchOrder(tx, actor, req.params.id, req.body)),
  );
  r.delete(
    '/orders/:id',
    guarded(deps, 'orders.delete', ({ tx, actor, req }) => deleteOrder(tx, actor, req.params.id, req.query)),
  );
  return r;
}
