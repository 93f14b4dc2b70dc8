import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { dayList, listOrderCalls, recordHappyCall } from './happy-calls.service.js';

export function happyCallRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/happy-calls',
    guarded(deps, 'orders.read', ({ tx, actor, req }) => dayList(tx, actor, req.query)),
  );
  r.get(
    '/orders/:id/happy-calls',
    guarded(deps, 'orders.read', ({ tx, actor, req }) => listOrderCalls(tx, actor, req.params.id)),
  );
  r.post(
    '/orders/:id/happy-calls',
    guarded(deps, 'orders.happycall', ({ tx, actor, req }) => recordHappyCall(tx, actor, req.params.id, req.body), {
      status: 201,
    }),
  );
  return r;
}
