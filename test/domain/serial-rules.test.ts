// The delivery rule both sides apply (domain/order-part-rules.ts): which items need a serial per unit, and which
// lines of an order still lack them once the undelivered units of a 부분인수 have left.
import { describe, expect, it } from 'vitest';
import { itemNeedsSerial, linesMissingSerials, serialsMissingProblem } from '../../domain/order-part-rules.js';

const rules = [
  { itemPrefix: 'AC', requiresSerial: true },
  { itemPrefix: 'ACX', requiresSerial: false },
  { itemPrefix: 'RF', requiresSerial: true },
];

describe('serials needed for delivery', () => {
  it('the longest matching prefix decides, whatever the case', () => {
    expect(itemNeedsSerial('AC-2000', rules)).toBe(true);
    expect(itemNeedsSerial('ac-2000', rules)).toBe(true);
    expect(itemNeedsSerial('ACX-1', rules)).toBe(false);
    expect(itemNeedsSerial('GEN-100', rules)).toBe(false);
  });

  it('lists the delivered units short of serials; undelivered units need none', () => {
    const lines = [
      { id: 'a', itemCode: 'AC-1', itemName: '에어컨', quantity: 3, serialCount: 1 },
      { id: 'b', itemCode: 'RF-1', itemName: '냉장고', quantity: 1, serialCount: 0 },
      { id: 'c', itemCode: 'GEN-1', itemName: '소형', quantity: 5, serialCount: 0 },
    ];
    expect(linesMissingSerials(lines, rules).map((m) => [m.lineId, m.quantity, m.missing])).toEqual([
      ['a', 3, 2],
      ['b', 1, 1],
    ]);
    const partial = linesMissingSerials(lines, rules, [
      { lineId: 'a', quantity: 2 },
      { lineId: 'b', quantity: 1 },
    ]);
    expect(partial).toEqual([]);
    expect(serialsMissingProblem(partial)).toBeNull();
    const p = serialsMissingProblem(linesMissingSerials(lines, rules, [{ lineId: 'a', quantity: 1 }]));
    expect(p).toMatchObject({
      code: 'SERIALS_MISSING',
      field: 'status',
      params: { lines: '에어컨 AC-1 (1/2), 냉장고 RF-1 (0/1)' },
    });
  });
});
