import { z } from 'zod';
import { isoDate, uuid } from '../../domain/order-schemas.js';
import { ORDER_STATUSES, type OrderStatus } from '../../domain/order-status.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import { CACHE_TTL, type Cache, cached, orderDataScopes, visibilityKey } from '../cache/index.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ValidationError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import { progressCounts } from './dashboard.repository.js';

export const MAX_PROGRESS_DAYS = 366;

export const progressQuery = z
  .object({
    branchId: uuid.optional(),
    from: isoDate,
    to: isoDate,
    dateField: z.enum(['created', 'appointment']).default('created'),
  })
  .strict();

type Counts = Record<OrderStatus, number>;
const zeroCounts = (): Counts => Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Counts;

function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/**
 * GET /api/dashboard/progress?branchId&from&to[&dateField] (FR-08): orders per status for every day of the
 * range (days without orders included, for charts), and the totals. Without branchId: every order the caller
 * may see (a branch manager: its branch).
 */
export async function progress(tx: Tx, actor: Actor, query: unknown, cache?: Cache) {
  authorize(actor, 'dashboard.progress');
  const q = parse(progressQuery, query);
  if (q.from > q.to) throw new ValidationError('to', 'errors.rangeReversed');
  if ((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1 > MAX_PROGRESS_DAYS) {
    throw new ValidationError('to', 'errors.rangeTooLong', { params: { max: MAX_PROGRESS_DAYS } });
  }
  const days = daysBetween(q.from, q.to);
  const branch = await branchInScope(tx, actor, q.branchId);
  // KPI cache (docs/cache.md, 5 min): per caller visibility and branch; any order write of the branch invalidates it
  const rows = await cached(cache, {
    namespace: 'kpi',
    key: [visibilityKey(actor), branch?.id, q.from, q.to, q.dateField],
    scopes: orderDataScopes(branch?.id),
    ttlSeconds: CACHE_TTL.kpi,
    load: () => progressCounts(tx, { branchId: branch?.id, from: q.from, to: q.to, dateField: q.dateField }),
  });
  const byDay = new Map(days.map((d) => [d, zeroCounts()]));
  const totals = zeroCounts();
  for (const r of rows) {
    const counts = byDay.get(r.day);
    if (!counts) continue;
    counts[r.status as OrderStatus] += r.n;
    totals[r.status as OrderStatus] += r.n;
  }
  return {
    branchId: branch?.id ?? null,
    from: q.from,
    to: q.to,
    dateField: q.dateField,
    days: days.map((date) => {
      const counts = byDay.get(date)!;
      return { date, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
    }),
    totals,
    total: Object.values(totals).reduce((a, b) => a + b, 0),
  };
}
