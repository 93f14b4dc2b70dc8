import { Router } from 'express';
import { localeOf } from '../http/context.js';
import { guarded, guardedNoTx, type RouteDeps } from '../http/handler.js';
import type { Logger } from '../logger.js';
import { type OpHandlers, pushOps } from './sync.push.js';
import { pullChanges, queueStatus } from './sync.service.js';

export function syncRoutes(deps: RouteDeps & { logger?: Logger; opHandlers: OpHandlers }): Router {
  const r = Router();
  r.get(
    '/sync/changes',
    guarded(deps, 'sync.use', ({ tx, actor, req }) => pullChanges(tx, actor, req.query)),
  );
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
