import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { createOrder, deleteOrder, getOrder, listOrders, patchOrder } from './orders.service.js';

export function ordersRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/orders',
    guarded(deps, 'orders.read', ({ tx, actor, req }) => listOrders(tx, actor, req.query, { last: true })),
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
