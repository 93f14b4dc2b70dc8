import { Router } from 'express';
import { guardedReport, type RouteDeps } from '../http/handler.js';
import { progress } from './dashboard.service.js';

export function dashboardRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/dashboard/progress',
    guardedReport(deps, 'dashboard.progress', ({ tx, actor, req }) => progress(tx, actor, req.query, deps.cache)),
  );
  return r;
}
