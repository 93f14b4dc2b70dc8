// Weekly settlement (정산) per branch, Monday–Sunday in the branch's time zone. A LOCKED week freezes the
// branch's orders whose appointment_date lies in it — enforced by the database's settlement guard (423).
import { z } from 'zod';
import { isoDate, uuid, version } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, RuleError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { notifySettlementChanged } from '../notifications/notifications.service.js';
import * as repo from './settlements.repository.js';

export const MAX_SETTLEMENT_DAYS = 371;
/** Weeks shown when no range is given: this week and the seven before it. */
const DEFAULT_WEEKS = 8;
/** Weeks the settlement-weeks job keeps ahead of this one. */
const WEEKS_AHEAD = 4;

export const settlementListQuery = z
  .object({ branchId: uuid.optional(), from: isoDate.optional(), to: isoDate.optional() })
  .strict();
export const settlementWrite = z.object({ version }).strict();
export const settlementWeekBody = z.object({ branchId: uuid, periodStart: isoDate }).strict();
/** How far ahead a week may be made by hand (the job keeps WEEKS_AHEAD). */
const MAX_WEEKS_AHEAD = 53;
/** Nothing of this system is older. */
const FIRST_WEEK = '2000-01-03';

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * GET /api/settlements?branchId&from&to — the stored weeks of the range. A read never writes: weeks are created
 * by the settlement-weeks job (ensureSettlementWeeks), so no caller can fill the table by asking.
 */
export async function listSettlements(tx: Tx, actor: Actor, query: unknown) {
  authorize(actor, 'settlements.read');
  const q = parse(settlementListQuery, query);
  const branch = (await branchInScope(tx, actor, q.branchId, { required: true }))!;
  const { today, monday } = await repo.branchToday(tx, branch.timezone);
  const to = q.to ?? addDays(monday, 6);
  const from = q.from ?? addDays(monday, -7 * (DEFAULT_WEEKS - 1));
  if (from > to) throw new ValidationError('to', 'errors.rangeReversed');
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > MAX_SETTLEMENT_DAYS) {
    throw new ValidationError('to', 'errors.rangeTooLong', { params: { max: MAX_SETTLEMENT_DAYS } });
  }
  return {
    branchId: branch.id,
    timezone: branch.timezone,
    today,
    currentWeekStart: monday,
    items: await repo.periods(tx, branch.id, from, to),
  };
}

/**
 * The settlement-weeks job (SYSTEM context, migration 0070 lets only it, HQ and a branch's manager create weeks):
 * every active branch gets its weeks from DEFAULT_WEEKS - 1 before this one to WEEKS_AHEAD after it, by its own
 * calendar. Returns how many weeks were created.
 */
export async function ensureSettlementWeeks(tx: Tx): Promise<number> {
  let created = 0;
  for (const b of await repo.activeBranches(tx)) {
    const { monday } = await repo.branchToday(tx, b.timezone);
    created += await repo.ensurePeriods(
      tx,
      b.id,
      addDays(monday, -7 * (DEFAULT_WEEKS - 1)),
      addDays(monday, 7 * WEEKS_AHEAD + 6),
    );
  }
  return created;
}

/**
 * POST /api/settlements/weeks {branchId, periodStart}: the week, made OPEN when missing, so that HQ or the
 * branch's manager can lock a week outside the settlement-weeks job's window (an old one). Reads never make weeks.
 */
export async function ensureSettlementWeek(tx: Tx, actor: Actor, body: unknown) {
  authorize(actor, 'settlements.lock');
  const input = parse(settlementWeekBody, body);
  const branch = (await branchInScope(tx, actor, input.branchId, { required: true }))!;
  const { monday } = await repo.branchToday(tx, branch.timezone);
  if (new Date(`${input.periodStart}T00:00:00Z`).getUTCDay() !== 1) {
    throw new ValidationError('periodStart', 'errors.settlementWeekStart');
  }
  if (input.periodStart < FIRST_WEEK || input.periodStart > addDays(monday, 7 * MAX_WEEKS_AHEAD)) {
    throw new ValidationError('periodStart', 'errors.settlementWeekRange', {
      params: { from: FIRST_WEEK, to: addDays(monday, 7 * MAX_WEEKS_AHEAD) },
    });
  }
  await repo.ensurePeriods(tx, branch.id, input.periodStart, input.periodStart);
  const [week] = await repo.periods(tx, branch.id, input.periodStart, input.periodStart);
  return week!;
}

async function requirePeriod(tx: Tx, id: unknown, version: number) {
  const period = await repo.lockPeriodRow(tx, parseId(id));
  if (!period) throw new NotFoundError('settlement');
  if (period.version !== version) throw new VersionConflictError(period);
  return period;
}

/** POST /api/settlements/:id/lock {version}: a branch manager of that branch, or HQ. */
export async function lockSettlement(tx: Tx, actor: Actor, id: unknown, body: unknown) {
  authorize(actor, 'settlements.lock');
  const input = parse(settlementWrite, body);
  const period = await requirePeriod(tx, id, input.version);
  if (period.status === 'LOCKED') throw new RuleError('SETTLEMENT_STATE', 'errors.settlementAlreadyLocked');
  const locked = (await repo.setLocked(tx, period.id, input.version, actor.userId))!;
  await notifySettlementChanged(tx, locked, 'LOCKED'); // FR-11: the branch's users
  return locked;
}

/** POST /api/settlements/:id/unlock {version}: HQ only; unlocked_by/at are kept. */
export async function unlockSettlement(tx: Tx, actor: Actor, id: unknown, body: unknown) {
  authorize(actor, 'settlements.unlock');
  const input = parse(settlementWrite, body);
  const period = await requirePeriod(tx, id, input.version);
  if (period.status !== 'LOCKED') throw new RuleError('SETTLEMENT_STATE', 'errors.settlementNotLocked');
  const unlocked = (await repo.setUnlocked(tx, period.id, input.version, actor.userId))!;
  await notifySettlementChanged(tx, unlocked, 'UNLOCKED'); // FR-11: the branch's users
  return unlocked;
}
