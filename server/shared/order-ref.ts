// The few columns of an order that the order's sub-resources (split, serials, waste pick-ups, audit) need, read
// under the caller's row-level security: an order the caller cannot see is a 404, exactly like a missing one.
import { acceptsParts } from '../../domain/order-part-rules.js';
import type { OrderStatus } from '../../domain/order-status.js';
import type { Tx } from '../db/transaction.js';
import { NotFoundError, RuleError, VersionConflictError } from '../http/errors.js';
import { parseId } from '../http/validate.js';

export interface OrderRef {
  id: string;
  orderNo: string;
  createdAt: Date;
  branchId: string;
  partnerId: string | null;
  installerId: string | null;
  status: OrderStatus;
  appointmentDate: string | null;
  version: number;
}

const COLUMNS = `o.id, o.order_no AS "orderNo", o.created_at AS "createdAt", o.branch_id AS "branchId",
  o.partner_id AS "partnerId", o.installer_id AS "installerId", o.status, o.appointment_date AS "appointmentDate",
  o.version`;

/** A live order the caller may see; `lock` holds its row (FOR UPDATE) until the transaction ends. */
export async function findOrderRef(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<OrderRef | undefined> {
  const { rows } = await tx.query<OrderRef>(
    `SELECT ${COLUMNS} FROM orders o WHERE o.id = $1 AND o.deleted_at IS NULL ${opts.lock ? 'FOR UPDATE OF o' : ''}`,
    [id],
  );
  return rows[0];
}

/** The order of a path id, or 400 (malformed id) / 404. */
export async function requireOrderRef(tx: Tx, id: unknown, opts: { lock?: boolean } = {}): Promise<OrderRef> {
  const order = await findOrderRef(tx, parseId(id), opts);
  if (!order) throw new NotFoundError('order');
  return order;
}

/** 409 with the order as it is now unless the caller writes the version it read. */
export function requireOrderVersion(order: OrderRef, version: number): void {
  if (order.version !== version) throw new VersionConflictError(order);
}

/** 423 up front when the order's settlement week is locked (the database guards would refuse the writes anyway). */
export async function requireNotLocked(tx: Tx, order: Pick<OrderRef, 'branchId' | 'appointmentDate'>): Promise<void> {
  await tx.query('SELECT raise_if_locked($1::uuid, $2::date)', [order.branchId, order.appointmentDate]);
}

/** 422 when the order was cancelled (serials, waste pick-ups). */
export function requireNotCancelled(order: OrderRef, field?: string): void {
  if (!acceptsParts(order.status)) {
    throw new RuleError('ORDER_CLOSED', 'errors.orderCancelled', { field, params: { status: order.status } });
  }
}

/** Bumps the order's version (its content changed: lines split off), at the version the caller read. */
export async function bumpOrderVersion(tx: Tx, order: OrderRef, version: number): Promise<number> {
  const { rows } = await tx.query<{ version: number }>(
    'UPDATE orders SET version = version + 1 WHERE id = $1 AND version = $2 AND deleted_at IS NULL RETURNING version',
    [order.id, version],
  );
  if (!rows[0]) throw new VersionConflictError(order);
  return rows[0].version;
}

/**
 * Runs fn with the row-level-security role narrowed to "manager of the order's branch", then gives the caller's
 * context back. For work the server does on the caller's behalf that the caller's own scope cannot express: an
 * installer reporting 부분인수 creates the remainder order, which has no installer yet, so the installer's policy
 * could not write it. The actor (app.user_id) stays the caller's, so history and audit name them. Only ever
 * around statements about one order the caller was already allowed to change (and has locked).
 */
export async function asManagerOfBranch<T>(
  tx: Tx,
  caller: { role: string; branchId: string | null },
  order: { id: string; branchId: string },
  fn: () => Promise<T>,
): Promise<T> {
  if (caller.role === 'HQ_ADMIN' || (caller.role === 'BRANCH_MANAGER' && caller.branchId === order.branchId)) {
    return fn();
  }
  // sealed by the database, for an order the caller's own policy shows (migration 0072 app_act_for_branch)
  await tx.query('SELECT app_act_for_branch($1)', [order.id]);
  const restore = () => tx.query('SELECT app_leave_branch()');
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    // The caller may go on in this transaction after a refusal (a sync push moves to its next op): it must not
    // go on with the wider scope. After a database error the transaction is aborted and the settings die with it.
    await restore().catch(() => {});
    throw err;
  }
  await restore();
  return result;
}
