import { statusesWhere } from '../../domain/order-status.js';
import { ROLES, type Role } from '../../domain/roles.js';
import type { Tx } from '../db/transaction.js';
import type { Locale } from '../i18n/index.js';
import { orderSearchWhere } from '../orders/order-search.js';
import { localTime, ORDER_EXPORT_COLUMNS, SEOUL } from './order-export-columns.js';

export const EXPORT_TYPES = ['orders', 'waste', 'ecoas', 'settlement', 'audit'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];
export type ExportStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED';

export interface ExportRecord {
  id: string;
  type: ExportType;
  filters: Record<string, unknown>;
  createdBy: string;
  status: ExportStatus;
  fileUrl: string | null;
  rowCount: number | null;
  /** rows written so far (from RUNNING on; all of them once DONE) */
  rowsDone: number | null;
  /** the rows the file will have, counted before the first is written; null until then or where not counted */
  rowsTotal: number | null;
  lastError: string | null;
  expiresAt: Date | null;
  /** expires_at has passed (decided by the database clock) */
  expired: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `e.id, e.type, e.filters, e.created_by AS "createdBy", e.status, e.file_url AS "fileUrl",
  e.row_count AS "rowCount", e.rows_done AS "rowsDone", e.rows_total AS "rowsTotal", e.last_error AS "lastError", e.expires_at AS "expiresAt",
  coalesce(e.expires_at <= now(), false) AS expired, e.version, e.created_at AS "createdAt",
  e.updated_at AS "updatedAt"`;

export async function insertExport(
  tx: Tx,
  e: { id: string; type: ExportType; filters: object; createdBy: string },
): Promise<ExportRecord> {
  const { rows } = await tx.query<ExportRecord>(
    `INSERT INTO exports AS e (id, type, filters, created_by) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [e.id, e.type, JSON.stringify(e.filters), e.createdBy],
  );
  return rows[0]!;
}

/** An export the caller may see (row-level security: the creator, or HQ). */
export async function findExport(tx: Tx, id: string): Promise<ExportRecord | undefined> {
  const { rows } = await tx.query<ExportRecord>(`SELECT ${COLUMNS} FROM exports e WHERE e.id = $1`, [id]);
  return rows[0];
}

/** The caller's own exports, newest first (HQ too sees only its own here). */
export async function listOwnExports(tx: Tx, userId: string, limit: number): Promise<ExportRecord[]> {
  const { rows } = await tx.query<ExportRecord>(
    `SELECT ${COLUMNS} FROM exports e WHERE e.created_by = $1 ORDER BY e.created_at DESC, e.id DESC LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

export async function markRunning(tx: Tx, id: string): Promise<void> {
  await tx.query(
    `UPDATE exports SET status = 'RUNNING', last_error = NULL, rows_done = 0, rows_total = NULL WHERE id = $1`,
    [id],
  );
}

/** How far the running build has got; total stays as recorded when not given. */
export async function recordProgress(tx: Tx, id: string, done: number, total?: number | null): Promise<void> {
  await tx.query(
    `UPDATE exports SET rows_done = $2, rows_total = CASE WHEN $3::boolean THEN $4::int ELSE rows_total END
      WHERE id = $1 AND status = 'RUNNING'`,
    [id, done, total !== undefined, total ?? null],
  );
}

export async function markDone(
  tx: Tx,
  id: string,
  d: { fileUrl: string; rowCount: number; ttlHours: number },
): Promise<void> {
  await tx.query(
    `UPDATE exports SET status = 'DONE', file_url = $2, row_count = $3, rows_done = $3, rows_total = $3,
            last_error = NULL,
            expires_at = now() + make_interval(hours => $4)
      WHERE id = $1`,
    [id, d.fileUrl, d.rowCount, d.ttlHours],
  );
}

export async function markFailed(tx: Tx, id: string, error: string): Promise<void> {
  await tx.query(`UPDATE exports SET status = 'FAILED', last_error = $2, file_url = NULL WHERE id = $1`, [
    id,
    error.slice(0, 1000),
  ]);
}

// ── the worker's view (SYSTEM transactions) ───────────────────────────────────────────────────────────────

export interface Creator {
  userId: string;
  username: string;
  role: Role | undefined;
  branchId: string | null;
  partnerId: string | null;
  locale: Locale;
  isActive: boolean;
}

/** The export's creator as the user is now: the export runs with today's role and scope, not yesterday's. */
export async function findCreator(tx: Tx, userId: string): Promise<Creator | undefined> {
  const { rows } = await tx.query<Omit<Creator, 'role'> & { roles: Role[] }>(
    `SELECT u.id AS "userId", u.username, u.branch_id AS "branchId", u.partner_id AS "partnerId", u.locale,
            u.is_active AS "isActive",
            ARRAY(SELECT r.role_code FROM user_roles r WHERE r.user_id = u.id)::text[] AS roles
       FROM users u WHERE u.id = $1`,
    [userId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { roles, ...rest } = row;
  // several roles: the broadest, as at login
  return { ...rest, role: ROLES.find((r) => roles.includes(r)) };
}

/** Finished exports whose file has expired and is still stored. */
export async function expiredFiles(tx: Tx, limit: number): Promise<{ id: string }[]> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM exports WHERE status = 'DONE' AND expires_at <= now() AND file_url IS NOT NULL
      ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

export async function clearFile(tx: Tx, id: string): Promise<void> {
  await tx.query('UPDATE exports SET file_url = NULL WHERE id = $1', [id]);
}

// ── export queries (run in the creator's transaction, read through a cursor) ─────────────────────────────

export interface CursorQuery {
  sql: string;
  params: unknown[];
}

export interface OrderExportFilter {
  branchId?: string;
  status?: string[];
  dateField: 'created' | 'appointment';
  from?: string;
  to?: string;
  installerId?: string;
  partnerId?: string;
  vendor?: string;
  q?: string;
  sort: string;
}

const ORDER_SORT: Record<string, string> = {
  createdAt: 'o.created_at',
  appointmentDate: `coalesce(o.appointment_date, 'infinity'::date)`,
  orderNo: 'o.order_no',
};

/**
 * The rows of GET /api/orders for the same filters and sort, in one pass: the same WHERE (order-search.ts;
 * test/api/exports.test.ts compares the two); the grid pages through them,
 * an export reads them through one cursor, so 100k rows cost one scan instead of 200 page queries.
 */
export function ordersQuery(f: OrderExportFilter): CursorQuery {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const where = orderSearchWhere({ ...f, statuses: f.status }, p);
  const descending = f.sort.startsWith('-');
  const expr = ORDER_SORT[f.sort.replace(/^-/, '')] ?? 'o.created_at';
  const dir = descending ? 'DESC' : 'ASC';
  return {
    sql: `SELECT ${ORDER_EXPORT_COLUMNS.map((c) => `${c.sql} AS "${c.key}"`).join(',\n                 ')}
            FROM orders o
            JOIN branches b ON b.id = o.branch_id
            LEFT JOIN partners pt ON pt.id = o.partner_id
            LEFT JOIN installers i ON i.id = o.installer_id
           WHERE ${where.join(' AND ')}
           ORDER BY ${expr} ${dir}, o.id ${dir}`,
    params,
  };
}

// The week's orders counted by their status's settlement outcome (domain/order-status.ts): the status lists are
// literals generated from the rules, so a new status is counted where its rule says.
const SETTLEMENT_COUNTS = (['delivered', 'partiallyDelivered', 'cancelled', 'open'] as const)
  .map((outcome) => {
    const list = statusesWhere((r) => r.settlement === outcome)
      .map((s) => `'${s}'`)
      .join(', ');
    return `count(o.id) FILTER (WHERE o.status IN (${list}))::int AS "${outcome}"`;
  })
  .join(',\n                 ');

/** Settlement weeks of [from, to] with their orders counted by outcome (the orders the creator may see). */
export function settlementQuery(f: { branchId?: string; from: string; to: string }): CursorQuery {
  const params: unknown[] = [f.from, f.to];
  const branch = f.branchId ? `AND sp.branch_id = $${params.push(f.branchId)}` : '';
  return {
    sql: `SELECT b.code AS "branchCode", b.name AS "branchName", sp.period_start::text AS "periodStart",
                 sp.period_end::text AS "periodEnd", sp.status, lu.full_name AS "lockedBy",
                 ${localTime('sp.locked_at')} AS "lockedAt", uu.full_name AS "unlockedBy",
                 ${localTime('sp.unlocked_at')} AS "unlockedAt",
                 count(o.id)::int AS orders,
                 ${SETTLEMENT_COUNTS}
            FROM settlement_periods sp
            JOIN branches b ON b.id = sp.branch_id
            LEFT JOIN users lu ON lu.id = sp.locked_by
            LEFT JOIN users uu ON uu.id = sp.unlocked_by
            LEFT JOIN orders o ON o.branch_id = sp.branch_id AND o.deleted_at IS NULL
                               AND o.appointment_date BETWEEN sp.period_start AND sp.period_end
           WHERE sp.period_end >= $1::date AND sp.period_start <= $2::date ${branch}
           GROUP BY sp.id, b.code, b.name, lu.full_name, uu.full_name
           ORDER BY b.code, sp.period_start`,
    params,
  };
}

/** Audit log rows of [from, to] (Korean days), oldest first. */
export function auditQuery(f: {
  from: string;
  to: string;
  table?: string;
  recordId?: string;
  orderId?: string;
  /** the stored table names the creator may read (domain/audit-tables.ts); all when absent */
  tables?: string[];
}): CursorQuery {
  const params: unknown[] = [f.from, f.to];
  const where = [
    `a.logged_at >= ($1::date::timestamp AT TIME ZONE ${SEOUL})`,
    `a.logged_at < (($2::date + 1)::timestamp AT TIME ZONE ${SEOUL})`,
  ];
  if (f.table) where.push(`a.table_name = $${params.push(f.table)}`);
  if (f.recordId) where.push(`a.record_id = $${params.push(f.recordId)}`);
  if (f.orderId) where.push(`a.order_id = $${params.push(f.orderId)}`);
  if (f.tables) where.push(`a.table_name = ANY($${params.push(f.tables)}::text[])`);
  return {
    sql: `SELECT ${localTime('a.logged_at')} AS "loggedAt", a.table_name AS "table", a.record_id AS "recordId",
                 a.action, coalesce(u.username, '') AS actor, a.order_id AS "orderId", a.diff::text AS diff,
                 coalesce(a.note, '') AS note
            FROM audit_logs a LEFT JOIN users u ON u.id = a.actor_id
           WHERE ${where.join(' AND ')}
           ORDER BY a.logged_at, a.id`,
    params,
  };
}

/** How many rows `q` returns: the file's total, counted in the snapshot its rows are then read from. */
export async function countRows(tx: Tx, q: CursorQuery): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${q.sql}) AS export_rows`, q.params);
  return rows[0]!.n;
}

/** Reads `q` in batches through a server-side cursor: memory holds one batch, whatever the result's size. */
export async function* readInBatches<T>(tx: Tx, q: CursorQuery, batchSize: number): AsyncGenerator<T[]> {
  await tx.query(`DECLARE export_rows NO SCROLL CURSOR FOR ${q.sql}`, q.params);
  try {
    for (;;) {
      const { rows } = await tx.query<T & object>(`FETCH ${batchSize} FROM export_rows`);
      if (rows.length === 0) return;
      yield rows as T[];
    }
  } finally {
    await tx.query('CLOSE export_rows').catch(() => {});
  }
}
