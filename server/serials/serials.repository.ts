import type { LineState, SerialRule } from '../../domain/order-part-rules.js';
import type { Tx } from '../db/transaction.js';

export interface SerialRow {
  id: string;
  orderLineId: string;
  serial: string;
  recordedBy: string | null;
  recordedAt: Date;
  version: number;
}

const COLUMNS = `s.id, s.order_line_id AS "orderLineId", s.serial, s.recorded_by AS "recordedBy",
  s.recorded_at AS "recordedAt", s.version`;

export async function listSerials(tx: Tx, orderId: string): Promise<SerialRow[]> {
  const { rows } = await tx.query<SerialRow>(
    `SELECT ${COLUMNS} FROM serial_numbers s WHERE s.order_id = $1 ORDER BY s.recorded_at, s.serial`,
    [orderId],
  );
  return rows;
}

export interface LockedLine {
  id: string;
  itemCode: string;
  quantity: number;
  version: number;
  recorded: number;
}

/** The order's line, locked so two requests adding serials to it are counted one after the other. */
export async function lockLine(tx: Tx, orderId: string, lineId: string): Promise<LockedLine | undefined> {
  const { rows } = await tx.query<LockedLine>(
    `SELECT l.id, l.item_code AS "itemCode", l.quantity, l.version,
            (SELECT count(*)::int FROM serial_numbers s WHERE s.order_line_id = l.id) AS recorded
       FROM order_lines l WHERE l.id = $1 AND l.order_id = $2 FOR UPDATE OF l`,
    [lineId, orderId],
  );
  return rows[0];
}

/** Inserts the serials not taken yet; returns the inserted rows (a taken serial is skipped, not an error). */
export async function insertSerials(
  tx: Tx,
  lineId: string,
  serials: string[],
  userId: string,
  ids?: string[],
): Promise<SerialRow[]> {
  const { rows } = await tx.query<SerialRow>(
    `INSERT INTO serial_numbers AS s (id, order_line_id, order_id, order_created_at, serial, recorded_by)
     SELECT coalesce(x.id, gen_random_uuid()), l.id, l.order_id, l.order_created_at, x.serial, $3
       FROM order_lines l, unnest($2::text[], $4::uuid[]) WITH ORDINALITY AS x(serial, id, n)
      WHERE l.id = $1
      ORDER BY x.n
     ON CONFLICT (serial) DO NOTHING
     RETURNING ${COLUMNS}`,
    [lineId, serials, userId, ids ?? serials.map(() => null)],
  );
  return rows;
}

/** The order_no of the order holding each serial (any branch: a definer function that tells nothing else). */
export async function serialHolders(tx: Tx, serials: string[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ serial: string; orderNo: string }>(
    `SELECT x.serial, h.order_no AS "orderNo" FROM unnest($1::text[]) AS x(serial), serial_holder(x.serial) h`,
    [serials],
  );
  return new Map(rows.map((r) => [r.serial, r.orderNo]));
}

export async function findSerial(tx: Tx, orderId: string, serialId: string): Promise<SerialRow | undefined> {
  const { rows } = await tx.query<SerialRow>(
    `SELECT ${COLUMNS} FROM serial_numbers s WHERE s.id = $1 AND s.order_id = $2`,
    [serialId, orderId],
  );
  return rows[0];
}

export async function deleteSerial(tx: Tx, serialId: string, version: number): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM serial_numbers WHERE id = $1 AND version = $2', [serialId, version]);
  return (rowCount ?? 0) > 0;
}

/** The order's lines with the serials recorded on each (domain/order-part-rules.ts linesMissingSerials reads them). */
export async function linesWithSerialCounts(tx: Tx, orderId: string): Promise<(LineState & { itemName: string })[]> {
  const { rows } = await tx.query<LineState & { itemName: string }>(
    `SELECT l.id, l.item_code AS "itemCode", l.item_name AS "itemName", l.quantity,
            (SELECT count(*)::int FROM serial_numbers s WHERE s.order_line_id = l.id) AS "serialCount"
       FROM order_lines l
      WHERE l.order_id = $1
      ORDER BY l.created_at, l.id`,
    [orderId],
  );
  return rows;
}

/** The item rules of the reference data that say which items need serials. */
export async function serialRules(tx: Tx): Promise<SerialRule[]> {
  const { rows } = await tx.query<SerialRule>(
    'SELECT item_prefix AS "itemPrefix", requires_serial AS "requiresSerial" FROM item_skill_rules',
  );
  return rows;
}
