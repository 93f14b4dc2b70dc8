import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { addSerials, deleteSerial, listSerials } from './serials.service.js';

export function serialsRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/orders/:id/serials',
    guarded(deps, 'orders.read', ({ tx, actor, req }) => listSerials(tx, actor, req.params.id)),
  );
  r.post(
    '/orders/:id/serials',
    guarded(deps, 'orders.serials', ({ tx, actor, req }) => addSerials(tx, actor, req.params.id, req.body), {
      status: 201,
    }),
  );
  r.delete(
    '/orders/:id/serials/:serialId',
    guarded(deps, 'orders.serials', ({ tx, actor, req }) =>
      deleteSerial(tx, actor, req.params.id, req.params.serialId, req.query),
    ),
  );
  return r;
}
