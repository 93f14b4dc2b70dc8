import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { assignableInstallers, assignOrder, unassignOrder } from './assignment.service.js';

export function assignmentRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.post(
    '/orders/:id/assign',
    guarded(deps, 'orders.assign', ({ tx, actor, req }) => assignOrder(tx, actor, req.params.id, req.body)),
  );
  r.post(
    '/orders/:id/unassign',
    guarded(deps, 'orders.assign', ({ tx, actor, req }) => unassignOrder(tx, actor, req.params.id, req.body)),
  );
  r.get(
    '/installers/assignable',
    guarded(deps, 'installers.read', ({ tx, actor, req }) => assignableInstallers(tx, actor, req.query, deps.cache)),
  );
  return r;
}
