import { Router } from 'express';
import { guarded, type RouteDeps } from '../http/handler.js';
import { ensureSettlementWeek, listSettlements, lockSettlement, unlockSettlement } from './settlements.service.js';

export function settlementsRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/settlements',
    guarded(deps, 'settlements.read', ({ tx, actor, req }) => listSettlements(tx, actor, req.query)),
  );
  r.post(
    '/settlements/weeks',
    guarded(deps, 'settlements.lock', ({ tx, actor, req }) => ensureSettlementWeek(tx, actor, req.body)),
  );
  r.post(
    '/settlements/:id/lock',
    guarded(deps, 'settlements.lock', ({ tx, actor, req }) => lockSettlement(tx, actor, req.params.id, req.body)),
  );
  r.post(
    '/settlements/:id/unlock',
    guarded(deps, 'settlements.unlock', ({ tx, actor, req }) => unlockSettlement(tx, actor, req.params.id, req.body)),
  );
  return r;
}
