import type { Tx } from '../db/transaction.js';
import { splitCopies } from '../orders/order-columns.js';
import type { OrderRef } from '../shared/order-ref.js';

export interface LineRow {
  id: string;
  itemCode: string;
  itemName: string;
  quantity: number;
  weight: number | null;
  version: number;
  serialCount: number;
}

const LINE_COLUMNS = `l.id, l.item_code AS "itemCode", l.item_name AS "itemName", l.quantity,
  l.weight::float8 AS weight, l.version,
  (SELECT count(*)::int FROM serial_numbers s WHERE s.order_line_id = l.id) AS "serialCount"`;

/** The order's lines, locked (a concurrent serial or quantity change waits for the split). */
export async function lockLines(tx: Tx, orderId: string): Promise<LineRow[]> {
  const { rows } = await tx.query<LineRow>(
    `SELECT ${LINE_COLUMNS} FROM order_lines l WHERE l.order_id = $1 ORDER BY l.created_at, l.id FOR UPDATE OF l`,
    [orderId],
  );
  return rows;
}

export async function linesOf(tx: Tx, orderId: string): Promise<LineRow[]> {
  const { rows } = await tx.query<LineRow>(
    `SELECT ${LINE_COLUMNS} FROM order_lines l WHERE l.order_id = $1 ORDER BY l.created_at, l.id`,
    [orderId],
  );
  return rows;
}

/** The order_no the split numbers of `order` derive from: its root's, when the order is itself a split child. */
export async function splitRootOrderNo(tx: Tx, order: OrderRef): Promise<string> {
  const { rows } = await tx.query<{ orderNo: string }>(
    `WITH RECURSIVE up(id, depth) AS (
       SELECT $1::uuid, 0
       UNION
       SELECT s.parent_order_id, up.depth + 1 FROM split_orders s JOIN up ON s.child_order_id = up.id
        WHERE up.depth < 50)
     SELECT n.order_no AS "orderNo" FROM up JOIN order_numbers n ON n.order_id = up.id
      ORDER BY up.depth DESC LIMIT 1`,
    [order.id],
  );
  return rows[0]?.orderNo ?? order.orderNo;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The next free `<base>-S<n>`: one more than the highest taken (order_numbers holds every order number of every
 * branch, so the number is globally unique). Serialised per base with an advisory lock, so two splits in one
 * family do not pick the same number.
 */
export async function nextSplitOrderNo(tx: Tx, base: string): Promise<string> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('split-order-no:' || $1, 0))`, [base]);
  const { rows } = await tx.query<{ n: number | null }>(
    `SELECT max(substring(order_no FROM '-S([0-9]{1,6})$')::int) AS n
       FROM order_numbers WHERE order_no LIKE $1 || '-S%' AND order_no ~ '-S[0-9]{1,6}$'
        AND length(order_no) - length($2) BETWEEN 3 AND 8`,
    [likeEscape(base), base],
  );
  return `${base}-S${(rows[0]?.n ?? 0) + 1}`;
}

/** The child order: a copy of the parent's customer, address and branch, status 미배정 without an installer. */
export async function insertChildOrder(tx: Tx, parent: OrderRef, orderNo: string, id?: string): Promise<OrderRef> {
  // the parent's fields the field table says a child copies (domain/order-fields.ts splitCopy); the status is the
  // column's default, the first of the workflow
  const copy = splitCopies();
  const { rows } = await tx.query<OrderRef>(
    `INSERT INTO orders AS o (id, order_no, ${copy.columns.join(', ')})
     SELECT coalesce($3::uuid, gen_random_uuid()), $2, ${copy.exprs.join(', ')}
       FROM orders p WHERE p.id = $1
     RETURNING o.id, o.order_no AS "orderNo", o.created_at AS "createdAt", o.branch_id AS "branchId",
               o.partner_id AS "partnerId", o.installer_id AS "installerId", o.status,
               o.appointment_date AS "appointmentDate", o.version`,
    [parent.id, orderNo, id ?? null],
  );
  return rows[0]!;
}

/** A whole line goes to the child, with its serial numbers. */
export async function moveLine(tx: Tx, lineId: string, child: OrderRef): Promise<void> {
  // created_at always comes from the row: a JS Date has no microseconds and would miss the foreign key
  await tx.query(
    `UPDATE order_lines l SET order_id = c.id, order_created_at = c.created_at FROM orders c
      WHERE l.id = $1 AND c.id = $2`,
    [lineId, child.id],
  );
  await tx.query(
    `UPDATE serial_numbers s SET order_id = c.id, order_created_at = c.created_at FROM orders c
      WHERE s.order_line_id = $1 AND c.id = $2`,
    [lineId, child.id],
  );
}

/** Part of a line: the parent keeps quantity − moved, the child gets a new line with the moved quantity. */
export async function splitLine(
  tx: Tx,
  line: LineRow,
  quantity: number,
  child: OrderRef,
  id?: string,
): Promise<string> {
  await tx.query('UPDATE order_lines SET quantity = quantity - $2 WHERE id = $1', [line.id, quantity]);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO order_lines(id, order_id, order_created_at, item_code, item_name, quantity, weight)
     SELECT coalesce($4::uuid, gen_random_uuid()), c.id, c.created_at, l.item_code, l.item_name, $3, l.weight
       FROM order_lines l, orders c WHERE l.id = $1 AND c.id = $2 RETURNING id`,
    [line.id, child.id, quantity, id ?? null],
  );
  return rows[0]!.id;
}

export async function insertSplitRow(
  tx: Tx,
  s: { parent: OrderRef; child: OrderRef; lineId: string; quantity: number; userId: string },
): Promise<{ id: string }> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO split_orders(parent_order_id, parent_order_created_at, child_order_id, child_order_created_at,
                              line_id, quantity, created_by)
     SELECT p.id, p.created_at, c.id, c.created_at, $3, $4, $5 FROM orders p, orders c WHERE p.id = $1 AND c.id = $2
     RETURNING id`,
    [s.parent.id, s.child.id, s.lineId, s.quantity, s.userId],
  );
  return rows[0]!;
}
