import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { auditTrail } from './audit.service.js';

export function auditRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/audit',
    guarded(deps, 'audit.read', ({ tx, actor, req }) => auditTrail(tx, actor, req.query)),
  );
  return r;
}
