// The 해피콜 list's rules (domain/happy-calls.ts): the order a clerk calls in and the day's progress per installer.
import { describe, expect, it } from 'vitest';
import {
  compareHappyCallEntries,
  type HappyCallEntry,
  type HappyCallOutcome,
  happyCallProgress,
  OUTCOME_RULES,
  outcomeOfKey,
} from '../../domain/happy-calls.js';

const e = (
  orderNo: string,
  installerName: string | null,
  windowStart: string | null,
  last?: string,
): HappyCallEntry => ({
  orderId: orderNo,
  orderNo,
  installerName,
  windowStart,
  lastCall: last ? { outcome: last as HappyCallOutcome, attempt: 1, calledAt: '2026-12-07T01:00:00Z' } : null,
});

describe('the 해피콜 list', () => {
  it('puts unreachable customers first, then installer by name, then (as the board) no window before the earliest', () => {
    const list = [
      e('A3', '김기사', '2026-12-08T05:00:00Z'),
      e('A1', '김기사', null),
      e('B1', '강기사', '2026-12-08T01:00:00Z', 'CONFIRMED'),
      e('A2', '김기사', '2026-12-08T00:00:00Z', 'NO_ANSWER'),
      e('C1', '박기사', null, 'WRONG_NUMBER'),
      e('A4', '김기사', '2026-12-08T01:00:00Z', 'POSTPONE_REQUESTED'),
    ].sort(compareHappyCallEntries);
    expect(list.map((x) => x.orderNo)).toEqual(['A2', 'C1', 'B1', 'A1', 'A4', 'A3']);
  });

  it('counts called, confirmed and unreachable by each order’s last call, per installer', () => {
    const p = happyCallProgress([
      e('A1', '김기사', null, 'CONFIRMED'),
      e('A2', '김기사', null, 'NO_ANSWER'),
      e('A3', '김기사', null),
      e('B1', '강기사', null, 'WRONG_NUMBER'),
    ]);
    expect(p).toEqual([
      { installerName: '강기사', orders: 1, called: 1, confirmed: 0, unreachable: 1 },
      { installerName: '김기사', orders: 3, called: 2, confirmed: 1, unreachable: 1 },
    ]);
  });

  it('gives every outcome its own key', () => {
    const keys = Object.values(OUTCOME_RULES).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(OUTCOME_RULES[outcomeOfKey(k)!].key).toBe(k);
    expect(outcomeOfKey('9')).toBeUndefined();
  });
});
