// FR-08 progress and FR-16 customer history, computed from the local mirror: it holds every order the user may
// see (the head office's row-level security decided what was synced), so the answer is the head office's answer as
// of the last sync, and it is there offline too.
import type { OrderRow } from '../../domain/order-row.js';
import { ORDER_STATUSES, type OrderStatus } from '../../domain/order-status.js';

export interface ProgressDay {
  date: string;
  total: number;
  counts: Record<OrderStatus, number>;
}

function emptyCounts(): Record<OrderStatus, number> {
  return Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
}

/** Orders per status per appointment day in [from, to] (inclusive), every day present even when empty. */
export function progressByDay(rows: readonly OrderRow[], from: string, to: string): ProgressDay[] {
  const days = new Map<string, ProgressDay>();
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    const key = d.toISOString().slice(0, 10);
    days.set(key, { date: key, total: 0, counts: emptyCounts() });
    if (days.size > 366) break;
  }
  for (const r of rows) {
    const day = r.appointmentDate ? days.get(r.appointmentDate) : undefined;
    if (!day) continue;
    day.counts[r.status]++;
    day.total++;
  }
  return [...days.values()];
}

export function totalsByStatus(days: readonly ProgressDay[]): Record<OrderStatus, number> {
  const t = emptyCounts();
  for (const d of days) for (const s of ORDER_STATUSES) t[s] += d.counts[s];
  return t;
}

const digits = (s: string) => s.replace(/\D/g, '');

/** All orders of one customer, newest first: by name (exact, ignoring spaces) and/or phone (digits only, either phone). */
export function customerHistory(rows: readonly OrderRow[], q: { name?: string; phone?: string }): OrderRow[] {
  const name = q.name?.replace(/\s+/g, '') ?? '';
  const phone = q.phone ? digits(q.phone) : '';
  if (!name && phone.length < 3) return [];
  return rows
    .filter(
      (r) =>
        (!name || r.customerName.replace(/\s+/g, '') === name) &&
        // either of the order's numbers, as the head office searches (migration 0123)
        (!phone || [r.customerPhone, r.customerPhone2].some((p) => digits(p ?? '').includes(phone))),
    )
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}
