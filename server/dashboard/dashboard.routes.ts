import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { progress } from './dashboard.service.js';

export function dashboardRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/dashboard/progress',
    guarded(deps, 'dashboard.progress', ({ tx, actor, req }) => progress(tx, actor, req.query, deps.cache)),
  );
  return r;
}
