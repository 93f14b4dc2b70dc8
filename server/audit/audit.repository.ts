import { queryParams } from '../db/query-params.js';
import type { Tx } from '../db/transaction.js';
import type { KeysetPosition } from '../shared/keyset.js';

export interface AuditEntry {
  id: string;
  table: string;
  recordId: string | null;
  action: 'INSERT' | 'UPDATE' | 'DELETE';
  diff: Record<string, unknown>;
  actor: { id: string; username: string | null; fullName: string | null } | null;
  note: string | null;
  orderId: string | null;
  branchId: string | null;
  loggedAt: Date;
}

/** An audit row with its actor's columns and its sort key (logged_at to the microsecond, UTC) for the cursor. */
export type AuditRow = Omit<AuditEntry, 'actor'> & {
  actorId: string | null;
  username: string | null;
  fullName: string | null;
  sortKey: string;
};

/** The order and, through split_orders, every order split off it (and off those), as far as the caller sees. */
export async function orderFamily(tx: Tx, orderId: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `WITH RECURSIVE down(id, depth) AS (
       SELECT $1::uuid, 0
       UNION
       SELECT s.child_order_id, down.depth + 1 FROM split_orders s JOIN down ON s.parent_order_id = down.id
        WHERE down.depth < 50)
     SELECT DISTINCT id FROM down`,
    [orderId],
  );
  return rows.map((r) => r.id);
}

/** Whether the caller sees the order, soft-deleted or not. */
export async function orderVisible(tx: Tx, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM orders WHERE id = $1', [id]);
  return rowCount !== 0;
}

/** The trail of some orders, or of one record of some tables: newest first, after `after`. */
export async function auditRows(
  tx: Tx,
  f: ({ orderIds: string[] } | { tables: string[]; recordId: string }) & {
    /** the tables the caller's role may read (domain/audit-tables.ts); absent: all */
    readable?: readonly string[];
    after?: KeysetPosition;
    limit: number;
  },
): Promise<AuditRow[]> {
  const { values, p } = queryParams();
  const where: string[] = [];
  if ('orderIds' in f) where.push(`a.order_id = ANY(${p(f.orderIds)}::uuid[])`);
  else where.push(`a.table_name = ANY(${p(f.tables)}::text[])`, `a.record_id = ${p(f.recordId)}`);
  if (f.readable) where.push(`a.table_name = ANY(${p(f.readable)}::text[])`);
  if (f.after) where.push(`(a.logged_at, a.id) < (${p(f.after.key)}::timestamptz, ${p(f.after.id)}::uuid)`);
  const { rows } = await tx.query<AuditRow>(
    `SELECT a.id, a.table_name AS "table", a.record_id AS "recordId", a.action, a.diff, a.actor_id AS "actorId",
            u.username, u.full_name AS "fullName", a.note, a.order_id AS "orderId", a.branch_id AS "branchId",
            a.logged_at AS "loggedAt",
            to_char(a.logged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sortKey"
       FROM audit_logs a LEFT JOIN users u ON u.id = a.actor_id
      WHERE ${where.join(' AND ')}
      ORDER BY a.logged_at DESC, a.id DESC
      LIMIT ${p(f.limit)}`,
    values,
  );
  return rows;
}
