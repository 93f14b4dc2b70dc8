import { Router } from 'express';
import { authorize } from '../auth/authorize.js';
import { withRequestTransaction } from '../db/transaction.js';
import { localeOf } from '../http/context.js';
import { authenticate, guarded, guardedNoTx, type RouteDeps } from '../http/handler.js';
import type { Logger } from '../logger.js';
import { type OpHandlers, pushOps } from './sync.push.js';
import { pullChanges, pullPageJson, queueStatus } from './sync.service.js';

export function syncRoutes(deps: RouteDeps & { logger?: Logger; opHandlers: OpHandlers }): Router {
  const r = Router();
  // `guarded` but for the body: the page's rows are PostgreSQL's JSON text, sent without a parse/stringify.
  r.get('/sync/changes', async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'sync.use');
    const page = await withRequestTransaction(deps.pool, actor, (tx) => pullChanges(tx, actor, req.query));
    res.status(200).type('application/json').send(pullPageJson(page));
  });
  // Not `guarded`: every op gets its own transaction.
  r.post(
    '/sync/push',
    guardedNoTx(deps, 'sync.use', (actor, req, res) =>
      pushOps({ pool: deps.pool, handlers: deps.opHandlers, logger: deps.logger }, actor, req.body, localeOf(req, res)),
    ),
  );
  r.get(
    '/sync/queue',
    guarded(deps, 'sync.monitor', ({ tx, actor, req }) => queueStatus(tx, actor, req.query)),
  );
  return r;
}
