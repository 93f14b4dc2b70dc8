// SQL of the sync capability. Every query runs in the caller's transaction, so row-level security limits what
// it reads to what the user may see.
import { ENTITY_KEY, ORDER_CHILDREN, type SyncEntity, type SyncRow } from '../../domain/sync-protocol.js';
import type { Tx } from '../db/transaction.js';

export interface Window {
  lo: string;
  hi: string;
}
export interface After {
  x: string;
  k: string;
}

export interface StampedRow {
  id: string;
  x: string;
  version: number | null;
  deleted: boolean;
  row: SyncRow;
}

/** The timestamps of to_jsonb() follow the session time zone: the pull always speaks UTC. */
export async function speakUtc(tx: Tx): Promise<void> {
  await tx.query("SELECT set_config('TimeZone', 'UTC', true)");
}

/**
 * The upper end of the next window (sync_horizon(), migration 0030): every transaction of this database with a
 * smaller id has ended, so the set of rows stamped below it can only shrink (a row re-stamped by a later write
 * leaves for a later window), never grow.
 */
export async function horizon(tx: Tx): Promise<{ hi: string; prunedUpTo: string }> {
  const { rows } = await tx.query<{ hi: string; pruned: string }>(
    `SELECT sync_horizon()::text AS hi,
            (SELECT pruned_up_to::text FROM sync_log_horizon) AS pruned`,
  );
  return { hi: rows[0]!.hi, prunedUpTo: rows[0]!.pruned ?? '0' };
}

const VERSIONLESS = new Set<SyncEntity>(['order_status_history', 'appointments', 'split_orders', 'attachments']);

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
  const own = entity === 'notifications' ? 'AND t.user_id = app_user_id()' : '';
  const deleted = entity === 'orders' ? 't.deleted_at IS NOT NULL' : 'false';
  const { rows } = await tx.query<StampedRow>(
    `SELECT t.${key}::text AS id, t.change_xid::text AS x, ${VERSIONLESS.has(entity) ? 'NULL::int' : 't.version'} AS version,
            ${deleted} AS deleted, to_jsonb(t) - 'change_xid' AS row
       FROM ${entity} t
      WHERE t.change_xid < $1::xid8 AND ${lower} ${own}
      ORDER BY t.change_xid, t.${key}
      LIMIT $2`,
    params,
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
    `SELECT t.id::text AS k, t.change_xid::text AS x, t.entity, t.entity_id AS "entityId"
       FROM sync_tombstones t
      WHERE t.change_xid < $1::xid8 AND ${lower}
      ORDER BY t.change_xid, t.id
      LIMIT $2`,
    params,
  );
  return rows;
}

/** Which of these keys still have a row the caller can see (deleted, then written again with the same key). */
export async function liveKeys(tx: Tx, entity: SyncEntity, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const key = ENTITY_KEY[entity];
  const { rows } = await tx.query<{ id: string }>(
    `SELECT ${key}::text AS id FROM ${entity} WHERE ${key} = ANY($1::${keyType(entity)}[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

export interface ScopeMove {
  k: string;
  x: string;
  orderId: string;
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
    `SELECT m.id::text AS k, m.change_xid::text AS x, m.order_id::text AS "orderId",
            order_visible(m.old_branch_id, m.old_partner_id, m.old_installer_id, app_role(), app_branch_id(),
                          app_partner_id(), app_installer_id()) AS "wasVisible",
            EXISTS (SELECT 1 FROM orders o WHERE o.id = m.order_id AND o.created_at = m.order_created_at
                       AND o.deleted_at IS NULL) AS "visibleNow"
       FROM sync_scope_moves m
      WHERE m.change_xid < $1::xid8 AND ${lower}
      ORDER BY m.change_xid, m.id
      LIMIT $2`,
    params,
  );
  return rows;
}

/** Everything hanging off these orders (for an order that just came into the caller's scope). */
export async function orderChildren(
  tx: Tx,
  orderIds: string[],
): Promise<{ entity: SyncEntity; id: string; version: number | null; row: SyncRow }[]> {
  const out: { entity: SyncEntity; id: string; version: number | null; row: SyncRow }[] = [];
  for (const entity of [...ORDER_CHILDREN, 'split_orders'] as SyncEntity[]) {
    const where = entity === 'split_orders' ? 'parent_order_id = ANY($1::uuid[])' : 'order_id = ANY($1::uuid[])';
    const { rows } = await tx.query<{ id: string; version: number | null; row: SyncRow }>(
      `SELECT id::text AS id, ${VERSIONLESS.has(entity) ? 'NULL::int' : 'version'} AS version,
              to_jsonb(t) - 'change_xid' AS row
         FROM ${entity} t WHERE ${where} ORDER BY change_xid, id`,
      [orderIds],
    );
    for (const r of rows) out.push({ entity, ...r });
  }
  return out;
}

/** One row as the pull delivers it (push answers carry it too), or null when gone or hidden. */
export async function rowOf(tx: Tx, entity: SyncEntity, id: string): Promise<SyncRow | null> {
  const key = ENTITY_KEY[entity];
  const { rows } = await tx.query<{ row: SyncRow }>(
    `SELECT to_jsonb(t) - 'change_xid' AS row FROM ${entity} t WHERE ${key} = $1::${keyType(entity)}`,
    [id],
  );
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
    `UPDATE offline_sync_queue SET retry_count = retry_count + 1
      WHERE op_id = $1 AND user_id = app_user_id()
      RETURNING status, result`,
    [opId],
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
  );
  return rowCount === 1;
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
