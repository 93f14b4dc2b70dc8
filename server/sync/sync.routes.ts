import { Router } from 'express';
import { z } from 'zod';
import {
  checkpointBucketQuery,
  checkpointBucketResponse,
  checkpointQuery,
  checkpointResponse,
  pullQuery,
  pullResponse,
  pushOp,
  pushRequest,
  pushResponse,
  queueQuery,
  repairsReport,
} from '../../domain/sync-protocol.js';
import { authorize } from '../auth/authorize.js';
import { withRequestTransaction } from '../db/transaction.js';
import { localeOf } from '../http/context.js';
import { authenticate, guarded, guardedNoTx, type RouteDeps } from '../http/handler.js';
import { sendHeld } from '../http/held-answer.js';
import { parse } from '../http/validate.js';
import type { Logger } from '../logger.js';
import { describeRoutes } from '../openapi/registry.js';
import type { Metrics } from '../ops/metrics.js';
import { type SyncMarks, triedFromMemory } from './sync.marks.js';
import { type OpBatchHandlers, type OpHandlers, pushOps } from './sync.push.js';
import {
  checkpoint,
  checkpointBucket,
  hasOutboxReport,
  pullChanges,
  pullPageJson,
  queueStatus,
  recordOutboxReport,
} from './sync.service.js';

/** A held answer's keep-alive period: a third of the client's 15 s stall bound. */
const DEFAULT_KEEP_ALIVE_MS = 5000;

export function syncRoutes(
  deps: RouteDeps & {
    logger?: Logger;
    metrics?: Metrics;
    opHandlers: OpHandlers;
    opBatchHandlers?: OpBatchHandlers;
    /** the keep-alive period of a held push or pull answer (config `syncKeepAliveMs`) */
    keepAliveMs?: number;
    /** answers an up-to-date client's no-change pull from memory (sync.marks.ts); absent: always the database */
    marks?: SyncMarks;
  },
): Router {
  const r = Router();
  const held = { keepAliveMs: deps.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS, logger: deps.logger };
  // `guarded` but for the body: the page's rows are PostgreSQL's JSON text, sent without a parse/stringify. Held
  // (server/http/held-answer.ts): a large page on a loaded head office must not look like a dead connection.
  r.get('/sync/changes', async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'sync.use');
    // most pulls: an up-to-date client, nothing new in its scopes — no transaction at all
    const quick = deps.marks && !triedFromMemory.has(req) ? await deps.marks.answer(actor, req.query) : null;
    if (quick !== null) {
      res.status(200).type('application/json').send(quick);
      return;
    }
    await sendHeld(req, res, held, async () => {
      const page = await withRequestTransaction(deps.pool, actor, (tx) => pullChanges(tx, actor, req.query));
      if (hasOutboxReport(req.query)) {
        // an older report of this client taken from memory and not written yet must not follow this one
        if (typeof req.query.clientId === 'string')
          deps.marks?.reports.superseded(req.query.clientId.trim(), actor.userId);
        // best effort: a report that cannot be stored now is sent again with a later pull
        await withRequestTransaction(deps.pool, actor, (tx) => recordOutboxReport(tx, actor, req.query)).catch((err) =>
          deps.logger?.warn({ err }, 'sync: outbox report not stored'),
        );
      }
      return pullPageJson(page);
    });
  });
  // Not `guarded`: ops are committed in chunks, each op in its own savepoint (sync.push.ts). Held: a push waiting
  // for rows another transaction locks keeps its connection alive instead of being sent again by the client.
  r.post('/sync/push', async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'sync.use');
    await sendHeld(req, res, held, async () =>
      JSON.stringify(
        await pushOps(
          { pool: deps.pool, handlers: deps.opHandlers, batchHandlers: deps.opBatchHandlers, logger: deps.logger },
          actor,
          req.body,
          localeOf(req, res),
        ),
      ),
    );
  });
  r.get(
    '/sync/checkpoint',
    guarded(deps, 'sync.use', ({ tx, actor, req }) => checkpoint(tx, actor, req.query)),
  );
  r.get(
    '/sync/checkpoint/bucket',
    guarded(deps, 'sync.use', async ({ tx, actor, req }) => {
      const answer = await checkpointBucket(tx, actor, req.query);
      deps.metrics?.syncCheckpointMismatches.inc({ entity: String(req.query.entity) });
      return answer;
    }),
  );
  r.post(
    '/sync/repairs',
    guardedNoTx(deps, 'sync.use', async (_actor, req) => {
      const body = parse(repairsReport, req.body);
      for (const [entity, n] of Object.entries(body.repairs)) if (n) deps.metrics?.syncRepairs.inc({ entity }, n);
      return { ok: true };
    }),
  );
  r.get(
    '/sync/queue',
    guarded(deps, 'sync.monitor', ({ tx, actor, req }) => queueStatus(tx, actor, req.query)),
  );
  return r;
}

const queueItem = z.object({
  opId: z.uuid(),
  clientId: z.string().nullable(),
  userId: z.uuid(),
  username: z.string().nullable(),
  branchId: z.uuid().nullable(),
  kind: z.string(),
  entity: z.string(),
  entityId: z.uuid().nullable(),
  status: z.enum(['PENDING', 'SYNCED', 'CONFLICT', 'FAILED']),
  retryCount: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  ageSeconds: z.number().int(),
});

/** For the OpenAPI document (server/openapi/api-routes.ts); the protocol is explained in docs/sync-protocol.md. */
export const syncRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/sync/changes',
    action: 'sync.use',
    tag: 'sync',
    summary: 'Pull: the rows changed since the cursor (no cursor: a paged snapshot), limited by row-level security',
    description:
      'A run delivers every row stamped by a transaction in [previous horizon, sync_horizon()), keyset-paged; a ' +
      'late commit always falls in a later window. Deletes and scope changes travel as op "delete". ' +
      'See docs/sync-protocol.md.',
    query: pullQuery,
    responses: {
      200: { description: 'one page', schema: pullResponse },
      400: { description: 'malformed cursor or limit' },
    },
  },
  {
    method: 'post',
    path: '/api/sync/push',
    action: 'sync.use',
    tag: 'sync',
    summary:
      'Push: ops applied in order, each in its own savepoint (≤ 50 per transaction), through the REST services; exactly once by opId',
    body: pushRequest.extend({ ops: z.array(pushOp).max(500) }),
    responses: {
      200: {
        description:
          'one answer per op, in order (fewer when the database went away). Not ready within SYNC_KEEPALIVE_MS: held — ' +
          'head with X-Answer-Held, a space every period, then the answer, or {status, error} when it failed after the head',
        schema: pushResponse,
      },
      503: { description: 'the database is unreachable: no op was applied' },
    },
  },
  {
    method: 'get',
    path: '/api/sync/checkpoint',
    action: 'sync.use',
    tag: 'sync',
    summary:
      "Checkpoint: per table and bucket of keys, the count and hash sum of the rows the caller's copy should hold",
    query: checkpointQuery,
    responses: { 200: { description: 'the buckets', schema: checkpointResponse } },
  },
  {
    method: 'get',
    path: '/api/sync/checkpoint/bucket',
    action: 'sync.use',
    tag: 'sync',
    summary: 'The rows of one checkpoint bucket, each marked old when stamped below the cursor horizon',
    query: checkpointBucketQuery,
    responses: {
      200: { description: 'the rows', schema: checkpointBucketResponse },
      400: { description: 'malformed or foreign cursor, unknown entity, bucket out of range' },
    },
  },
  {
    method: 'post',
    path: '/api/sync/repairs',
    action: 'sync.use',
    tag: 'sync',
    summary: 'A client reports the rows it repaired after a checkpoint (counted in /metrics sync_repairs_total)',
    body: repairsReport,
    responses: { 200: { description: 'counted', schema: z.object({ ok: z.boolean() }) } },
  },
  {
    method: 'get',
    path: '/api/sync/queue',
    action: 'sync.monitor',
    tag: 'sync',
    summary:
      'Pushed ops per user, status and age, and per client what its outbox holds as reported with its pulls (HQ: all; branch managers: their branch)',
    query: queueQuery,
    responses: {
      200: {
        description: 'ops and a summary per user and status',
        schema: z.object({
          items: z.array(queueItem),
          summary: z.array(
            z.object({
              userId: z.uuid(),
              username: z.string().nullable(),
              status: z.string(),
              count: z.number().int(),
              oldestAt: z.string(),
            }),
          ),
          clients: z.array(
            z.object({
              clientId: z.string(),
              userId: z.uuid(),
              username: z.string().nullable(),
              branchId: z.uuid().nullable(),
              pending: z.number().int(),
              conflicts: z.number().int(),
              failed: z.number().int(),
              oldestPendingAt: z.string().nullable(),
              reportedAt: z.string(),
            }),
          ),
        }),
      },
    },
  },
);
