// GET /api/audit: the audit trail (written only by the audit trigger) of one record, or of an order with all its
// parts (lines, serials, waste pick-ups, attachments, splits) and the orders split off it. HQ sees everything;
// branch managers their branch's rows (row-level security on audit_logs) of order data and installers.
// Newest first, keyset-paged; each row with its diff, its actor (username, full name) and its time.
import { z } from 'zod';
import { AUDITED_TABLES, mayReadAuditTable, readableAuditTableNames } from '../../domain/audit-tables.js';
import { uuid } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import { decodeKeyset, encodeKeyset } from '../shared/keyset.js';
import { requireOrderRef } from '../shared/order-ref.js';

export { AUDITED_TABLES };

export const auditQuery = z
  .object({
    table: z.enum(AUDITED_TABLES).optional(),
    recordId: uuid.optional(),
    orderId: uuid.optional(),
    /** with orderId: also the orders split off it (default true) */
    includeSplits: z.enum(['true', 'false']).default('true'),
    cursor: z.string().min(1).max(400).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

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

const LOGGED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The order and, through split_orders, every order split off it (and off those), as far as the caller sees. */
async function orderFamily(tx: Tx, orderId: string): Promise<string[]> {
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

export async function auditTrail(tx: Tx, actor: Actor, query: unknown) {
  authorize(actor, 'audit.read');
  const q = parse(auditQuery, query);
  if (q.orderId && (q.table || q.recordId)) {
    throw new ValidationError(q.table ? 'table' : 'recordId', 'errors.oneOf', {
      params: { fields: 'orderId, table + recordId' },
    });
  }
  if (!q.orderId && !q.recordId) throw new ValidationError('recordId', 'errors.validation');
  if (q.recordId && !q.table) throw new ValidationError('table', 'errors.validation');
  if (q.table && !mayReadAuditTable(actor.role, q.table)) {
    throw new ForbiddenError('errors.forbidden', { field: 'table', details: { table: q.table } });
  }

  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.orderId) {
    const order = await requireOrderRef(tx, q.orderId);
    const ids = q.includeSplits === 'true' ? await orderFamily(tx, order.id) : [order.id];
    where.push(`a.order_id = ANY(${p(ids)}::uuid[])`);
  } else {
    if (q.table === 'orders') {
      // an order the caller cannot see is a 404 (also a soft-deleted one stays findable for its history)
      const seen = await tx.query('SELECT 1 FROM orders WHERE id = $1', [q.recordId]);
      if (seen.rowCount === 0) throw new NotFoundError('order');
    }
    const tables = q.table === 'users' ? ['users', 'user_roles'] : [q.table!];
    where.push(`a.table_name = ANY(${p(tables)}::text[])`, `a.record_id = ${p(q.recordId)}`);
  }
  // the rows of an order are order data, but the rule holds for every query, not only those naming a table
  if (actor.role !== 'HQ_ADMIN') where.push(`a.table_name = ANY(${p(readableAuditTableNames(actor.role))}::text[])`);
  if (q.cursor) {
    const after = decodeKeyset(q.cursor, 'audit', LOGGED_AT);
    where.push(`(a.logged_at, a.id) < (${p(after.key)}::timestamptz, ${p(after.id)}::uuid)`);
  }
  const { rows } = await tx.query<
    AuditEntry & { actorId: string | null; username: string | null; fullName: string | null; sortKey: string }
  >(
    `SELECT a.id, a.table_name AS "table", a.record_id AS "recordId", a.action, a.diff, a.actor_id AS "actorId",
            u.username, u.full_name AS "fullName", a.note, a.order_id AS "orderId", a.branch_id AS "branchId",
            a.logged_at AS "loggedAt",
            to_char(a.logged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sortKey"
       FROM audit_logs a LEFT JOIN users u ON u.id = a.actor_id
      WHERE ${where.join(' AND ')}
      ORDER BY a.logged_at DESC, a.id DESC
      LIMIT ${p(q.limit + 1)}`,
    params,
  );
  // Nothing at all: the record never existed or its rows belong to another branch — the same 404 for both.
  if (rows.length === 0 && !q.cursor && !q.orderId) throw new NotFoundError('audit');
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(({ actorId, username, fullName, sortKey: _s, ...r }) => ({
      ...r,
      actor: actorId ? { id: actorId, username, fullName } : null,
    })),
    nextCursor: more && last ? encodeKeyset('audit', { key: last.sortKey, id: last.id }) : null,
  };
}
