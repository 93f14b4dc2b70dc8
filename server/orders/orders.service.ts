// Orders: list, detail, create, edit, soft delete. Each function takes the caller's open transaction and is
// also what the sync push calls per op: it checks the action, validates with the domain schema, and throws
// AppErrors (400 / 403 / 404 / 409 / 423) the HTTP layer maps to the error JSON.
import { type OrderCreate, orderCreate, orderPatch } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import { branchIdInScope, branchInScope } from '../branches/branch-scope.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { decodeKeyset, encodeKeyset } from '../shared/keyset.js';
import type { Order, OrderChanges, OrderListRow, SortField } from './orders.repository.js';
import * as repo from './orders.repository.js';
import { deleteQuery, orderListQuery } from './orders.schemas.js';

export interface OrderPage {
  items: OrderListRow[];
  /** pass as `cursor` for the next page; null on the last page */
  nextCursor: string | null;
}

const CURSOR_KEY_FORMAT: Record<SortField, RegExp> = {
  createdAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  appointmentDate: /^(\d{4}-\d{2}-\d{2}|infinity)$/,
  orderNo: /^.{1,30}$/,
};

/**
 * GET /api/orders. `last`: the list is its transaction's last work, so its last statement carries the COMMIT
 * (db/transaction.ts, lastQuery) — the route's case; a caller that goes on in the transaction leaves it out.
 */
export async function listOrders(
  tx: Tx,
  actor: Actor,
  query: unknown,
  opts: { last?: boolean } = {},
): Promise<OrderPage> {
  authorize(actor, 'orders.read');
  const q = parse(orderListQuery, query);
  if (q.from && q.to && q.from > q.to) throw new ValidationError('to', 'errors.rangeReversed');
  const branchId = q.branchId ? await branchIdInScope(tx, actor, q.branchId) : undefined;
  const descending = q.sort.startsWith('-');
  const sort = q.sort.replace(/^-/, '') as SortField;
  const after = q.cursor ? decodeKeyset(q.cursor, q.sort, CURSOR_KEY_FORMAT[sort]) : undefined;

  const rows = await repo.listOrders(
    tx,
    {
      // The caller's own scope is a filter too. Row-level security shows a manager its branch's orders, a
      // coordinator its partner's and an installer its own either way, but its policy is a CASE over the role that no
      // index can serve: without the filter a manager's list read every branch's orders to keep its own (1M orders:
      // 760,000 rows read and dropped, 2 s).
      branchId: branchId ?? (actor.role === 'BRANCH_MANAGER' ? (actor.branchId ?? undefined) : undefined),
      statuses: q.status,
      dateField: q.dateField,
      from: q.from,
      to: q.to,
      installerId: q.installerId,
      ownInstaller: actor.role === 'INSTALLER',
      partnerId: q.partnerId ?? (actor.role === 'PARTNER_COORDINATOR' ? (actor.partnerId ?? undefined) : undefined),
      vendor: q.vendor,
      q: q.q,
      sort,
      descending,
      after,
      limit: q.limit + 1,
    },
    opts,
  );
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map((r) => r.order),
    nextCursor: more && last ? encodeKeyset(q.sort, { key: last.sortKey, id: last.order.id }) : null,
  };
}

export type OrderDetail = Order & {
  lines: Awaited<ReturnType<typeof repo.orderLines>>;
  statusHistory: Awaited<ReturnType<typeof repo.statusHistory>>;
  appointments: Awaited<ReturnType<typeof repo.appointmentLog>>;
  serials: Awaited<ReturnType<typeof repo.serials>>;
  wastePickups: Awaited<ReturnType<typeof repo.wastePickups>>;
  attachments: Awaited<ReturnType<typeof repo.attachments>>;
  split: repo.SplitFamily;
};

async function detailOf(tx: Tx, order: Order): Promise<OrderDetail> {
  // one connection runs one statement at a time: these go one after the other
  const lines = await repo.orderLines(tx, order.id);
  const statusHistory = await repo.statusHistory(tx, order.id);
  const appointments = await repo.appointmentLog(tx, order.id);
  const serials = await repo.serials(tx, order.id);
  const wastePickups = await repo.wastePickups(tx, order.id);
  const attachments = await repo.attachments(tx, order.id);
  const split = await repo.splitFamily(tx, order.id);
  return { ...order, lines, statusHistory, appointments, serials, wastePickups, attachments, split };
}

/** The order the caller may see, or 404 (also when row-level security hides it, or it was deleted). */
export async function requireOrder(tx: Tx, id: unknown, opts: { lock?: boolean } = {}): Promise<Order> {
  const order = await repo.findOrder(tx, parseId(id), opts);
  if (!order) throw new NotFoundError('order');
  return order;
}

/** 409 carrying the current row unless the caller edits the version it read. */
export function requireVersion(order: Order, version: number): void {
  if (order.version !== version) throw new VersionConflictError(order);
}

/** GET /api/orders/:id */
export async function getOrder(tx: Tx, actor: Actor, id: unknown): Promise<OrderDetail> {
  authorize(actor, 'orders.read');
  return detailOf(tx, await requireOrder(tx, id));
}

/** POST /api/orders: the order with its lines, status 미배정 (history and audit by trigger). */
export async function createOrder(tx: Tx, actor: Actor, body: unknown): Promise<OrderDetail> {
  authorize(actor, 'orders.create');
  const input: OrderCreate = parse(orderCreate, body);
  await branchInScope(tx, actor, input.branchId, { required: true });
  const { lines, ...fields } = input;
  const order = await repo.insertOrder(tx, fields);
  await repo.insertLines(tx, order, lines);
  return detailOf(tx, order);
}

/**
 * Writes `changes` at `version` or explains why not: 404 when the order is gone or hidden, 409 with the current
 * row when someone else wrote first. Shared by every order write (edit, status, appointment, assignment).
 */
export async function applyOrderChanges(tx: Tx, id: string, version: number, changes: OrderChanges): Promise<Order> {
  const updated = await repo.updateOrder(tx, id, version, changes);
  if (updated) return updated;
  const current = await repo.findOrder(tx, id);
  if (!current) throw new NotFoundError('order');
  throw new VersionConflictError(current);
}

/** An edit's order id, version and changes, validated as PATCH /api/orders/:id takes them. */
function patchInput(id: unknown, body: unknown): repo.OrderPatchItem {
  const orderId = parseId(id);
  const { version, ...changes } = parse(orderPatch, body);
  if (Object.values(changes).every((v) => v === undefined)) throw new ValidationError('body', 'errors.emptyPatch');
  return { id: orderId, version, changes };
}

/** PATCH /api/orders/:id */
export async function patchOrder(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<Order> {
  authorize(actor, 'orders.update');
  const { id: orderId, version, changes } = patchInput(id, body);
  return applyOrderChanges(tx, orderId, version, changes);
}

/**
 * Many edits of distinct orders at once, each under the rules of patchOrder (a sync push's chunk): their new
 * versions in order, undefined for an edit not written because its order moved on, was deleted or is hidden
 * (patchOrder would have answered 409 or 404; the caller asks it for that answer). Throws what patchOrder throws
 * for an edit it refuses before writing.
 */
export async function patchOrders(
  tx: Tx,
  actor: Actor,
  edits: { id: unknown; body: unknown }[],
): Promise<(number | undefined)[]> {
  authorize(actor, 'orders.update');
  const items = edits.map((e) => patchInput(e.id, e.body));
  // one UPDATE writes a row once: two edits of one order must go one after the other (patchOrder)
  if (new Set(items.map((i) => i.id.toLowerCase())).size !== items.length)
    throw new Error('patchOrders: an order edited twice');
  return repo.updateOrdersMany(tx, items);
}

/** DELETE /api/orders/:id?version=N: a soft delete (deleted_at), which sync delivers as a tombstone. */
export async function deleteOrder(tx: Tx, actor: Actor, id: unknown, query: unknown): Promise<Order> {
  authorize(actor, 'orders.delete');
  const orderId = parseId(id);
  const { version } = parse(deleteQuery, query);
  return applyOrderChanges(tx, orderId, version, { deleted: true });
}
