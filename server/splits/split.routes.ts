import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { splitOrder } from './split.service.js';

export function splitRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.post(
    '/orders/:id/split',
    guarded(deps, 'orders.split', ({ tx, actor, req }) => splitOrder(tx, actor, req.params.id, req.body), {
      status: 201,
    }),
  );
  return r;
}
