import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { changeAppointment, changeStatus } from './workflow.service.js';

export function workflowRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.post(
    '/orders/:id/status',
    guarded(deps, 'orders.status', ({ tx, actor, req }) => changeStatus(tx, actor, req.params.id, req.body)),
  );
  r.post(
    '/orders/:id/appointment',
    guarded(deps, 'orders.appointment', ({ tx, actor, req }) => changeAppointment(tx, actor, req.params.id, req.body)),
  );
  return r;
}
