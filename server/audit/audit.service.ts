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
import { decodeKeyset, keysetPage } from '../shared/keyset.js';
import { requireOrderRef } from '../shared/order-ref.js';
import * as repo from './audit.repository.js';

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

const LOGGED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

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

  let scope: { orderIds: string[] } | { tables: string[]; recordId: string };
  if (q.orderId) {
    const order = await requireOrderRef(tx, q.orderId);
    scope = { orderIds: q.includeSplits === 'true' ? await repo.orderFamily(tx, order.id) : [order.id] };
  } else {
    // an order the caller cannot see is a 404 (also a soft-deleted one stays findable for its history)
    if (q.table === 'orders' && !(await repo.orderVisible(tx, q.recordId!))) throw new NotFoundError('order');
    scope = { tables: q.table === 'users' ? ['users', 'user_roles'] : [q.table!], recordId: q.recordId! };
  }
  const rows = await repo.auditRows(tx, {
    ...scope,
    // the rows of an order are order data, but the rule holds for every query, not only those naming a table
    readable: actor.role === 'HQ_ADMIN' ? undefined : readableAuditTableNames(actor.role),
    after: q.cursor ? decodeKeyset(q.cursor, 'audit', LOGGED_AT) : undefined,
    limit: q.limit + 1,
  });
  // Nothing at all: the record never existed or its rows belong to another branch — the same 404 for both.
  if (rows.length === 0 && !q.cursor && !q.orderId) throw new NotFoundError('audit');
  const page = keysetPage(rows, q.limit, 'audit', (r) => r.sortKey);
  return {
    items: page.items.map(({ actorId, username, fullName, sortKey: _s, ...r }) => ({
      ...r,
      actor: actorId ? { id: actorId, username, fullName } : null,
    })),
    nextCursor: page.nextCursor,
  };
}
