// The order detail's part writes (serials, waste pick-ups, a split) as local writes through the outbox, online or
// not: checked first against the REST schema of the action (OP_INPUT_SCHEMA) and the shared rules
// (domain/order-part-rules.ts) on the local copy, so bad input is refused here, naming the field, and changes
// nothing; then the rows and the op commit in one SQLite transaction (ClientStore.localOrderOp with effects).
import type Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import {
  acceptsParts,
  type LineState,
  serialCountProblem,
  splitProblem,
  splittable,
} from '../../domain/order-part-rules.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { OP_INPUT_SCHEMA, type OpKind, opInput, type SyncRow } from '../../domain/sync-protocol.js';
import {
  orderMark,
  provisionalSplitNo,
  type SplitPayload,
  serialRows,
  splitRows,
  type WasteAddPayload,
  wasteRow,
} from '../store/part-ops.js';
import { fail } from './handler-kit.js';
import type { StoreLike } from './session-like.js';

/** What the part writes need of the client store (the screens' StoreLike). */
export type PartStore = Pick<StoreLike, 'db' | 'localOrderOp'>;

export interface PartError {
  code: string;
  message: string;
  field?: string;
  details?: unknown;
}

/** The payload as the head office will read it (the REST schema with the version put back), or a VALIDATION error. */
export function validated<T extends Record<string, unknown>>(
  kind: OpKind,
  payload: Record<string, unknown>,
  version: number,
  fieldPrefix = '',
): T {
  const parsed = OP_INPUT_SCHEMA[kind].safeParse(opInput(kind, payload, version));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `${fieldPrefix}${issue?.path.map(String).join('.') ?? ''}`;
    fail('VALIDATION', `${field}: ${issue?.message ?? 'invalid'}`, field);
  }
  const { version: _v, ...out } = parsed.data as Record<string, unknown>;
  return out as T;
}

function problemError(p: { code: string; field: string; params: Record<string, unknown> }): never {
  const params = Object.entries(p.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  fail(p.code, `${p.field}${params ? ` (${params})` : ''}`, p.field, p.params);
}

/** Store errors (stale version, row gone) as the UI's errors. */
function asPartError(e: unknown): never {
  if (e instanceof Error && 'currentVersion' in e)
    fail('CONFLICT', 'The order changed since it was shown; reload it and try again.', 'version', {
      currentVersion: (e as { currentVersion: unknown }).currentVersion,
    });
  if (e instanceof Error && 'entityId' in e) fail('NOT_FOUND', e.message, 'id');
  throw e;
}

export function write(store: PartStore, args: Parameters<PartStore['localOrderOp']>[0]): void {
  try {
    store.localOrderOp(args);
  } catch (e) {
    asPartError(e);
  }
}

function lineStates(db: Database.Database, orderId: string): LineState[] {
  return (
    db
      .prepare(
        `SELECT l.id, l.item_code AS itemCode, l.quantity,
                (SELECT count(*) FROM serial_numbers s WHERE s.order_line_id = l.id) AS serialCount
           FROM order_lines l WHERE l.order_id = ? ORDER BY l.created_at, l.id`,
      )
      .all(orderId) as LineState[]
  ).map((l) => ({ ...l, quantity: Number(l.quantity), serialCount: Number(l.serialCount) }));
}

/** detail:serials — serials of one line; a serial this copy knows on another order is refused naming it. */
export function recordSerials(
  store: PartStore,
  userId: string,
  args: { id: string; lineId: string; serials: string[] },
): void {
  const raw: Record<string, unknown> = {
    lineId: args.lineId,
    serials: args.serials,
    ids: args.serials.map(() => uuidv7()),
  };
  // the line as the clerk saw it: the serials commute with other changes of the order, not with one of this line
  // (a line a pending split made has no head-office version yet: then the whole order's version is checked)
  const seen = store.db.prepare('SELECT version FROM order_lines WHERE id = ?').get(args.lineId) as
    | { version: number }
    | undefined;
  if (seen && !isPendingRow(store.db, 'order_lines', args.lineId)) raw.lineVersion = seen.version;
  // the version is the order's at the head office when the op is sent (the outbox fills it in)
  const payload = validated<{ lineId: string; serials: string[]; ids: string[]; lineVersion?: number }>(
    'serial.record',
    raw,
    1,
  );
  write(store, {
    kind: 'serial.record',
    orderId: args.id,
    payload,
    effects: (order, now) => {
      requireNotCancelled(order.status);
      const line = lineStates(store.db, args.id).find((l) => l.id === payload.lineId);
      if (!line) fail('LINE_NOT_IN_ORDER', 'lineId: the line is not on this order', 'lineId');
      const tooMany = serialCountProblem(line, payload.serials.length);
      if (tooMany) problemError(tooMany);
      const held = store.db.prepare(
        'SELECT o.order_no FROM serial_numbers s JOIN orders o ON o.id = s.order_id WHERE s.serial = ?',
      );
      payload.serials.forEach((serial, i) => {
        const holder = held.get(serial) as { order_no: string } | undefined;
        if (holder)
          fail('DUPLICATE', `${serial}: already on ${holder.order_no}`, `serials.${i}`, {
            serial,
            orderNo: holder.order_no,
          });
      });
      return serialRows(order, payload, userId, now);
    },
  });
}

export function requireNotCancelled(status: unknown): void {
  if (!acceptsParts(status as OrderStatus))
    fail('ORDER_CLOSED', `status: nothing can be recorded on an order in ${String(status)}`, 'status');
}

function requireWasteCode(db: Database.Database, code: string): void {
  const row = db.prepare('SELECT is_active FROM waste_codes WHERE code = ?').get(code) as
    | { is_active: number | null }
    | undefined;
  if (!row?.is_active) fail('WASTE_CODE', `code: ${code} is not a waste code in use`, 'code', { code });
}

function requireFreeCode(db: Database.Database, orderId: string, code: string, except?: string): void {
  const taken = db
    .prepare('SELECT id FROM waste_pickups WHERE order_id = ? AND code = ? AND id IS NOT ?')
    .get(orderId, code, except ?? null) as { id: string } | undefined;
  if (taken) fail('DUPLICATE', `code: the order already has a pick-up of ${code}`, 'code', { code });
}

/** detail:waste — a new pick-up (collected now by the order's installer unless said otherwise). */
export function addWastePickup(
  store: PartStore,
  args: { id: string; code: string; quantity: number; status?: string },
): void {
  const raw: Record<string, unknown> = { id: uuidv7(), code: args.code, quantity: args.quantity };
  if (args.status) raw.status = args.status;
  const payload = validated<WasteAddPayload & Record<string, unknown>>('waste.add', raw, 1);
  write(store, {
    kind: 'waste.add',
    orderId: args.id,
    payload,
    effects: (order, now) => {
      requireNotCancelled(order.status);
      requireWasteCode(store.db, payload.code);
      requireFreeCode(store.db, args.id, payload.code);
      return [wasteRow(order, payload, now)];
    },
  });
}

function pickupOrder(db: Database.Database, wasteId: string): string {
  const row = db.prepare('SELECT order_id FROM waste_pickups WHERE id = ?').get(wasteId) as
    | { order_id: string }
    | undefined;
  if (!row) fail('NOT_FOUND', 'wasteId: no such pick-up', 'wasteId');
  return row.order_id;
}

/** detail:wasteEdit — the pick-up's own version is the lock. Returns the order id. */
export function editWastePickup(
  store: PartStore,
  args: { wasteId: string; version: number; code?: string; quantity?: number; status?: string },
): string {
  const { wasteId, version: v, ...changes } = args;
  const orderId = pickupOrder(store.db, wasteId);
  requireNotCancelled(
    (store.db.prepare('SELECT status FROM orders WHERE id = ?').get(orderId) as { status?: string } | undefined)
      ?.status,
  );
  const payload = validated<Record<string, unknown>>('waste.update', changes, v);
  if (Object.values(payload).every((x) => x === undefined)) fail('VALIDATION', 'Nothing to change.', 'code');
  if (typeof payload.code === 'string') {
    requireWasteCode(store.db, payload.code);
    requireFreeCode(store.db, orderId, payload.code, wasteId);
  }
  write(store, {
    kind: 'waste.update',
    orderId: wasteId,
    payload,
    seenVersion: v,
    effects: () => [orderMark(orderId)],
  });
  return orderId;
}

/** detail:wasteRemove. Returns the order id. */
export function removeWastePickup(store: PartStore, args: { wasteId: string; version: number }): string {
  const orderId = pickupOrder(store.db, args.wasteId);
  validated('waste.remove', {}, args.version);
  write(store, {
    kind: 'waste.remove',
    orderId: args.wasteId,
    payload: {},
    seenVersion: args.version,
    effects: () => [orderMark(orderId)],
  });
  return orderId;
}

/** The number the split family's numbers derive from: its root's, by the split links this copy holds. */
function rootOrderNo(db: Database.Database, order: SyncRow): string {
  let id = order.id as string;
  let no = order.order_no as string;
  for (let depth = 0; depth < 50; depth++) {
    const up = db
      .prepare(
        `SELECT p.id, p.order_no FROM split_orders s JOIN orders p ON p.id = s.parent_order_id
          WHERE s.child_order_id = ? LIMIT 1`,
      )
      .get(id) as { id: string; order_no: string } | undefined;
    if (!up) break;
    id = up.id;
    no = up.order_no;
  }
  return no;
}

function todayInKorea(): string {
  return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
}

/** detail:split — returns the child order's id (client-made; its number comes from the head office). */
export function splitOrderLocally(
  store: PartStore,
  args: { id: string; version: number; lines: { lineId: string; quantity: number }[] },
): string {
  const childId = uuidv7();
  const raw = { childId, lines: args.lines.map((l) => ({ ...l, childLineId: uuidv7() })) };
  const payload = validated<SplitPayload & Record<string, unknown>>('order.split', raw, args.version);
  write(store, {
    kind: 'order.split',
    orderId: args.id,
    payload,
    seenVersion: args.version,
    effects: (order, now) => {
      if (!splittable(order.status as OrderStatus))
        fail('NOT_SPLITTABLE', `status: an order in ${order.status} cannot be split`, 'status');
      const problem = splitProblem(lineStates(store.db, args.id), payload.lines, 'lines');
      if (problem) problemError(problem);
      const root = rootOrderNo(store.db, order);
      const taken = (
        store.db.prepare('SELECT order_no FROM orders WHERE order_no LIKE ?').all(`${root}-S%`) as {
          order_no: string;
        }[]
      ).map((r) => r.order_no);
      return splitRows({
        parent: order,
        lines: store.db.prepare('SELECT * FROM order_lines WHERE order_id = ?').all(args.id) as SyncRow[],
        serialsOfLine: (lineId) =>
          (
            store.db.prepare('SELECT id FROM serial_numbers WHERE order_line_id = ?').all(lineId) as { id: string }[]
          ).map((r) => r.id),
        payload,
        provisionalNo: provisionalSplitNo(root, taken),
        today: todayInKorea(),
        now,
      });
    },
  });
  return childId;
}

/** Whether a row has local ops not yet answered (its head-office version is not what the copy shows). */
function isPendingRow(db: Database.Database, entity: string, id: string): boolean {
  return db.prepare('SELECT 1 FROM row_base WHERE entity = ? AND entity_id = ?').get(entity, id) !== undefined;
}
