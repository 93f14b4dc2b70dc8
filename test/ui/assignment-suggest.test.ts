import { describe, expect, it } from 'vitest';
import {
  checkAssignment,
  itemCodesFromSummary,
  requiredSkills,
  type SuggestInstaller,
  type SuggestOrder,
  suggestAssignments,
} from '../../domain/assignment-suggest.js';

const rules = [
  { itemPrefix: 'AC', skillTag: 'aircon' },
  { itemPrefix: 'AC-P', skillTag: 'premium' },
  { itemPrefix: 'WM', skillTag: 'washer' },
];
const inst = (id: string, over: Partial<SuggestInstaller> = {}): SuggestInstaller => ({
  id,
  name: id,
  skillTags: ['aircon', 'washer'],
  regions: [],
  capacityPerDay: 3,
  isActive: true,
  ...over,
});
const ord = (id: string, itemCodes: string[] = ['WM-1'], city = '서울 강남구'): SuggestOrder => ({
  id,
  orderNo: `N-${id}`,
  city,
  itemCodes,
});

describe('required skills', () => {
  it('takes the longest matching prefix per item', () => {
    expect(requiredSkills(['AC-P900', 'WM-10'], rules)).toEqual(['premium', 'washer']);
    expect(requiredSkills(['AC-100'], rules)).toEqual(['aircon']);
    expect(requiredSkills(['TV-1'], rules)).toEqual([]);
  });
  it('reads item codes out of an item summary', () => {
    expect(itemCodesFromSummary('에어컨 AC-1234 ×1, 세탁기 WM77 ×2')).toEqual(['AC-1234', 'WM77']);
  });
});

describe('suggestAssignments', () => {
  it('never exceeds an installer capacity and reports the orders that do not fit', () => {
    const orders = ['1', '2', '3', '4', '5'].map((i) => ord(i));
    const r = suggestAssignments({
      orders,
      installers: [inst('a', { capacityPerDay: 2 }), inst('b', { capacityPerDay: 1 })],
      loads: { b: 0 },
      rules,
    });
    expect(r.suggestions).toHaveLength(3);
    expect(r.suggestions.filter((s) => s.installerId === 'a')).toHaveLength(2);
    expect(r.suggestions.filter((s) => s.installerId === 'b')).toHaveLength(1);
    expect(r.unplaced.map((u) => u.reason)).toEqual(['capacity', 'capacity']);
  });

  it('counts the orders an installer already has that day', () => {
    const r = suggestAssignments({
      orders: [ord('1'), ord('2')],
      installers: [inst('a'), inst('b')],
      loads: { a: 3 },
      rules,
    });
    expect(r.suggestions.map((s) => s.installerId)).toEqual(['b', 'b']);
  });

  it('only proposes installers with every skill the items need', () => {
    const r = suggestAssignments({
      orders: [ord('1', ['AC-P1']), ord('2', ['TV-9'])],
      installers: [inst('plain'), inst('pro', { skillTags: ['aircon', 'premium'] })],
      loads: {},
      rules,
    });
    expect(r.suggestions.find((s) => s.orderId === '1')?.installerId).toBe('pro');
    expect(r.suggestions.find((s) => s.orderId === '2')).toBeDefined();
    const none = suggestAssignments({ orders: [ord('3', ['AC-P2'])], installers: [inst('plain')], loads: {}, rules });
    expect(none.unplaced).toEqual([{ orderId: '3', reason: 'skill', skills: ['premium'] }]);
  });

  it('serves a scarce skill first instead of spending the only skilled installer on an easy order', () => {
    const r = suggestAssignments({
      orders: [ord('easy', ['WM-1']), ord('hard', ['AC-P1'])],
      installers: [
        inst('pro', { skillTags: ['aircon', 'premium', 'washer'], capacityPerDay: 1 }),
        inst('x', { capacityPerDay: 1 }),
      ],
      loads: {},
      rules,
    });
    expect(r.unplaced).toEqual([]);
    expect(Object.fromEntries(r.suggestions.map((s) => [s.orderId, s.installerId]))).toEqual({
      hard: 'pro',
      easy: 'x',
    });
  });

  it('prefers installers serving the city, and falls back to others with a flag', () => {
    const installers = [inst('busan', { regions: ['부산'] }), inst('seoul', { regions: ['서울'], capacityPerDay: 1 })];
    const r = suggestAssignments({
      orders: [ord('1', ['WM-1'], '서울 강남구'), ord('2', ['WM-1'], '서울 송파구')],
      installers,
      loads: {},
      rules,
    });
    expect(r.suggestions).toEqual([
      { orderId: '1', installerId: 'seoul', outsideRegion: false },
      { orderId: '2', installerId: 'busan', outsideRegion: true },
    ]);
  });

  it('balances load relative to capacity', () => {
    const orders = Array.from({ length: 9 }, (_, i) => ord(String(i)));
    const r = suggestAssignments({
      orders,
      installers: [inst('a', { capacityPerDay: 6 }), inst('b', { capacityPerDay: 3 })],
      loads: {},
      rules,
    });
    expect(r.loads).toEqual({ a: 6, b: 3 });
    const even = suggestAssignments({
      orders: orders.slice(0, 4),
      installers: [inst('a', { capacityPerDay: 8 }), inst('b', { capacityPerDay: 8 })],
      loads: {},
      rules,
    });
    expect(even.loads).toEqual({ a: 2, b: 2 });
  });

  it('skips inactive installers and gives the same answer for the same input', () => {
    const input = {
      orders: [ord('1'), ord('2')],
      installers: [inst('off', { isActive: false }), inst('on')],
      loads: {},
      rules,
    };
    const r = suggestAssignments(input);
    expect(r.suggestions.every((s) => s.installerId === 'on')).toBe(true);
    expect(suggestAssignments(input)).toEqual(r);
  });
});

describe('checkAssignment', () => {
  it('warns about capacity, missing skills and region', () => {
    const w = checkAssignment(
      ord('1', ['AC-P1'], '부산 해운대구'),
      inst('a', { regions: ['서울'], capacityPerDay: 2 }),
      2,
      rules,
    );
    expect(w).toEqual({ capacity: true, missingSkills: ['premium'], outsideRegion: true });
    expect(checkAssignment(ord('2'), inst('b'), 0, rules)).toEqual({
      capacity: false,
      missingSkills: [],
      outsideRegion: false,
    });
  });
});
