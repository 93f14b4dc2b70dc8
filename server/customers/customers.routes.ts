import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { customerHistory } from './customers.service.js';

export function customersRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/customers/history',
    guarded(deps, 'customers.history', ({ tx, actor, req }) => customerHistory(tx, actor, req.query, deps.cache)),
  );
  return r;
}
