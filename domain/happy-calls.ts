// 해피콜: the call to each customer the day before the visit (issue 15). The outcomes, the key that records each on
// the 해피콜 screen, the write schema (REST body, sync op, the client's check), and the list's rules — which order the
// day's calls are made in and what counts as called / confirmed / unreachable — written once for every side.
import { z } from 'zod';
import { isoDate, timeWindow, uuid, version } from './field-types.js';
import type { OrderStatus } from './order-status.js';

export const HAPPY_CALL_OUTCOMES = [
  'CONFIRMED',
  'NO_ANSWER',
  'POSTPONE_REQUESTED',
  'CANCEL_REQUESTED',
  'WRONG_NUMBER',
] as const;
export type HappyCallOutcome = (typeof HAPPY_CALL_OUTCOMES)[number];

export interface OutcomeRule {
  /** the key that records it on the 해피콜 screen */
  key: string;
  /** the customer was not reached: floats to the top of the list for a second try */
  unreachable: boolean;
  /** the status form the outcome opens, preset to this status (the clerk adds the reason, and for 연기 the date) */
  opensStatus?: OrderStatus;
}

export const OUTCOME_RULES: Record<HappyCallOutcome, OutcomeRule> = {
  CONFIRMED: { key: '1', unreachable: false },
  NO_ANSWER: { key: '2', unreachable: true },
  POSTPONE_REQUESTED: { key: '3', unreachable: false, opensStatus: '연기' },
  CANCEL_REQUESTED: { key: '4', unreachable: false, opensStatus: '취소' },
  WRONG_NUMBER: { key: '5', unreachable: true },
};

export function outcomeOfKey(key: string): HappyCallOutcome | undefined {
  return HAPPY_CALL_OUTCOMES.find((o) => OUTCOME_RULES[o].key === key);
}

export const happyCallOutcome = z.enum(HAPPY_CALL_OUTCOMES);

/**
 * POST /api/orders/:id/happy-calls, the sync op happycall.record and the client's check before the outbox. An
 * outcome is an append: `version` (the order's, as the client read it) is accepted and never required — a call
 * commutes with every edit of the order.
 */
export const happyCallAdd = z
  .object({
    /** the new call's id (default: the head office makes one); a client recording offline sends its UUIDv7 */
    id: uuid.optional(),
    version: version.optional(),
    outcome: happyCallOutcome,
    /** 확인 at another time of day: the window the customer agreed to */
    timeWindow: timeWindow.optional(),
    /** 부재: when to try again */
    retryAt: z.iso.datetime({ offset: true }).optional(),
    note: z.string().trim().max(500).optional(),
    /** when the call was made (a call recorded offline arrives later); default now */
    calledAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.timeWindow && c.outcome !== 'CONFIRMED')
      ctx.addIssue({ code: 'custom', message: 'a time window goes with CONFIRMED only', path: ['timeWindow'] });
    if (c.retryAt && c.outcome !== 'NO_ANSWER')
      ctx.addIssue({ code: 'custom', message: 'a retry time goes with NO_ANSWER only', path: ['retryAt'] });
  });
export type HappyCallAdd = z.infer<typeof happyCallAdd>;

/** GET /api/happy-calls?date=YYYY-MM-DD[&branchId=]: the day's assigned orders of the branch and their calls. */
export const happyCallListQuery = z.object({ date: isoDate, branchId: uuid.optional() }).strict();

/** One recorded call as the API and the client show it. */
export interface HappyCall {
  id: string;
  orderId: string;
  outcome: HappyCallOutcome;
  timeWindow: { start: string; end: string } | null;
  attempt: number;
  retryAt: string | null;
  note: string | null;
  calledBy: string;
  calledByName: string | null;
  calledAt: string;
}

/** Statuses whose orders are called the day before: assigned, not yet on the road. */
export const CALLABLE_STATUSES: readonly OrderStatus[] = ['배정', '배정확정', '출고확정'];

/** One order of the day's list: enough to sort, count and show it. */
export interface HappyCallEntry {
  orderId: string;
  installerName: string | null;
  /** the board's order within an installer: the appointment window's start (none first, as the board), then the order number */
  windowStart: string | null;
  orderNo: string;
  lastCall: Pick<HappyCall, 'outcome' | 'attempt' | 'calledAt'> | null;
}

/**
 * The order a clerk calls in: unreachable customers (last call 부재 / 번호 오류) first, for a second try; then as
 * the assignment board shows the day — by installer, then by the appointment window, then the order number.
 */
export function compareHappyCallEntries(a: HappyCallEntry, b: HappyCallEntry): number {
  const ua = a.lastCall && OUTCOME_RULES[a.lastCall.outcome].unreachable ? 0 : 1;
  const ub = b.lastCall && OUTCOME_RULES[b.lastCall.outcome].unreachable ? 0 : 1;
  if (ua !== ub) return ua - ub;
  const ia = a.installerName ?? '\uffff';
  const ib = b.installerName ?? '\uffff';
  if (ia !== ib) return ia.localeCompare(ib, 'ko');
  // as renderer/board/board-model.ts sorts a column: no window first, then by start
  return (a.windowStart ?? '').localeCompare(b.windowStart ?? '') || a.orderNo.localeCompare(b.orderNo);
}

export interface HappyCallProgress {
  installerName: string | null;
  orders: number;
  called: number;
  confirmed: number;
  unreachable: number;
}

/** Progress of the day per installer (in the list's installer order): called, confirmed, unreachable by last call. */
export function happyCallProgress(entries: readonly HappyCallEntry[]): HappyCallProgress[] {
  const by = new Map<string, HappyCallProgress>();
  for (const e of entries) {
    const k = e.installerName ?? '';
    let p = by.get(k);
    if (!p) {
      p = { installerName: e.installerName, orders: 0, called: 0, confirmed: 0, unreachable: 0 };
      by.set(k, p);
    }
    p.orders++;
    if (!e.lastCall) continue;
    p.called++;
    if (e.lastCall.outcome === 'CONFIRMED') p.confirmed++;
    if (OUTCOME_RULES[e.lastCall.outcome].unreachable) p.unreachable++;
  }
  return [...by.values()].sort((a, b) =>
    (a.installerName ?? '\uffff').localeCompare(b.installerName ?? '\uffff', 'ko'),
  );
}
