// Pull (GET /api/sync/changes) and monitoring (GET /api/sync/queue). The push is in sync.push.ts.
//
// A pull run delivers every row stamped by a transaction in [lo, hi): hi is the xmin of a snapshot taken when
// the run starts (every transaction below it has ended), fixed for the whole run, and the next run starts at
// it. A transaction that commits late has an id ≥ the hi of any run that started while it was open, so its rows
// fall in a later window: nothing is skipped, whatever the commit order (docs/sync-protocol.md).
import {
  type CheckpointBucketResponse,
  type CheckpointResponse,
  checkpointBucketQuery,
  checkpointQuery,
  ORDER_CHILDREN,
  pullQuery,
  type QueueResponse,
  queueQuery,
  type ServerCursor,
  SYNC_ENTITIES,
  type SyncEntity,
} from '../../domain/sync-protocol.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ValidationError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import { decodeCursor, encodeCursor, scopeFingerprint } from './sync.cursor.js';
import * as repo from './sync.repository.js';

/** The sections of a run: every mirrored table, then deletes, then orders that moved in or out of scope. */
const SECTIONS = [...SYNC_ENTITIES, 'tombstones', 'moves'] as const;

/**
 * In a snapshot the rows hanging off an order come with their order (found by order id through their indexes)
 * rather than in sections of their own: each of those sections would page through the whole table checking
 * every row against row-level security. A page asks for about limit / ROWS_PER_ORDER orders.
 */
const SNAPSHOT_INLINE = new Set<string>([...ORDER_CHILDREN, 'split_orders']);
const ROWS_PER_ORDER = 8;

function xidMax(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

/** A change as the pull sends it: an upsert's row is the JSON text PostgreSQL produced, passed through. */
export type PageChange =
  | { entity: SyncEntity; id: string; op: 'upsert'; version: number | null; row: string }
  | { entity: SyncEntity; id: string; op: 'delete' };
export interface PullPage {
  changes: PageChange[];
  cursor: string;
  hasMore: boolean;
  reset: boolean;
  /** the first page of a snapshot: how many orders the whole snapshot brings (the client's progress bar) */
  orderTotal?: number;
  /** the run's window bound (a pull with `window`) */
  windowFrom?: string;
}

/** The response body (domain/sync-protocol.ts pullResponse), written without parsing the rows again. */
export function pullPageJson(page: PullPage): string {
  const items = page.changes.map((c) =>
    c.op === 'upsert'
      ? `{"entity":"${c.entity}","id":${JSON.stringify(c.id)},"op":"upsert","version":${c.version ?? 'null'},"row":${c.row}}`
      : `{"entity":"${c.entity}","id":${JSON.stringify(c.id)},"op":"delete"}`,
  );
  return `{"changes":[${items.join(',')}],"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore},"reset":${page.reset}${page.orderTotal === undefined ? '' : `,"orderTotal":${page.orderTotal}`}${page.windowFrom === undefined ? '' : `,"windowFrom":${JSON.stringify(page.windowFrom)}`}}`;
}

/**
 * The outbox report a pull carries (validated with the pull's query), stored in a transaction of its own after
 * the page: the pull's own stays read-only, so it holds back no other transaction's horizon.
 */
export async function recordOutboxReport(tx: Tx, actor: Actor, query: unknown): Promise<void> {
  const q = parse(pullQuery, query);
  if (q.clientId === undefined || q.pending === undefined) return;
  await repo.reportOutbox(tx, {
    clientId: q.clientId,
    userId: actor.userId,
    branchId: actor.branchId,
    pending: q.pending,
    conflicts: q.conflicts ?? 0,
    failed: q.failed ?? 0,
    pendingSince: q.pendingSince ?? null,
  });
}

/** Whether a pull's query carries an outbox report. */
export function hasOutboxReport(query: unknown): boolean {
  return typeof query === 'object' && query !== null && 'clientId' in query;
}

/** GET /api/sync/changes?cursor=…&limit=N[&clientId=…&pending=…&conflicts=…&failed=…&pendingSince=…] */
export async function pullChanges(tx: Tx, actor: Actor, query: unknown): Promise<PullPage> {
  authorize(actor, 'sync.use');
  const q = parse(pullQuery, query);
  const scope = scopeFingerprint(actor);
  const previous = q.cursor ? decodeCursor(q.cursor) : null;
  const nextRun = previous !== null && previous.s === scope && previous.t >= SECTIONS.length;
  const { hi, prunedUpTo, scopeChanged } = await repo.startPull(tx, nextRun ? previous.hi : null);

  let c: ServerCursor;
  let reset = false;
  let orderTotal: number | undefined;
  const missedDeletes = previous !== null && previous.lo !== '0' && BigInt(previous.lo) <= BigInt(prunedUpTo);
  let nothingForCaller = false;
  // The window (docs/sync-protocol.md, "The window"): fixed for a run; a run after it narrows it (the bound moves
  // on with the days, or the client asked for fewer months: the client drops what left) or, when it would widen
  // (more months, or none), starts a snapshot: orders that were never sent would have no write to bring them.
  const months = q.window ?? null;
  const from = months === null ? null : repo.windowStart(months);
  const prevFrom = previous?.w ?? null;
  const widens = prevFrom !== null && (from === null || Date.parse(from) < Date.parse(prevFrom));
  if (!previous || previous.s !== scope || missedDeletes || (nextRun && widens)) {
    // A first pull, another scope, a cursor older than pruned tombstones or a wider window: a snapshot.
    c = { v: 1, s: scope, lo: '0', hi, t: 0, x: null, k: null, ...windowOf(months, from, null) };
    reset = true;
    // counted once per snapshot, under the caller's RLS: the orders its pages will bring (deleted ones as deletes)
    orderTotal = from === null ? await repo.countOrders(tx) : await repo.countWindowOrders(tx, from);
  } else if (previous.t >= SECTIONS.length) {
    c = {
      v: 1,
      s: scope,
      lo: previous.hi,
      hi: xidMax(hi, previous.hi),
      t: 0,
      x: null,
      k: null,
      ...windowOf(months, from, prevFrom),
    };
    // no write since the last run noted a scope of the caller's (migration 0091): while other branches write,
    // an up-to-date client is answered without the probe
    nothingForCaller = scopeChanged === false;
  } else {
    c = previous;
  }
  const changes: PageChange[] = [];
  const w = { lo: c.lo, hi: c.hi };
  const snapshot = c.lo === '0';
  // nothing in the whole window (no transaction anywhere wrote since the last run, none noted the caller's
  // scopes, or none of its rows are the caller's): the run is complete at once
  if (
    !snapshot &&
    c.t === 0 &&
    c.x === null &&
    (BigInt(w.lo) >= BigInt(w.hi) || nothingForCaller || !(await repo.anythingIn(tx, w)))
  ) {
    c = { ...c, t: SECTIONS.length };
  }
  while (c.t < SECTIONS.length && changes.length < q.limit) {
    const section = SECTIONS[c.t]!;
    const budget = q.limit - changes.length;
    const after = c.x !== null && c.k !== null ? { x: c.x, k: c.k } : null;
    let got: { x: string; k: string }[];
    let asked = budget;
    if (snapshot && (section === 'tombstones' || section === 'moves' || SNAPSHOT_INLINE.has(section))) {
      // A snapshot starts from an empty copy: nothing to delete, and an order's children come with it.
      got = [];
      asked = 1;
    } else if (section === 'tombstones') got = await tombstoneSection(tx, w, after, budget, changes);
    else if (section === 'moves') got = await moveSection(tx, w, after, budget, changes);
    else {
      const snapshotOrders = snapshot && section === 'orders';
      if (snapshotOrders) asked = Math.max(1, Math.floor(budget / ROWS_PER_ORDER));
      const windowFrom = c.w ?? null;
      let rows: repo.StampedRow[];
      let nextPart = false;
      if (snapshotOrders && windowFrom !== null) {
        // a windowed snapshot's orders come in two parts (repo.snapshotOpenOrders, repo.snapshotWrittenOrders)
        const part =
          (c.p ?? 0) === 0
            ? await repo.snapshotOpenOrders(tx, windowFrom, after?.k ?? null, asked)
            : await repo.snapshotWrittenOrders(tx, windowFrom, c.u && after ? { u: c.u, id: after.k } : null, asked);
        rows = part;
        const lastOf = part[part.length - 1];
        if ((c.p ?? 0) === 0 && part.length < asked) nextPart = true;
        else if (lastOf) c = { ...c, u: lastOf.u || null };
      } else if (snapshotOrders) rows = await repo.snapshotOrders(tx, after?.k ?? null, asked);
      else rows = await repo.stampedRows(tx, section, w, after, asked, windowFrom);
      for (const r of rows) {
        changes.push(
          r.deleted
            ? { entity: section, id: r.id, op: 'delete' }
            : { entity: section, id: r.id, op: 'upsert', version: r.version, row: r.row },
        );
      }
      if (snapshot && section === 'orders') {
        const live = rows.filter((r) => !r.deleted).map((r) => ({ id: r.id, createdAt: r.c! }));
        for (const child of await repo.orderChildren(tx, live))
          changes.push({ entity: child.entity, id: child.id, op: 'upsert', version: child.version, row: child.row });
      } else if (section === 'orders' && c.e) {
        // an order that may have been outside the client's window (created before its previous bound) and was
        // written since — reopened, edited at the head office — enters it with all its children, whose own stamps
        // may be old
        const live = rows.filter((r) => !r.deleted).map((r) => r.id);
        for (const child of await repo.orderChildren(tx, await repo.ordersCreatedBefore(tx, live, c.e)))
          changes.push({ entity: child.entity, id: child.id, op: 'upsert', version: child.version, row: child.row });
      }
      if (nextPart) {
        c = { ...c, p: 1, x: null, k: null, u: null };
        continue;
      }
      got = rows.map((r) => ({ x: r.x, k: r.id }));
    }
    const last = got[got.length - 1];
    if (got.length < asked || !last) c = { ...c, t: c.t + 1, x: null, k: null };
    else c = { ...c, x: last.x, k: last.k };
  }
  return {
    changes,
    cursor: encodeCursor(c),
    hasMore: c.t < SECTIONS.length,
    reset,
    orderTotal,
    windowFrom: c.w ?? undefined,
  };
}

/** A cursor's window fields: none without a window (a cursor made before windows had none either). */
export function windowOf(
  months: number | null,
  from: string | null,
  entry: string | null,
): Pick<ServerCursor, 'm' | 'w' | 'e' | 'p' | 'u'> {
  return months === null || from === null ? {} : { m: months, w: from, e: entry, p: 0, u: null };
}

async function tombstoneSection(
  tx: Tx,
  w: repo.Window,
  after: repo.After | null,
  limit: number,
  out: PageChange[],
): Promise<{ x: string; k: string }[]> {
  const rows = await repo.tombstones(tx, w, after, limit);
  const live = new Map<SyncEntity, Set<string>>();
  for (const entity of new Set(rows.map((r) => r.entity))) {
    live.set(
      entity,
      await repo.liveKeys(
        tx,
        entity,
        rows.filter((r) => r.entity === entity).map((r) => r.entityId),
      ),
    );
  }
  for (const r of rows) {
    // deleted, then written again under the same key: the row itself is delivered, not its old tombstone
    if (!live.get(r.entity)?.has(r.entityId)) out.push({ entity: r.entity, id: r.entityId, op: 'delete' });
  }
  return rows;
}

async function moveSection(
  tx: Tx,
  w: repo.Window,
  after: repo.After | null,
  limit: number,
  out: PageChange[],
): Promise<{ x: string; k: string }[]> {
  const moves = await repo.scopeMoves(tx, w, after, limit);
  const arrived = new Map<string, repo.OrderKey>();
  for (const m of moves) {
    if (m.visibleNow && !m.wasVisible) arrived.set(m.orderId, { id: m.orderId, createdAt: m.orderCreatedAt });
    else if (!m.visibleNow && m.wasVisible) out.push({ entity: 'orders', id: m.orderId, op: 'delete' });
  }
  // An order that came into scope brings its children, whose own stamps may be old.
  for (const child of await repo.orderChildren(tx, [...arrived.values()])) {
    out.push({ entity: child.entity, id: child.id, op: 'upsert', version: child.version, row: child.row });
  }
  return moves;
}

/** GET /api/sync/queue: ops per user, status and age, for HQ and branch managers (RLS: their branch). */
export async function queueStatus(tx: Tx, actor: Actor, query: unknown): Promise<QueueResponse> {
  authorize(actor, 'sync.monitor');
  const q = parse(queueQuery, query);
  const filter = { ...q, olderThanMinutes: q.olderThanMinutes ?? (q.status === 'STUCK' ? 30 : undefined) };
  const [items, summary] = [await repo.queueItems(tx, filter), await repo.queueSummary(tx, filter)];
  const clients = await repo.clientOutboxes(tx, { userId: q.userId });
  return { items, summary, clients } as QueueResponse;
}

/** GET /api/sync/checkpoint?cursor=…: per table and bucket, what the caller's copy should hold. */
export async function checkpoint(tx: Tx, actor: Actor, query: unknown): Promise<CheckpointResponse> {
  authorize(actor, 'sync.use');
  const q = parse(checkpointQuery, query);
  // the copy's window is its cursor's (an undecodable cursor compares the whole scope, as before windows)
  let windowFrom: string | null = null;
  try {
    windowFrom = decodeCursor(q.cursor).w ?? null;
  } catch {}
  await repo.startPull(tx, null);
  const tables: CheckpointResponse['tables'] = {};
  for (const entity of SYNC_ENTITIES) {
    const buckets = await repo.checkpointBuckets(tx, entity, windowFrom);
    if (buckets.length) tables[entity] = buckets;
  }
  return { tables };
}

/**
 * GET /api/sync/checkpoint/bucket?cursor=…&entity=…&bucket=…: the rows of one bucket, each marked `old` when
 * stamped below the cursor's horizon — a row the client should have as it is, not one a later pull will bring.
 */
export async function checkpointBucket(tx: Tx, actor: Actor, query: unknown): Promise<CheckpointBucketResponse> {
  authorize(actor, 'sync.use');
  const q = parse(checkpointBucketQuery, query);
  const c = decodeCursor(q.cursor);
  if (c.s !== scopeFingerprint(actor)) throw new ValidationError('cursor', 'errors.validation');
  await repo.startPull(tx, null);
  // a run still under way has delivered nothing above its lower end for sure
  const hi = c.t >= SECTIONS.length ? c.hi : c.lo;
  return { rows: await repo.checkpointBucketRows(tx, q.entity, q.bucket, hi, c.w ?? null) };
}
