import { Router } from 'express';
import { guarded, guardedReport, type RouteDeps } from '../http/handler.js';
import { ecoasReport } from './ecoas.js';
import { addWaste, editWaste, listOrderWaste, removeWaste, wasteCodes, wasteSummary } from './waste.service.js';

export function wasteRoutes(deps: RouteDeps): Router {
  const r = Router();
  r.get(
    '/orders/:id/waste',
    guarded(deps, 'orders.read', ({ tx, actor, req }) => listOrderWaste(tx, actor, req.params.id)),
  );
  r.post(
    '/orders/:id/waste',
    guarded(deps, 'orders.waste', ({ tx, actor, req }) => addWaste(tx, actor, req.params.id, req.body), {
      status: 201,
    }),
  );
  r.patch(
    '/orders/:id/waste/:wasteId',
    guarded(deps, 'orders.waste', ({ tx, actor, req }) =>
      editWaste(tx, actor, req.params.id, req.params.wasteId, req.body),
    ),
  );
  r.delete(
    '/orders/:id/waste/:wasteId',
    guarded(deps, 'orders.waste', ({ tx, actor, req }) =>
      removeWaste(tx, actor, req.params.id, req.params.wasteId, req.query),
    ),
  );
  r.get(
    '/waste/summary',
    guardedReport(deps, 'waste.report', ({ tx, actor, req }) => wasteSummary(tx, actor, req.query)),
  );
  r.get('/waste/ecoas', ecoasReport(deps));
  r.get(
    '/waste/codes',
    guarded(deps, 'orders.read', ({ tx, actor, req }) => wasteCodes(tx, actor, req.query, deps.cache)),
  );
  return r;
}
