// POST /api/sync/push: a client's outbox, applied op by op, in order, each in its own transaction, through the
// same service functions (and so the same rules) as the REST API.
//
// Exactly once: the op's answer is recorded in offline_sync_queue in the transaction that applies it (unique op
// id). A resent op (attempt > 0: the client never got the answer) finds that record before anything else, gets
// the first answer back and changes nothing; should an op id already recorded be applied again anyway (a client
// that lost count, two requests racing), recording its answer fails on the unique key, the transaction is undone
// and the first answer returned. A refused op (CONFLICT, FAILED) is recorded in a transaction of its own. A FAILED op is answered and recorded like any other and never blocks the ops
// behind it. When the database itself goes away the request stops: ops without an answer were not applied.
import type pg from 'pg';
import {
  OP_KIND_INFO,
  type OpError,
  type OpKind,
  type OpResult,
  opInput,
  type PushOp,
  type PushResponse,
  pushOp,
  pushRequest,
} from '../../domain/sync-protocol.js';
import { authorize } from '../auth/authorize.js';
import { toAppError } from '../db/errors.js';
import { type Tx, withRequestTransaction } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { AppError, toErrorBody, UnauthorizedError, VersionConflictError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import type { Locale } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import { notifySyncConflict } from '../notifications/notifications.service.js';
import * as repo from './sync.repository.js';

/** Applies one op through its service in the caller's transaction; returns the entity's new version. */
export type OpHandler = (tx: Tx, actor: Actor, entityId: string, input: unknown) => Promise<{ version: number }>;
export type OpHandlers = Partial<Record<OpKind, OpHandler>>;

export interface PushDeps {
  pool: pg.Pool;
  handlers: OpHandlers;
  logger?: Logger;
}

/** 503 for a push of which not one op could be applied: the database is away; the client retries later. */
export class SyncUnavailableError extends AppError {
  constructor(cause: unknown) {
    super(503, { code: 'UNAVAILABLE', messageKey: 'errors.internal', cause });
  }
}

class RaceLost extends Error {}

/** Errors that say nothing about the op: the database connection or server went away. */
function isTransient(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  if (/^(08|53|57P)/.test(code)) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|Client has encountered a connection error|connect ETIMEDOUT|Cannot use a pool after calling end|Client was closed/.test(
    message,
  );
}

/** A serialization failure or deadlock (mapped to a 409 "concurrent"): the op is tried again, not answered. */
function isRetryable(e: unknown): boolean {
  const cause = (e as { cause?: { code?: unknown } })?.cause;
  return cause?.code === '40001' || cause?.code === '40P01';
}

function failed(opId: string | null, error: OpError): OpResult {
  return { opId, status: 'FAILED', error };
}

function errorOf(e: unknown, locale: Locale): OpError {
  if (e instanceof AppError) return toErrorBody(e, locale).error;
  return {
    code: 'INTERNAL',
    message: toErrorBody(new AppError(500, { code: 'INTERNAL', messageKey: 'errors.internal' }), locale).error.message,
  };
}

/** Why a well-formed op cannot even be tried; null when it can. */
function precheck(op: PushOp, handlers: OpHandlers): OpError | null {
  const info = OP_KIND_INFO[op.kind];
  if (info.entity !== op.entity)
    return { code: 'VALIDATION', field: 'entity', message: `${op.kind} applies to ${info.entity}, not ${op.entity}` };
  if (!handlers[op.kind]) return { code: 'UNSUPPORTED', field: 'kind', message: `${op.kind} is not supported` };
  if (op.kind === 'order.create') {
    if (op.payload.id !== undefined && op.payload.id !== op.entityId)
      return { code: 'VALIDATION', field: 'payload.id', message: 'payload.id must equal entityId' };
  } else if (op.expectedVersion === null) {
    return { code: 'VALIDATION', field: 'expectedVersion', message: `${op.kind} needs expectedVersion` };
  }
  return null;
}

function recordOf(actor: Actor, clientId: string, op: PushOp) {
  return {
    opId: op.opId,
    clientId,
    userId: actor.userId,
    branchId: actor.branchId,
    operationType: OP_KIND_INFO[op.kind].operationType,
    kind: op.kind,
    entity: op.entity,
    entityId: op.entityId,
    payload: op.payload,
    expectedVersion: op.expectedVersion,
  };
}

/** The first answer of an op id already recorded (counting the retry), or null. */
function replay(deps: PushDeps, actor: Actor, opId: string): Promise<OpResult | null> {
  return withRequestTransaction(deps.pool, actor, async (tx) => {
    const prior = await repo.replayOp(tx, opId);
    return prior ? { ...(prior.result as OpResult), replayed: true } : null;
  });
}

/**
 * The usual case, in one transaction: the service, then the answer recorded with the entity's row. When the op
 * id is recorded already the transaction is undone (RaceLost) and the first answer is returned instead.
 */
async function applyOp(deps: PushDeps, actor: Actor, clientId: string, op: PushOp): Promise<OpResult> {
  const handler = deps.handlers[op.kind]!;
  const input =
    op.kind === 'order.create' ? { ...op.payload, id: op.entityId } : opInput(op.kind, op.payload, op.expectedVersion);
  return withRequestTransaction(deps.pool, actor, async (tx) => {
    const out = await handler(tx, actor, op.entityId, input);
    const answer = await repo.recordSynced(tx, recordOf(actor, clientId, op), out.version);
    if (!answer) throw new RaceLost();
    return answer;
  });
}

/** The op was refused: its answer (CONFLICT with the head office's row, or FAILED) is recorded in a new transaction. */
async function refuseOp(
  deps: PushDeps,
  actor: Actor,
  clientId: string,
  op: PushOp,
  err: unknown,
  locale: Locale,
): Promise<OpResult> {
  return withRequestTransaction(deps.pool, actor, async (tx) => {
    const prior = await repo.replayOp(tx, op.opId);
    if (prior) return { ...(prior.result as OpResult), replayed: true };
    const current = await repo.rowOf(tx, op.entity, op.entityId);
    let result: OpResult;
    if (err instanceof VersionConflictError && current) {
      result = { opId: op.opId, status: 'CONFLICT', current, error: errorOf(err, locale) };
    } else {
      if (!(err instanceof AppError)) deps.logger?.error({ err, kind: op.kind }, 'sync op failed unexpectedly');
      result = { opId: op.opId, status: 'FAILED', current, error: errorOf(err, locale) };
    }
    const recorded = await repo.recordOp(tx, {
      ...recordOf(actor, clientId, op),
      status: result.status,
      lastError: result.error ? `${result.error.code}: ${result.error.message}` : null,
      result,
    });
    if (!recorded) throw new RaceLost();
    // FR-11: the user hears of a conflict even if the client that pushed it is closed by then
    if (result.status === 'CONFLICT') {
      await notifySyncConflict(tx, {
        userId: actor.userId,
        opId: op.opId,
        entity: op.entity,
        entityId: op.entityId,
        kind: op.kind,
      });
    }
    return result;
  });
}

/** One op's answer: the recorded one for a known op id, else the op applied or refused. */
async function answerOp(deps: PushDeps, actor: Actor, clientId: string, op: PushOp, locale: Locale): Promise<OpResult> {
  // a resent op: its first answer is looked for before anything else
  if (op.attempt) {
    const first = await replay(deps, actor, op.opId);
    if (first) return first;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return await applyOp(deps, actor, clientId, op);
    } catch (e) {
      if (e instanceof RaceLost) {
        const first = await replay(deps, actor, op.opId);
        if (first) return first;
        // recorded, but not by this user (row-level security hides it): someone else's op id
        return failed(op.opId, { code: 'DUPLICATE_OP', field: 'opId', message: 'this opId was already used' });
      }
      const err = toAppError(e);
      // a revoked session (user deactivated, role or branch changed) is the request's fault, not the op's
      if (err instanceof UnauthorizedError) throw err;
      if (isTransient(err) || (isRetryable(err) && attempt < 5)) {
        if (isTransient(err)) throw err;
        continue;
      }
      try {
        return await refuseOp(deps, actor, clientId, op, err, locale);
      } catch (e2) {
        if (!(e2 instanceof RaceLost)) throw e2;
        const first = await replay(deps, actor, op.opId);
        if (first) return first;
        return failed(op.opId, { code: 'DUPLICATE_OP', field: 'opId', message: 'this opId was already used' });
      }
    }
  }
}

/** POST /api/sync/push {clientId, ops} → {results} in op order, possibly fewer when the database went away. */
export async function pushOps(deps: PushDeps, actor: Actor, body: unknown, locale: Locale): Promise<PushResponse> {
  authorize(actor, 'sync.use');
  const req = parse(pushRequest, body);
  const results: OpResult[] = [];
  for (const [i, raw] of req.ops.entries()) {
    const parsed = pushOp.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.map(String).join('.') ?? '';
      const opId = (raw as { opId?: unknown })?.opId;
      results.push(
        failed(typeof opId === 'string' ? opId : null, {
          code: 'VALIDATION',
          field: path,
          message: `ops.${i}${path ? `.${path}` : ''}: ${issue?.message ?? 'invalid op'}`,
        }),
      );
      continue;
    }
    const op = parsed.data;
    const refused = precheck(op, deps.handlers);
    if (refused) {
      results.push(failed(op.opId, refused));
      continue;
    }
    let answer: OpResult;
    try {
      answer = await answerOp(deps, actor, req.clientId, op, locale);
    } catch (e) {
      if (isTransient(e)) {
        if (results.length === 0) throw new SyncUnavailableError(e);
        return { results };
      }
      // 401: the ops not yet answered stay in the client's outbox until its user signs in again
      if (e instanceof UnauthorizedError) {
        if (results.length === 0) throw e;
        return { results };
      }
      deps.logger?.error({ err: e, kind: op.kind }, 'sync op failed unexpectedly');
      answer = failed(op.opId, errorOf(e, locale));
    }
    results.push(answer);
  }
  return { results };
}
