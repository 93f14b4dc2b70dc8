// POST /api/sync/push: a client's outbox, applied op by op, in order, through the same service functions (and so
// the same rules) as the REST API. Ops are committed in chunks of up to OPS_PER_TRANSACTION, each op in its own
// savepoint: a refused op is rolled back alone, its refusal recorded in its place, and the ops behind it go on. One
// durable commit (WAL flush) and one cache invalidation per chunk instead of per op is what lets a push reach
// 1,000 ops/s (docs/performance.md); docs/sync-protocol.md explains why the guarantees hold. Runs of edits that fit
// the fast path (no savepoints) go up to FAST_OPS_PER_TRANSACTION per transaction, falling back to those chunks.
//
// Exactly once: the op's answer is recorded in offline_sync_queue in the savepoint that applies it (unique op id),
// so it commits with the op's effect or not at all. A resent op (attempt > 0: the client never got the answer)
// finds that record before anything else, gets the first answer back and changes nothing; should an op id already
// recorded be applied again anyway (a client that lost count, two requests racing), recording its answer fails on
// the unique key, the op is rolled back to its savepoint and the first answer returned. A refused op (CONFLICT,
// FAILED) is answered and recorded like any other and never blocks the ops behind it. When the database itself
// goes away the request stops: the answers of the chunks committed so far are returned; the ops of the chunk under
// way were not applied (their records went with them) and the client sends them again.
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
  type SyncEntity,
} from '../../domain/sync-protocol.js';
import { authorize } from '../auth/authorize.js';
import { afterCommitMark, dropAfterCommitSince } from '../db/after-commit.js';
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
/**
 * Applies many ops of one kind on distinct entities at once through their service, by the same rules as the
 * kind's OpHandler one at a time; returns each entity's new version, or undefined for an op not applied (its
 * OpHandler would have refused it; the chunk then goes the savepoint path). Only for kinds whose service writes
 * the op's own entity row and nothing another op could be about (besides log rows hanging off it: history, audit).
 */
export type OpBatchHandler = (
  tx: Tx,
  actor: Actor,
  ops: { entityId: string; input: unknown }[],
) => Promise<(number | undefined)[]>;
export type OpBatchHandlers = Partial<Record<OpKind, OpBatchHandler>>;

export interface PushDeps {
  pool: pg.Pool;
  handlers: OpHandlers;
  /** kinds that may take the fast path: a chunk of new ops of one of these kinds, on distinct entities */
  batchHandlers?: OpBatchHandlers;
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
  // toAppError's answer to a lost connection, an unreachable database, a job queue not yet connected
  if (e instanceof AppError && e.status === 503) return true;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  if (/^(08|53|57P)/.test(code)) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|Client has encountered a connection error|connect ETIMEDOUT|Cannot use a pool after calling end|Client was closed/.test(
    message,
  );
}

/**
 * A serialization failure or deadlock (mapped to a 409 "concurrent"): transient, never an op's answer. The whole
 * chunk is rolled back and tried again — retrying the op alone inside its savepoint would keep the rows the ops
 * before it locked, which the other transaction of the deadlock is waiting for, and deadlock again.
 */
function isRetryable(e: unknown): boolean {
  if (e instanceof ChunkContended) return true;
  const err = e as { code?: unknown; cause?: { code?: unknown } };
  const code = err?.cause?.code ?? err?.code;
  return code === '40001' || code === '40P01';
}

/** Thrown out of a chunk's transaction when an op of it lost a deadlock or a serialization check. */
class ChunkContended extends Error {
  constructor(cause: unknown) {
    super('sync push chunk lost a deadlock or serialization check', { cause });
  }
}

/** How often a contended chunk is tried again before the push stops there (the client sends the rest later). */
const CHUNK_TRIES = 6;

function contentionPause(attempt: number): Promise<void> {
  // jittered, doubling from ~10 ms: the transaction that won the deadlock commits meanwhile
  const ms = Math.random() * 10 * 2 ** attempt;
  return new Promise((r) => setTimeout(r, ms));
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

/**
 * Ops per transaction. Each op runs in a savepoint; every savepoint that writes takes a subtransaction id, and a
 * backend keeps only 64 of them in shared memory (more overflow to pg_subtrans and slow every snapshot of every
 * session until the transaction ends). An op leaves at most one (a rolled-back savepoint's id is dropped).
 */
export const OPS_PER_TRANSACTION = 50;

/**
 * Ops per transaction on the fast path (applyChunkFast: no savepoints, so no subtransaction ids): a run of up to
 * this many ops that fits it is tried as one transaction — one durable commit, one run of the statement-level
 * triggers (cache scopes, rollups, scope notes) and one read of the answers' rows instead of four. Should it miss,
 * the run is applied in chunks of OPS_PER_TRANSACTION exactly as before (each tried on the fast path first).
 */
export const FAST_OPS_PER_TRANSACTION = 200;

function duplicateOp(opId: string): OpResult {
  return failed(opId, { code: 'DUPLICATE_OP', field: 'opId', message: 'this opId was already used' });
}

/** The first answer of an op id already recorded (counting the retry), or null. */
async function replay(tx: Tx, opId: string): Promise<OpResult | null> {
  const prior = await repo.replayOp(tx, opId);
  return prior ? { ...(prior.result as OpResult), replayed: true } : null;
}

/** The op was refused: its answer (CONFLICT with the head office's row, or FAILED) is recorded instead. */
async function refuse(
  deps: PushDeps,
  tx: Tx,
  actor: Actor,
  clientId: string,
  op: PushOp,
  err: unknown,
  locale: Locale,
): Promise<OpResult> {
  const prior = await replay(tx, op.opId);
  if (prior) return prior;
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
  // recorded meanwhile by a concurrent request (its transaction has committed: the insert waited for it)
  if (!recorded) return (await replay(tx, op.opId)) ?? duplicateOp(op.opId);
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
}

/**
 * Ends the op's savepoint and opens the next op's. RELEASE keeps one savepoint level: the released
 * subtransaction's writes join the transaction.
 */
const NEXT_OP = 'RELEASE SAVEPOINT op; SAVEPOINT op';

/**
 * Whether another op follows in the chunk (wanted), and whether its savepoint was opened already, in the same
 * message as this op's record (opened; the round trip of a separate RELEASE/SAVEPOINT is saved). Only an
 * accepted op's record carries it: every other way out of answerOp leaves savepoint `op` to the chunk loop.
 */
interface NextSavepoint {
  wanted: boolean;
  opened: boolean;
}

/**
 * One op, inside savepoint `op` of the chunk's transaction: its recorded answer for a known op id, else the
 * service and the answer recorded with the entity's row. Whatever goes wrong is rolled back to the savepoint —
 * the op's writes, trigger rows, cache scopes and after-commit work, nothing of the ops before it — and the
 * refusal recorded in its place. Throws only when the database went away (the chunk is lost, nothing answered).
 */
async function answerOp(
  deps: PushDeps,
  tx: Tx,
  actor: Actor,
  clientId: string,
  op: PushOp,
  locale: Locale,
  savepoint: NextSavepoint,
): Promise<OpResult> {
  // a resent op: its first answer is looked for before anything else
  if (op.attempt) {
    const first = await replay(tx, op.opId);
    if (first) return first;
  }
  const handler = deps.handlers[op.kind]!;
  const input =
    op.kind === 'order.create' ? { ...op.payload, id: op.entityId } : opInput(op.kind, op.payload, op.expectedVersion);
  const mark = afterCommitMark(tx);
  let err: unknown;
  try {
    const out = await handler(tx, actor, op.entityId, input);
    // the next op's savepoint travels with this op's record (sent only if the record was written)
    const answer = await repo.recordSynced(
      tx,
      recordOf(actor, clientId, op),
      out.version,
      savepoint.wanted ? NEXT_OP : '',
    );
    if (answer) {
      savepoint.opened = savepoint.wanted;
      return answer;
    }
    err = new RaceLost();
  } catch (e) {
    err = toAppError(e);
  }
  await tx.query('ROLLBACK TO SAVEPOINT op');
  dropAfterCommitSince(tx, mark);
  // a revoked session (user deactivated, role or branch changed) is the request's fault, not the op's
  if (err instanceof UnauthorizedError) throw err;
  // recorded already (two requests racing, a client that lost count): the first answer, or someone else's id
  if (err instanceof RaceLost) return (await replay(tx, op.opId)) ?? duplicateOp(op.opId);
  if (isTransient(err)) throw err;
  if (isRetryable(err)) throw new ChunkContended(err);
  const refusalMark = afterCommitMark(tx);
  try {
    return await refuse(deps, tx, actor, clientId, op, err, locale);
  } catch (e2) {
    await tx.query('ROLLBACK TO SAVEPOINT op');
    dropAfterCommitSince(tx, refusalMark);
    if (isTransient(e2)) throw e2;
    if (isRetryable(e2)) throw new ChunkContended(e2);
    deps.logger?.error({ err: e2, kind: op.kind }, 'sync op failed unexpectedly');
    return failed(op.opId, errorOf(e2, locale));
  }
}

/**
 * Up to OPS_PER_TRANSACTION ops, in order, in one transaction, each in its own savepoint; the answers once it
 * has committed. The op records commit with their effects, so a chunk is applied whole or not at all.
 */
function applyChunkSavepointed(deps: PushDeps, actor: Actor, clientId: string, ops: PushOp[], locale: Locale) {
  return withRequestTransaction(deps.pool, actor, async (tx) => {
    const results: OpResult[] = [];
    const orderIds = new Set<string>();
    const pickupIds = new Set<string>();
    for (const op of ops) {
      if (op.kind === 'order.create') continue;
      if (op.entity === 'orders') orderIds.add(op.entityId.toLowerCase());
      else if (op.entity === 'waste_pickups') pickupIds.add(op.entityId.toLowerCase());
    }
    if (orderIds.size + pickupIds.size > 1) await repo.lockOrdersInIdOrder(tx, [...orderIds], [...pickupIds]);
    const savepoint: NextSavepoint = { wanted: false, opened: false };
    for (const [i, op] of ops.entries()) {
      if (!savepoint.opened) await tx.query(i === 0 ? 'SAVEPOINT op' : NEXT_OP);
      savepoint.wanted = i + 1 < ops.length;
      savepoint.opened = false;
      results.push(await answerOp(deps, tx, actor, clientId, op, locale, savepoint));
    }
    return results;
  });
}

/**
 * Whether a chunk may first be tried on the fast path: new ops (a resend must look for its first answer before
 * anything else), each op id and each entity once, all of one kind that has a batch handler.
 */
function fitsFastPath(ops: PushOp[], batchHandlers: OpBatchHandlers): boolean {
  const kind = ops[0]?.kind;
  if (!kind || !batchHandlers[kind]) return false;
  const opIds = new Set<string>();
  const entities = new Set<string>();
  for (const op of ops) {
    const entity = `${op.entity}:${op.entityId}`.toLowerCase();
    if (op.attempt || op.kind !== kind || opIds.has(op.opId.toLowerCase()) || entities.has(entity)) return false;
    opIds.add(op.opId.toLowerCase());
    entities.add(entity);
  }
  return true;
}

/** The fast path did not fit after all: its transaction was rolled back, nothing of it remains. */
class FastPathMissed extends Error {}

/**
 * The fast path: the chunk's ops through their kind's batch handler (the same service rules, one statement per
 * group of like edits instead of one per op) in one transaction without savepoints, their answers recorded
 * together at the end in one statement. All or nothing: any refusal or
 * error, or an answer that cannot be recorded exactly as the savepoint path would have (recordSyncedMany), rolls
 * the whole transaction back and throws; the caller then applies the chunk on the savepoint path, which answers
 * every op as always. So the answers, records and effects committed are the same either way.
 */
function applyChunkFast(deps: PushDeps, actor: Actor, clientId: string, ops: PushOp[]) {
  const batch = deps.batchHandlers![ops[0]!.kind]!;
  return withRequestTransaction(deps.pool, actor, async (tx) => {
    const versions = await batch(
      tx,
      actor,
      ops.map((op) => ({ entityId: op.entityId, input: opInput(op.kind, op.payload, op.expectedVersion) })),
    );
    if (versions.some((v) => v === undefined)) throw new FastPathMissed();
    const answers = await repo.recordSyncedMany(
      tx,
      ops.map((op) => recordOf(actor, clientId, op)),
      versions as number[],
    );
    if (!answers) throw new FastPathMissed();
    return answers;
  });
}

/**
 * A run of more than OPS_PER_TRANSACTION ops that fits the fast path, in one transaction on it; null when that
 * did not go through (a refused op, contention, the database away, a revoked session: nothing of it was applied),
 * and the caller then applies the run in chunks of OPS_PER_TRANSACTION, which answer or report all of that as
 * they always have.
 */
async function applyRunFast(deps: PushDeps, actor: Actor, clientId: string, ops: PushOp[]): Promise<OpResult[] | null> {
  try {
    return await applyChunkFast(deps, actor, clientId, ops);
  } catch (e) {
    deps.logger?.debug({ err: e, ops: ops.length }, 'sync push run left the fast path; applied in chunks');
    return null;
  }
}

/**
 * A chunk, tried again whole (after a short pause) while it loses deadlocks or serialization checks; when it
 * still does after CHUNK_TRIES, the contention is reported as transient: the push's answers end before it.
 */
async function applyChunk(deps: PushDeps, actor: Actor, clientId: string, ops: PushOp[], locale: Locale) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await applyChunkOnce(deps, actor, clientId, ops, locale);
    } catch (e) {
      if (!isRetryable(e)) throw e;
      if (attempt + 1 >= CHUNK_TRIES) {
        deps.logger?.warn({ err: e, ops: ops.length }, 'sync push chunk still contended; the client resends it');
        throw new SyncUnavailableError(e);
      }
      await contentionPause(attempt);
    }
  }
}

/** A chunk: on the fast path when it fits and goes through, else on the savepoint path. */
async function applyChunkOnce(deps: PushDeps, actor: Actor, clientId: string, ops: PushOp[], locale: Locale) {
  if (ops.length > 1 && deps.batchHandlers && fitsFastPath(ops, deps.batchHandlers)) {
    try {
      return await applyChunkFast(deps, actor, clientId, ops);
    } catch (e) {
      // a revoked session is the request's; anything else (a refused op, the database away) is for the savepoint
      // path to answer or report, as if the fast path had not been tried
      if (e instanceof UnauthorizedError) throw e;
      deps.logger?.debug({ err: e, ops: ops.length }, 'sync push chunk left the fast path');
    }
  }
  return applyChunkSavepointed(deps, actor, clientId, ops, locale);
}

/**
 * A chunk whose transaction failed as a whole (at COMMIT, say) with the database still there: nothing of it was
 * applied, so its ops are tried again one transaction each; one that still cannot commit is refused (FAILED).
 */
async function applyOneByOne(
  deps: PushDeps,
  actor: Actor,
  clientId: string,
  ops: PushOp[],
  locale: Locale,
  results: OpResult[],
): Promise<void> {
  for (const op of ops) {
    try {
      results.push(...(await applyChunk(deps, actor, clientId, [op], locale)));
    } catch (e) {
      if (isTransient(e) || e instanceof UnauthorizedError) throw e;
      results.push(
        await withRequestTransaction(deps.pool, actor, (tx) =>
          refuse(deps, tx, actor, clientId, op, toAppError(e), locale),
        ),
      );
    }
  }
}

/** POST /api/sync/push {clientId, ops} → {results} in op order, possibly fewer when the database went away. */
export async function pushOps(deps: PushDeps, actor: Actor, body: unknown, locale: Locale): Promise<PushResponse> {
  authorize(actor, 'sync.use');
  const req = parse(pushRequest, body);
  const results: OpResult[] = [];
  let chunk: PushOp[] = [];
  // answers the ops gathered so far; false when the database went away (the results end there)
  const flush = async (): Promise<boolean> => {
    const ops = chunk;
    chunk = [];
    if (ops.length <= OPS_PER_TRANSACTION) return flushChunk(ops);
    // a run longer than a chunk fits the fast path (see the loop below): one transaction, else chunks as ever
    const answers = await applyRunFast(deps, actor, req.clientId, ops);
    if (answers) {
      results.push(...answers);
      return true;
    }
    for (let i = 0; i < ops.length; i += OPS_PER_TRANSACTION)
      if (!(await flushChunk(ops.slice(i, i + OPS_PER_TRANSACTION)))) return false;
    return true;
  };
  const flushChunk = async (ops: PushOp[]): Promise<boolean> => {
    if (ops.length === 0) return true;
    try {
      try {
        results.push(...(await applyChunk(deps, actor, req.clientId, ops, locale)));
      } catch (e) {
        if (isTransient(e) || e instanceof UnauthorizedError) throw e;
        deps.logger?.warn(
          { err: e, ops: ops.length },
          'sync push chunk failed as a whole; applying its ops one by one',
        );
        await applyOneByOne(deps, actor, req.clientId, ops, locale, results);
      }
      return true;
    } catch (e) {
      // 401: the ops not yet answered stay in the client's outbox until its user signs in again
      if (e instanceof UnauthorizedError) {
        if (results.length === 0) throw e;
        return false;
      }
      if (!isTransient(e)) throw e;
      if (results.length === 0) throw new SyncUnavailableError(e);
      return false;
    }
  };
  for (const [i, raw] of req.ops.entries()) {
    const parsed = pushOp.safeParse(raw);
    let refused: OpResult | null = null;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.map(String).join('.') ?? '';
      const opId = (raw as { opId?: unknown })?.opId;
      refused = failed(typeof opId === 'string' ? opId : null, {
        code: 'VALIDATION',
        field: path,
        message: `ops.${i}${path ? `.${path}` : ''}: ${issue?.message ?? 'invalid op'}`,
      });
    } else {
      const error = precheck(parsed.data, deps.handlers);
      if (error) refused = failed(parsed.data.opId, error);
    }
    if (refused) {
      // answered in op order: the ops before it first
      if (!(await flush())) return { results };
      results.push(refused);
      continue;
    }
    const op = parsed.data as PushOp;
    // a chunk grows past OPS_PER_TRANSACTION (up to FAST_OPS_PER_TRANSACTION) only while it fits the fast path:
    // an op that would break that goes into the next chunk
    if (
      chunk.length >= OPS_PER_TRANSACTION &&
      !(deps.batchHandlers && fitsFastPath([...chunk, op], deps.batchHandlers)) &&
      !(await flush())
    )
      return { results };
    chunk.push(op);
    if (chunk.length >= FAST_OPS_PER_TRANSACTION && !(await flush())) return { results };
  }
  await flush();
  await answerPredictions(deps, actor, req.ops, results);
  return { results };
}

/**
 * The rows each SYNCED op predicted, as the head office has them now (read after the chunks committed, in one
 * statement): the client replaces its predictions with them. Best effort: without them (the database away by
 * now) the client keeps its predictions until pulls bring the rows, as before.
 */
async function answerPredictions(deps: PushDeps, actor: Actor, raw: unknown[], results: OpResult[]) {
  const predicted = new Map<string, { entity: SyncEntity; id: string }[]>();
  for (const r of raw) {
    const op = pushOp.safeParse(r);
    if (op.success && op.data.predicted?.length) predicted.set(op.data.opId, op.data.predicted);
  }
  const wanted = results.filter((r) => r.status === 'SYNCED' && r.opId !== null && predicted.has(r.opId));
  if (wanted.length === 0) return;
  const keys = wanted.flatMap((r) => predicted.get(r.opId!)!);
  try {
    const rows = await withRequestTransaction(deps.pool, actor, (tx) => repo.rowsOf(tx, keys));
    let i = 0;
    for (const r of wanted) {
      const n = predicted.get(r.opId!)!.length;
      r.rows = rows.slice(i, i + n);
      i += n;
    }
  } catch (err) {
    deps.logger?.warn({ err }, 'sync push: the predicted rows could not be read back');
  }
}
