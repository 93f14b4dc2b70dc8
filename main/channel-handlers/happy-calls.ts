// The 해피콜 list and its outcomes in the branch client: read from the mirror (so the list works offline) and
// recorded as local writes through the outbox (op happycall.record, the call row predicted with the client's
// UUIDv7 id), like the order's other parts (part-writes.ts). What an outcome changes on the order — a new window,
// a postponement, a cancellation — is the workflow's own channel, called by the screen (orders:appointment,
// orders:status), never written here.
import type Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { HappyCallRow, HappyCallView } from '../../domain/client-api.js';
import { CALLABLE_STATUSES, compareHappyCallEntries, type HappyCallOutcome } from '../../domain/happy-calls.js';
import type { SyncRow } from '../../domain/sync-protocol.js';
import { formatTimeWindow, parseTimeWindow } from '../store/mirror-order-row.js';
import type { RowChange } from '../store/part-ops.js';
import { fail } from './handler-kit.js';
import { MirrorReads } from './mirror-reads.js';
import { requireNotCancelled, validated, write } from './part-writes.js';
import type { SessionLike } from './session-like.js';

type R = Record<string, unknown>;

function callView(r: R, me: { id: string; fullName: string }, pending: boolean): HappyCallView {
  return {
    id: String(r.id),
    outcome: String(r.outcome) as HappyCallOutcome,
    attempt: Number(r.attempt ?? 1),
    calledAt: String(r.called_at),
    timeWindow: parseTimeWindow(r.time_window),
    note: r.note === null || r.note === undefined ? null : String(r.note),
    calledByName: r.called_by === me.id ? me.fullName : null,
    pending,
  };
}

function callsOf(db: Database.Database, orderIds: readonly string[], me: { id: string; fullName: string }) {
  const out = new Map<string, HappyCallView[]>();
  if (orderIds.length === 0) return out;
  const rows = db
    .prepare(
      `SELECT h.*, EXISTS (SELECT 1 FROM row_base b WHERE b.entity = 'happy_calls' AND b.entity_id = h.id) AS pending
         FROM happy_calls h WHERE h.order_id IN (SELECT value FROM json_each(?)) ORDER BY h.called_at, h.attempt`,
    )
    .all(JSON.stringify(orderIds)) as R[];
  for (const r of rows) {
    const list = out.get(String(r.order_id)) ?? [];
    list.push(callView(r, me, r.pending === 1));
    out.set(String(r.order_id), list);
  }
  return out;
}

/** The day's assigned orders the caller sees, with pick-ups and calls, in the list's order (domain/happy-calls.ts). */
export function happyCallDay(s: SessionLike, date: string): HappyCallRow[] {
  const orders = s.store
    .listOrders({ appointmentDate: date, statuses: [...CALLABLE_STATUSES] })
    .filter((o) => o.installerId !== null);
  const ids = orders.map((o) => o.id);
  const pickups = new MirrorReads(s.store.db).pickupsOf(ids);
  const calls = callsOf(s.store.db, ids, s.session.user);
  const rows = orders.map((order) => ({
    order,
    pickups: pickups.get(order.id) ?? [],
    calls: calls.get(order.id) ?? [],
  }));
  const entry = (r: HappyCallRow) => {
    const last = r.calls.at(-1);
    return {
      orderId: r.order.id,
      installerName: r.order.installerName,
      windowStart: r.order.appointmentTimeWindow?.start ?? null,
      orderNo: r.order.orderNo,
      lastCall: last ? { outcome: last.outcome, attempt: last.attempt, calledAt: last.calledAt } : null,
    };
  };
  return rows.sort((a, b) => compareHappyCallEntries(entry(a), entry(b)));
}

/**
 * happycalls:record — one call, queued in the outbox with its row (the head office numbers the attempt too; the
 * prediction counts the calls this copy holds). Returns the order's row of the list.
 */
export function recordHappyCall(
  s: SessionLike,
  args: { id: string; outcome: HappyCallOutcome; timeWindow?: { start: string; end: string }; note?: string },
): HappyCallRow {
  const order = s.store.getOrder(args.id);
  if (!order) fail('NOT_FOUND', 'id: no such order in this copy', 'id');
  const raw: Record<string, unknown> = {
    id: uuidv7(),
    outcome: args.outcome,
    calledAt: new Date().toISOString(),
  };
  if (args.timeWindow) raw.timeWindow = args.timeWindow;
  if (args.note) raw.note = args.note;
  const payload = validated<Record<string, unknown>>('happycall.record', raw, order.version);
  const user = s.session.user;
  write(s.store, {
    kind: 'happycall.record',
    orderId: args.id,
    payload,
    effects: (current, now) => [callRow(s.store.db, current, payload, user.id, now)],
  });
  const mine = happyCallDay(s, order.appointmentDate ?? '').find((r) => r.order.id === args.id);
  return mine ?? { order: s.store.getOrder(args.id)!, pickups: [], calls: [] };
}

function callRow(
  db: Database.Database,
  order: SyncRow,
  p: Record<string, unknown>,
  userId: string,
  now: string,
): RowChange {
  requireNotCancelled(order.status);
  const { n } = db.prepare('SELECT count(*) AS n FROM happy_calls WHERE order_id = ?').get(order.id) as { n: number };
  const w = p.timeWindow as { start: string; end: string } | undefined;
  return {
    entity: 'happy_calls',
    id: String(p.id),
    effect: {
      put: {
        id: p.id,
        order_id: order.id,
        order_created_at: order.created_at,
        outcome: p.outcome,
        time_window: formatTimeWindow(w),
        attempt: n + 1,
        retry_at: p.retryAt ?? null,
        note: p.note ?? null,
        called_by: userId,
        called_at: p.calledAt ?? now,
        branch_id: order.branch_id,
        created_at: now,
      },
    },
  };
}
