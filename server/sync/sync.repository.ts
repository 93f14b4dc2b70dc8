// SQL of the sync capability. Every query runs in the caller's transaction, so row-level security limits what
// it reads to what the user may see.

import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  ENTITY_KEY,
  type OpResult,
  ORDER_CHILDREN,
  SYNC_ENTITIES,
  type SyncEntity,
  type SyncRow,
} from '../../domain/sync-protocol.js';
import type { Tx } from '../db/transaction.js';

/**
 * A named (prepared) statement: planned once per connection. The pull's queries touch every partition of orders
 * and order_status_history under row-level security, whose planning costs more than running them.
 */
function named(text: string, values: unknown[] = []) {
  return { name: `sync_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text, values };
}

export interface Window {
  lo: string;
  hi: string;
}
export interface After {
  x: string;
  k: string;
}

/** `row` is the row's JSON text as PostgreSQL wrote it: the pull passes it through without parsing it. */
export interface StampedRow {
  id: string;
  x: string;
  version: number | null;
  deleted: boolean;
  row: string;
  /** an order's created_at (the snapshot's order queries): with its id, the key its children reference */
  c?: string;
}

/**
 * Starts a pull: the session speaks UTC (to_jsonb's timestamps) and compiles nothing (JIT would cost more than
 * these many small index scans over partitions), and returns the upper end of the next window,
 * sync_horizon() (migration 0030): every transaction of this database with a smaller id has ended, so the set
 * of rows stamped below it can only shrink (a row re-stamped by a later write leaves for a later window), never
 * grow. Also the newest pruned tombstone id (sync_prune_change_log), and — given the window's lower end `lo` —
 * whether any write since `lo` noted a scope the caller may see (sync_scope_changed, migration 0091): false
 * means the window [lo, hi) holds nothing for the caller. One round trip.
 */
export async function startPull(
  tx: Tx,
  lo: string | null,
): Promise<{ hi: string; prunedUpTo: string; scopeChanged: boolean | null }> {
  const { rows } = await tx.query<{ hi: string; pruned: string; changed: boolean | null }>(
    named(
      `SELECT set_config('TimeZone', 'UTC', true), set_config('jit', 'off', true), h.hi::text AS hi,
              (SELECT pruned_up_to::text FROM sync_log_horizon) AS pruned,
              CASE WHEN $1::xid8 IS NOT NULL AND $1::xid8 < h.hi THEN sync_scope_changed($1::xid8, h.hi) END AS changed
         FROM (SELECT sync_horizon() AS hi) h`,
      [lo],
    ),
  );
  return { hi: rows[0]!.hi, prunedUpTo: rows[0]!.pruned ?? '0', scopeChanged: rows[0]!.changed };
}

/** Drops the scope notes older than a day (migration 0091, sync_prune_scope_log); how many. */
export async function pruneScopeLog(db: Pick<Tx, 'query'>): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT sync_prune_scope_log() AS n');
  return rows[0]?.n ?? 0;
}

/**
 * Whether anything the caller may see was stamped in the window, in one statement: most pulls of a client that
 * is up to date find nothing, and one probe answers that faster than a query per table.
 */
export async function anythingIn(tx: Tx, w: Window): Promise<boolean> {
  const probes = [...SYNC_ENTITIES, 'sync_tombstones', 'sync_scope_moves'].map(
    (t) => `EXISTS (SELECT 1 FROM ${t} WHERE change_xid >= $1::xid8 AND change_xid < $2::xid8)`,
  );
  const { rows } = await tx.query<{ any: boolean }>(named(`SELECT ${probes.join(' OR ')} AS any`, [w.lo, w.hi]));
  return rows[0]!.any;
}

const VERSIONLESS = new Set<SyncEntity>([
  'order_status_history',
  'appointments',
  'split_orders',
  'attachments',
  'happy_calls',
]);

function keyType(entity: SyncEntity): string {
  return ENTITY_KEY[entity] === 'id' ? 'uuid' : 'text';
}

/** Rows of `entity` stamped in the window after `after`, in (change_xid, key) order. */
export async function stampedRows(
  tx: Tx,
  entity: SyncEntity,
  w: Window,
  after: After | null,
  limit: number,
  windowFrom: string | null = null,
): Promise<StampedRow[]> {
  const key = ENTITY_KEY[entity];
  const params: unknown[] = [w.hi, limit];
  let lower: string;
  if (after) {
    params.push(after.x, after.k);
    lower = `(t.change_xid, t.${key}) > ($3::xid8, $4::${keyType(entity)})`;
  } else {
    params.push(w.lo);
    lower = 't.change_xid >= $3::xid8';
  }
  // A user mirrors their own notifications only (HQ may read everyone's, but does not carry them around).
  let own = entity === 'notifications' ? 'AND t.user_id = app_user_id()' : '';
  // A client with a window gets the children of the orders in it only: a pick-up added at the head office to an
  // order closed long ago comes with that order if it ever enters the window (the orders section brings them).
  const parent = parentOf(entity);
  if (windowFrom !== null && parent) {
    params.push(windowFrom);
    own = `AND EXISTS (SELECT 1 FROM orders o WHERE o.id = t.${parent.id} AND o.created_at = t.${parent.createdAt}
                          AND ${inWindow('o', `$${params.length}`)})`;
  }
  const deleted = entity === 'orders' ? 't.deleted_at IS NOT NULL' : 'false';
  const { rows } = await tx.query<StampedRow>(
    named(
      `SELECT t.${key}::text AS id, t.change_xid::text AS x, ${VERSIONLESS.has(entity) ? 'NULL::int' : 't.version'} AS version,
            ${deleted} AS deleted, (to_jsonb(t) - 'change_xid')::text AS row
       FROM ${entity} t
      WHERE t.change_xid < $1::xid8 AND ${lower} ${own}
      ORDER BY t.change_xid, t.${key}
      LIMIT $2`,
      params,
    ),
  );
  return rows;
}

/** The column naming an order's row's order, for the tables whose rows come and go with their order. */
function parentOf(entity: SyncEntity): { id: string; createdAt: string } | null {
  if (entity === 'split_orders') return { id: 'parent_order_id', createdAt: 'parent_order_created_at' };
  if ((ORDER_CHILDREN as readonly string[]).includes(entity)) return { id: 'order_id', createdAt: 'order_created_at' };
  return null;
}

/**
 * The window's test on an order row `a` (docs/sync-protocol.md, "The window"): open, or written since `from`
 * (a timestamptz parameter). "Open" is asked through order_sync_open() (migration 0138: OPEN_STATUSES), the
 * predicate of idx_orders_sync_open, so the planner proves that partial index usable here and for nothing else.
 */
export function inWindow(a: string, from: string): string {
  return `(${isOpen(a)} OR ${a}.updated_at >= ${from}::timestamptz)`;
}

function isOpen(a: string): string {
  return `order_sync_open(${a}.status)`;
}

/**
 * The window's lower bound for `months`: midnight (KST, the company's day) of the day `months` months ago, as
 * ISO text the way the rows carry timestamps ('…T15:00:00+00:00': a client compares its orders' updated_at text
 * with it). Fixed for a day, so a client drops what left once a day.
 */
export function windowStart(months: number, now = new Date()): string {
  const kst = new Date(now.getTime() + 9 * 3600_000);
  // the 28th or earlier: a month back from the 31st is a day of that month, not one spilling into the next
  const day = Math.min(kst.getUTCDate(), 28);
  const start = Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth() - months, day) - 9 * 3600_000;
  return `${new Date(start).toISOString().slice(0, 19)}+00:00`;
}

/** The orders a windowed snapshot brings (RLS; deleted ones included, as deletes): its progress bar's total. */
export async function countWindowOrders(tx: Tx, from: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    named(
      `SELECT (SELECT count(*) FROM orders t WHERE ${isOpen('t')} AND t.updated_at < $1::timestamptz)
            + (SELECT count(*) FROM orders t WHERE t.updated_at >= $1::timestamptz) AS n`,
      [from],
    ),
  );
  return Number(rows[0]!.n);
}

/**
 * The keyset's start, bound as a value: under RLS a bound written `coalesce($1, <start>)` is not an index condition
 * (the planner takes a COALESCE for a possible leak and puts it after the policy), so every page read its index
 * from the beginning again — at 10M orders a late page of the first sync took seconds (performance.md, round 6).
 */
const NO_ID = '00000000-0000-0000-0000-000000000000';

/**
 * A windowed snapshot's orders, first part: the open orders last written before the window, keyset-paged by id
 * (idx_orders_sync_open). An order written while the snapshot pages leaves this part for the second, which comes
 * after it; none can join it (updated_at only grows).
 */
export async function snapshotOpenOrders(
  tx: Tx,
  from: string,
  afterId: string | null,
  limit: number,
): Promise<(StampedRow & { u: string })[]> {
  const { rows } = await tx.query<StampedRow & { u: string }>(
    named(
      `SELECT t.id::text AS id, t.change_xid::text AS x, t.version, t.deleted_at IS NOT NULL AS deleted,
            (to_jsonb(t) - 'change_xid')::text AS row, '' AS u, t.created_at::text AS c
       FROM orders t
      WHERE ${isOpen('t')} AND t.updated_at < $3::timestamptz
        AND t.id > $1::uuid
      ORDER BY t.id
      LIMIT $2`,
      [afterId ?? NO_ID, limit, from],
    ),
  );
  return rows;
}

/**
 * A windowed snapshot's orders, second part: every order written since the window began, keyset-paged by
 * (updated_at, id) (idx_orders_sync_written). An order written while the snapshot pages moves to the end and is
 * delivered there (again, if this part had passed it: the client applies it as any newer row).
 */
export async function snapshotWrittenOrders(
  tx: Tx,
  from: string,
  after: { u: string; id: string } | null,
  limit: number,
): Promise<(StampedRow & { u: string })[]> {
  const { rows } = await tx.query<StampedRow & { u: string }>(
    named(
      `SELECT t.id::text AS id, t.change_xid::text AS x, t.version, t.deleted_at IS NOT NULL AS deleted,
            (to_jsonb(t) - 'change_xid')::text AS row,
            to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS u, t.created_at::text AS c
       FROM orders t
      WHERE t.updated_at >= $1::timestamptz
        AND (t.updated_at, t.id) > ($2::timestamptz, $3::uuid)
      ORDER BY t.updated_at, t.id
      LIMIT $4`,
      [from, after?.u ?? '-infinity', after?.id ?? NO_ID, limit],
    ),
  );
  return rows;
}

/**
 * Of these orders, the ones created before `before`: they may have been outside the client's window at its
 * previous run (an order created since was in it: updated_at ≥ created_at), so they bring their children.
 */
export async function ordersCreatedBefore(tx: Tx, ids: string[], before: string): Promise<OrderKey[]> {
  if (ids.length === 0) return [];
  const { rows } = await tx.query<OrderKey>(
    named(
      `SELECT id::text AS id, created_at::text AS "createdAt" FROM orders
        WHERE id = ANY($1::uuid[]) AND created_at < $2::timestamptz AND deleted_at IS NULL`,
      [ids, before],
    ),
  );
  return rows;
}

/**
 * The orders of a snapshot: every order the caller may see, as it is now, keyset-paged by id — not by stamp
 * within the run's window. An order written after the run started is stamped above the window and comes again in
 * the next run; paged by stamp it would leave this snapshot, and its children (delivered with it, and stamped
 * below the window) would never come at all (issue 17, finding 1).
 */
/** The orders the caller's scope holds (RLS), deleted ones included: what a snapshot's pages bring. */
export async function countOrders(tx: Tx): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
  return rows[0]!.n;
}

export async function snapshotOrders(tx: Tx, afterId: string | null, limit: number): Promise<StampedRow[]> {
  const { rows } = await tx.query<StampedRow>(
    named(
      `SELECT t.id::text AS id, t.change_xid::text AS x, t.version, t.deleted_at IS NOT NULL AS deleted,
            (to_jsonb(t) - 'change_xid')::text AS row, t.created_at::text AS c
       FROM orders t
      WHERE t.id > $1::uuid
      ORDER BY t.id
      LIMIT $2`,
      [afterId ?? NO_ID, limit],
    ),
  );
  return rows;
}

export interface Tombstone {
  k: string;
  x: string;
  entity: SyncEntity;
  entityId: string;
}

export async function tombstones(tx: Tx, w: Window, after: After | null, limit: number): Promise<Tombstone[]> {
  const params: unknown[] = [w.hi, limit];
  let lower: string;
  if (after) {
    params.push(after.x, after.k);
    lower = '(t.change_xid, t.id) > ($3::xid8, $4::uuid)';
  } else {
    params.push(w.lo);
    lower = 't.change_xid >= $3::xid8';
  }
  const { rows } = await tx.query<Tombstone>(
    named(
      `SELECT t.id::text AS k, t.change_xid::text AS x, t.entity, t.entity_id AS "entityId"
       FROM sync_tombstones t
      WHERE t.change_xid < $1::xid8 AND ${lower}
      ORDER BY t.change_xid, t.id
      LIMIT $2`,
      params,
    ),
  );
  return rows;
}

/** Which of these keys still have a row the caller can see (deleted, then written again with the same key). */
export async function liveKeys(tx: Tx, entity: SyncEntity, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const key = ENTITY_KEY[entity];
  const { rows } = await tx.query<{ id: string }>(
    named(`SELECT ${key}::text AS id FROM ${entity} WHERE ${key} = ANY($1::${keyType(entity)}[])`, [ids]),
  );
  return new Set(rows.map((r) => r.id));
}

export interface ScopeMove {
  k: string;
  x: string;
  orderId: string;
  orderCreatedAt: string;
  wasVisible: boolean;
  visibleNow: boolean;
}

export async function scopeMoves(tx: Tx, w: Window, after: After | null, limit: number): Promise<ScopeMove[]> {
  const params: unknown[] = [w.hi, limit];
  let lower: string;
  if (after) {
    params.push(after.x, after.k);
    lower = '(m.change_xid, m.id) > ($3::xid8, $4::uuid)';
  } else {
    params.push(w.lo);
    lower = 'm.change_xid >= $3::xid8';
  }
  const { rows } = await tx.query<ScopeMove>(
    named(
      `SELECT m.id::text AS k, m.change_xid::text AS x, m.order_id::text AS "orderId",
            m.order_created_at::text AS "orderCreatedAt",
            order_visible(m.old_branch_id, m.old_partner_id, m.old_installer_id, app_role(), app_branch_id(),
                          app_partner_id(), app_installer_id()) AS "wasVisible",
            EXISTS (SELECT 1 FROM orders o WHERE o.id = m.order_id AND o.created_at = m.order_created_at
                       AND o.deleted_at IS NULL) AS "visibleNow"
       FROM sync_scope_moves m
      WHERE m.change_xid < $1::xid8 AND ${lower}
      ORDER BY m.change_xid, m.id
      LIMIT $2`,
      params,
    ),
  );
  return rows;
}

/** An order's key, as its children reference it (created_at as PostgreSQL prints it: exact to the microsecond). */
export interface OrderKey {
  id: string;
  createdAt: string;
}

/**
 * Everything hanging off these orders (a snapshot page's, an order that just came into the caller's scope or
 * entered its window), in one statement: sync_order_children() (migration 0149) proves each order visible once
 * and reads its children by key, table by table (ORDER_CHILDREN, then splits), each by stamp — what row-level
 * security shows of them, without its per-row check.
 */
export async function orderChildren(
  tx: Tx,
  orders: OrderKey[],
): Promise<{ entity: SyncEntity; id: string; version: number | null; row: string }[]> {
  if (orders.length === 0) return [];
  const { rows } = await tx.query<{ entity: SyncEntity; id: string; version: number | null; row: string }>(
    named('SELECT entity, id, version, row FROM sync_order_children($1::uuid[], $2::timestamptz[])', [
      orders.map((o) => o.id),
      orders.map((o) => o.createdAt),
    ]),
  );
  return rows;
}

/**
 * Locks the live orders a chunk's ops are about, in id order — the order the fast path's batched UPDATEs lock
 * them in too — so two pushes over some of the same orders wait for each other instead of deadlocking. Ops on a
 * pick-up lock its order (order-ref.ts); orders the caller cannot see or that do not exist are skipped.
 */
export async function lockOrdersInIdOrder(tx: Tx, orderIds: string[], pickupIds: string[]): Promise<void> {
  await tx.query(
    named(
      `SELECT 1 FROM orders o
        WHERE o.deleted_at IS NULL
          AND (o.id = ANY($1::uuid[]) OR o.id IN (SELECT w.order_id FROM waste_pickups w WHERE w.id = ANY($2::uuid[])))
        ORDER BY o.id FOR UPDATE OF o`,
      [orderIds, pickupIds],
    ),
  );
}

/** Several rows as the pull delivers them (null: gone or hidden), in the order asked. */
export async function rowsOf(
  tx: Tx,
  keys: { entity: SyncEntity; id: string }[],
): Promise<{ entity: SyncEntity; id: string; row: SyncRow | null }[]> {
  if (keys.length === 0) return [];
  const { rows } = await tx.query<{ entity: SyncEntity; id: string; row: SyncRow | null }>(
    named(
      `SELECT k.entity, k.id, sync_row(k.entity, k.id) AS row
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(entity, id, n) ORDER BY k.n`,
      [keys.map((k) => k.entity), keys.map((k) => k.id)],
    ),
  );
  return rows;
}

/** One row as the pull delivers it (push answers carry it too), or null when gone or hidden (sync_row(), 0031). */
export async function rowOf(tx: Tx, entity: SyncEntity, id: string): Promise<SyncRow | null> {
  const { rows } = await tx.query<{ row: SyncRow | null }>(named('SELECT sync_row($1, $2) AS row', [entity, id]));
  return rows[0]?.row ?? null;
}

// -------------------------------------------------------------------------------------------------------------
// offline_sync_queue

export interface QueuedOp {
  status: 'PENDING' | 'SYNCED' | 'CONFLICT' | 'FAILED';
  result: unknown;
}

/** The recorded answer of an op id, counting the retry. Only the caller's own ops are visible (RLS). */
export async function replayOp(tx: Tx, opId: string): Promise<QueuedOp | undefined> {
  const { rows } = await tx.query<QueuedOp>(
    named(
      `UPDATE offline_sync_queue SET retry_count = retry_count + 1
        WHERE op_id = $1 AND user_id = app_user_id()
        RETURNING status, result`,
      [opId],
    ),
  );
  return rows[0];
}

export interface OpRecord {
  opId: string;
  clientId: string;
  userId: string;
  branchId: string | null;
  operationType: 'CREATE' | 'UPDATE' | 'DELETE';
  kind: string;
  entity: string;
  entityId: string | null;
  payload: unknown;
  expectedVersion: number | null;
  status: 'SYNCED' | 'CONFLICT' | 'FAILED';
  lastError: string | null;
  result: unknown;
}

/** Records an answered op; false when the op id was recorded first by a concurrent request. */
export async function recordOp(tx: Tx, r: OpRecord): Promise<boolean> {
  const { rowCount } = await tx.query(
    named(
      `INSERT INTO offline_sync_queue(op_id, client_id, user_id, branch_id, operation_type, op_kind, entity_type,
                                    entity_id, payload, expected_version, status, last_error, result, synced_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::varchar, $12, $13, CASE WHEN $11::varchar = 'SYNCED' THEN now() END)
     ON CONFLICT (op_id) DO NOTHING`,
      [
        r.opId,
        r.clientId,
        r.userId,
        r.branchId,
        r.operationType,
        r.kind,
        r.entity,
        r.entityId,
        JSON.stringify(r.payload ?? {}),
        r.expectedVersion,
        r.status,
        r.lastError,
        JSON.stringify(r.result),
      ],
    ),
  );
  return rowCount === 1;
}

/**
 * Records a SYNCED op with its answer (the entity's row read by sync_row()) in one statement and returns the
 * answer; null when the op id was recorded before (a retry, or a concurrent request with the same op: the unique
 * op_id refuses the insert, which aborts the transaction to the op's savepoint).
 *
 * `then` is SQL sent in the same message after the insert (the push opens the next op's savepoint here, saving a
 * round trip per op). It runs only when the insert succeeded: an error skips the rest of a multi-statement
 * message, so a refused insert leaves the op's own savepoint in place for the caller to roll back to. One
 * message needs the simple protocol, which takes no parameters: the values go in as literals (escapeLiteral).
 */
export async function recordSynced(
  tx: Tx,
  r: Omit<OpRecord, 'status' | 'lastError' | 'result'>,
  version: number,
  then = '',
): Promise<OpResult | null> {
  const lit = (v: string | null) => (v === null ? 'NULL' : tx.escapeLiteral(v));
  const int = (v: number | null) => (v === null ? 'NULL' : String(Math.trunc(v)));
  const sql = `INSERT INTO offline_sync_queue(op_id, client_id, user_id, branch_id, operation_type, op_kind, entity_type,
                                      entity_id, payload, expected_version, status, result, synced_at)
       VALUES (${lit(r.opId)}, ${lit(r.clientId)}, ${lit(r.userId)}, ${lit(r.branchId)}, ${lit(r.operationType)},
               ${lit(r.kind)}, ${lit(r.entity)}, ${lit(r.entityId)}, ${lit(JSON.stringify(r.payload ?? {}))},
               ${int(r.expectedVersion)}, 'SYNCED',
               jsonb_build_object('opId', ${lit(r.opId)}::text, 'status', 'SYNCED', 'version', ${int(version)}::int,
                                  'current', sync_row(${lit(r.entity)}::text, ${lit(r.entityId)}::text)),
               now())
       RETURNING result${then ? `; ${then}` : ''}`;
  try {
    type Answer = pg.QueryResult<{ result: OpResult }>;
    const res = (await tx.query(sql)) as unknown as Answer | Answer[];
    return (Array.isArray(res) ? res[0] : res)!.rows[0]!.result;
  } catch (e) {
    const err = e as { code?: unknown; constraint?: unknown };
    if (err.code === '23505' && err.constraint === 'uq_offline_sync_queue_op') return null;
    throw e;
  }
}

/**
 * Records the answers of a chunk's ops applied without savepoints (sync.push.ts, the chunk's fast path) in one
 * statement, each with its entity's row as sync_row() gives it now, at the end of the chunk (orders: all of
 * the chunk's rows by one sync_order_rows() call, 0152). An op's answer is only
 * recorded if its row is still at the version the op produced (every write to a row bumps its version: touch_row),
 * i.e. the row is exactly what a read right after the op would have given. Returns the answers in op order, or
 * null when any op could not be recorded so (op id recorded already, row changed or hidden since): the caller
 * then rolls the whole transaction back.
 */
export async function recordSyncedMany(
  tx: Tx,
  records: Omit<OpRecord, 'status' | 'lastError' | 'result'>[],
  versions: number[],
): Promise<OpResult[] | null> {
  const col = <T>(f: (r: Omit<OpRecord, 'status' | 'lastError' | 'result'>) => T) => records.map(f);
  // orders (the fast path's only entity today): the chunk's rows in one call (0152), each as sync_row gives it;
  // anything else one sync_row call per op
  const rowsOf = records.every((r) => r.entity === 'orders')
    ? 'JOIN sync_order_rows($8::uuid[]) AS c(id, row) ON c.id = r.entity_id'
    : 'CROSS JOIN LATERAL (SELECT sync_row(r.entity_type, r.entity_id::text) AS row) c';
  const { rows } = await tx.query<{ op_id: string; result: OpResult }>(
    named(
      `INSERT INTO offline_sync_queue(op_id, client_id, user_id, branch_id, operation_type, op_kind, entity_type,
                                      entity_id, payload, expected_version, status, result, synced_at)
       SELECT r.op_id, r.client_id, r.user_id, r.branch_id, r.operation_type, r.op_kind, r.entity_type, r.entity_id,
              r.payload::jsonb, r.expected_version, 'SYNCED',
              jsonb_build_object('opId', r.op_text, 'status', 'SYNCED', 'version', r.version, 'current', c.row),
              now()
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::uuid[],
                     $9::text[], $10::int[], $11::int[], $12::text[])
              AS r(op_id, client_id, user_id, branch_id, operation_type, op_kind, entity_type, entity_id, payload,
                   expected_version, version, op_text)
        ${rowsOf}
        WHERE (c.row ->> 'version')::int = r.version
       ON CONFLICT (op_id) DO NOTHING
       RETURNING op_id::text, result`,
      [
        col((r) => r.opId),
        col((r) => r.clientId),
        col((r) => r.userId),
        col((r) => r.branchId),
        col((r) => r.operationType),
        col((r) => r.kind),
        col((r) => r.entity),
        col((r) => r.entityId),
        col((r) => JSON.stringify(r.payload ?? {})),
        col((r) => r.expectedVersion),
        versions,
        // the answer names the op as the client spelled its id (as recordSynced does), not as uuid prints it
        col((r) => r.opId),
      ],
    ),
  );
  if (rows.length !== records.length) return null;
  const byOp = new Map(rows.map((r) => [r.op_id, r.result]));
  const answers = records.map((r) => byOp.get(r.opId.toLowerCase()));
  return answers.every((a) => a !== undefined) ? (answers as OpResult[]) : null;
}

export interface QueueFilter {
  status?: 'PENDING' | 'SYNCED' | 'CONFLICT' | 'FAILED' | 'STUCK';
  userId?: string;
  olderThanMinutes?: number;
  limit: number;
}

function queueWhere(f: QueueFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.status === 'STUCK') where.push("q.status <> 'SYNCED'");
  else if (f.status) {
    params.push(f.status);
    where.push(`q.status = $${params.length}`);
  }
  if (f.userId) {
    params.push(f.userId);
    where.push(`q.user_id = $${params.length}`);
  }
  if (f.olderThanMinutes !== undefined) {
    params.push(f.olderThanMinutes);
    where.push(`q.created_at < now() - make_interval(mins => $${params.length})`);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export async function queueItems(tx: Tx, f: QueueFilter) {
  const { sql, params } = queueWhere(f);
  params.push(f.limit);
  const { rows } = await tx.query(
    `SELECT q.op_id AS "opId", q.client_id AS "clientId", q.user_id AS "userId", u.username, q.branch_id AS "branchId",
            q.op_kind AS kind, q.entity_type AS entity, q.entity_id AS "entityId", q.status,
            q.retry_count AS "retryCount", q.last_error AS "lastError",
            to_char(q.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt",
            to_char(q.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedAt",
            floor(extract(epoch FROM now() - q.created_at))::int AS "ageSeconds"
       FROM offline_sync_queue q LEFT JOIN users u ON u.id = q.user_id
       ${sql}
      ORDER BY q.created_at DESC
      LIMIT $${params.length}`,
    params,
  );
  return rows;
}

export async function queueSummary(tx: Tx, f: QueueFilter) {
  const { sql, params } = queueWhere(f);
  const { rows } = await tx.query(
    `SELECT q.user_id AS "userId", u.username, q.status, count(*)::int AS count,
            to_char(min(q.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "oldestAt"
       FROM offline_sync_queue q LEFT JOIN users u ON u.id = q.user_id
       ${sql}
      GROUP BY q.user_id, u.username, q.status
      ORDER BY u.username, q.status`,
    params,
  );
  return rows;
}

/** A client's outbox report (its user's own row; row-level security checks it). */
export async function reportOutbox(
  tx: Tx,
  r: {
    clientId: string;
    userId: string;
    branchId: string | null;
    pending: number;
    conflicts: number;
    failed: number;
    pendingSince: string | null;
  },
): Promise<void> {
  await tx.query(
    named(
      `INSERT INTO sync_client_outbox(client_id, user_id, branch_id, pending, conflicts, failed, oldest_pending_at, reported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (client_id, user_id) DO UPDATE
         SET branch_id = EXCLUDED.branch_id, pending = EXCLUDED.pending, conflicts = EXCLUDED.conflicts,
             failed = EXCLUDED.failed, oldest_pending_at = EXCLUDED.oldest_pending_at, reported_at = now()`,
      [r.clientId, r.userId, r.branchId, r.pending, r.conflicts, r.failed, r.pendingSince],
    ),
  );
}

/** The clients' outbox reports the caller may see (HQ: all; a branch manager: their branch), by user. */
export async function clientOutboxes(tx: Tx, f: { userId?: string }) {
  const { rows } = await tx.query(
    `SELECT c.client_id AS "clientId", c.user_id AS "userId", u.username, c.branch_id AS "branchId", c.pending,
            c.conflicts, c.failed,
            to_char(c.oldest_pending_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "oldestPendingAt",
            to_char(c.reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "reportedAt"
       FROM sync_client_outbox c LEFT JOIN users u ON u.id = c.user_id
      WHERE $1::uuid IS NULL OR c.user_id = $1::uuid
      ORDER BY c.pending + c.conflicts DESC, c.oldest_pending_at NULLS LAST, u.username`,
    [f.userId ?? null],
  );
  return rows;
}

/**
 * The live rows of `entity` in the caller's scope as a copy mirrors them (orders not deleted, what hangs off a
 * live order, the caller's own notifications), as (k: key text, v: version text, '0' for tables without one).
 */
/** Whether the window applies to a table's rows: orders and what hangs off them. */
function windowed(entity: SyncEntity): boolean {
  return entity === 'orders' || parentOf(entity) !== null;
}

function checkpointRows(entity: SyncEntity, windowFrom: string | null, param: string): string {
  const key = ENTITY_KEY[entity];
  // with a window, what the client should hold is the window's orders and their children (`param`: its bound)
  const orderIn = (a: string) => (windowFrom === null ? '' : ` AND ${inWindow(a, param)}`);
  let where = '';
  if (entity === 'orders') where = `WHERE t.deleted_at IS NULL${orderIn('t')}`;
  else if (entity === 'notifications') where = 'WHERE t.user_id = app_user_id()';
  else if (entity === 'split_orders')
    where = `WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = t.parent_order_id AND o.deleted_at IS NULL${orderIn('o')})`;
  else if ((ORDER_CHILDREN as readonly string[]).includes(entity))
    where = `WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = t.order_id AND o.deleted_at IS NULL${orderIn('o')})`;
  return `SELECT t.${key}::text AS k, ${VERSIONLESS.has(entity) ? "'0'" : 't.version::text'} AS v, t.change_xid AS x, t
            FROM ${entity} t ${where}`;
}

/** The bucket of a key: the low 4 bits of the first 32 bits of md5(key) (main/sync/checkpoint.ts the same). */
const BUCKET = `(('x' || substr(md5(s.k), 1, 8))::bit(32)::int & 15)`;

/** Per bucket: rows and the sum of the rows' hashes, the first 60 bits of md5(key || ':' || version). */
export async function checkpointBuckets(
  tx: Tx,
  entity: SyncEntity,
  windowFrom: string | null = null,
): Promise<{ b: number; n: number; h: string }[]> {
  const { rows } = await tx.query<{ b: number; n: number; h: string }>(
    named(
      `SELECT ${BUCKET} AS b, count(*)::int AS n,
              sum(('x' || substr(md5(s.k || ':' || s.v), 1, 15))::bit(60)::bigint)::text AS h
         FROM (${checkpointRows(entity, windowFrom, '$1')}) s
        GROUP BY 1 ORDER BY 1`,
      windowFrom === null || !windowed(entity) ? [] : [windowFrom],
    ),
  );
  return rows;
}

/** One bucket's rows as the pull would deliver them; `old`: stamped below `hi`. */
export async function checkpointBucketRows(
  tx: Tx,
  entity: SyncEntity,
  bucket: number,
  hi: string,
  windowFrom: string | null = null,
): Promise<{ id: string; version: number | null; old: boolean; row: SyncRow }[]> {
  const { rows } = await tx.query<{ id: string; version: number | null; old: boolean; row: SyncRow }>(
    named(
      `SELECT s.k AS id, ${VERSIONLESS.has(entity) ? 'NULL::int' : 's.v::int'} AS version, s.x < $2::xid8 AS old,
              to_jsonb(s.t) - 'change_xid' AS row
         FROM (${checkpointRows(entity, windowFrom, '$3')}) s
        WHERE ${BUCKET} = $1`,
      windowFrom === null || !windowed(entity) ? [bucket, hi] : [bucket, hi, windowFrom],
    ),
  );
  return rows;
}
