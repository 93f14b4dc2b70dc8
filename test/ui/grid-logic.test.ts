import { describe, expect, it } from 'vitest';
import { cellPatch } from '../../domain/order-cell-edit.js';
import { parseTsv, toTsv } from '../../renderer/grid/clipboard.js';
import {
  defaultLayout,
  moveColumn,
  normalizeLayout,
  resizeColumn,
  toggleColumn,
  visibleColumns,
} from '../../renderer/grid/layout.js';
import { planPaste } from '../../renderer/grid/paste.js';
import { orderRow } from './support/orders.js';

describe('TSV clipboard (Excel)', () => {
  it('round-trips cells with tabs, newlines and quotes', () => {
    const m = [
      ['a', 'b\tc', 'say "hi"'],
      ['line1\nline2', '', '김철수'],
    ];
    expect(parseTsv(toTsv(m))).toEqual(m);
  });
  it("reads Excel's trailing newline and CRLF", () => {
    expect(parseTsv('1\t2\r\n3\t4\r\n')).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseTsv('only')).toEqual([['only']]);
  });
});

describe('cell edits', () => {
  const row = orderRow(1, { address: { line1: '도로 1', line2: '2층', city: '서울 강남구', postal: '06236' } });
  it('validates with the domain schema and names the problem', () => {
    expect(cellPatch(row, 'customerName', '  ')).toMatchObject({ ok: false, problem: 'required' });
    expect(cellPatch(row, 'customerPhone', 'abc')).toMatchObject({ ok: false, problem: 'phone' });
    expect(cellPatch(row, 'promisedDate', '2026-13-40')).toMatchObject({ ok: false, problem: 'date' });
    expect(cellPatch(row, 'customerName', 'x'.repeat(121))).toMatchObject({ ok: false, problem: 'tooLong', max: 120 });
    expect(cellPatch(row, 'status', '배정')).toMatchObject({ ok: false, problem: 'readOnly' });
  });
  it('clears optional fields with an empty cell and keeps the rest of the address', () => {
    expect(cellPatch(row, 'customerPhone', '')).toEqual({ ok: true, patch: { customerPhone: null } });
    expect(cellPatch(row, 'city', '서울 서초구')).toEqual({
      ok: true,
      patch: { address: { line1: '도로 1', line2: '2층', city: '서울 서초구', postal: '06236' } },
    });
  });
});

describe('paste', () => {
  const rows = [orderRow(1), orderRow(2), orderRow(3)];
  const cols = visibleColumns(defaultLayout());
  it('fills right and down from the active cell, one patch per order', () => {
    const plan = planPaste(
      [
        ['홍길동', '010-5555-6666'],
        ['임꺽정', '010-7777-8888'],
      ],
      rows,
      cols,
      { row: 1, col: cols.indexOf('customerName') },
    );
    expect(plan.errors).toEqual([]);
    expect(plan.edits.map((p) => [p.row.orderNo, p.patch])).toEqual([
      ['SO-000002', { customerName: '홍길동', customerPhone: '010-5555-6666' }],
      ['SO-000003', { customerName: '임꺽정', customerPhone: '010-7777-8888' }],
    ]);
  });
  it('reports bad cells by order and column; unchanged read-only cells are no error', () => {
    const plan = planPaste([['SO-000001', '미배정', '새이름', 'not-a-phone']], rows, cols, { row: 0, col: 0 });
    expect(plan.edits).toEqual([{ row: rows[0], patch: { customerName: '새이름' } }]);
    expect(plan.errors).toMatchObject([{ orderNo: 'SO-000001', column: 'customerPhone' }]);
  });
  it('notices a block that reaches past the last row', () => {
    const plan = planPaste([['a'], ['b'], ['c'], ['d']], rows, cols, { row: 2, col: cols.indexOf('customerName') });
    expect(plan.edits).toHaveLength(1);
    expect(plan.outside).toBe(true);
  });
});

describe('column layout', () => {
  it('moves, hides and resizes columns', () => {
    let l = defaultLayout();
    l = moveColumn(l, 'remarks', 'orderNo');
    expect(l.order.indexOf('remarks')).toBe(l.order.indexOf('orderNo') - 1);
    l = toggleColumn(l, 'vendor');
    expect(visibleColumns(l)).not.toContain('vendor');
    l = resizeColumn(l, 'items', 3000);
    expect(l.widths.items).toBe(800);
  });
  it('repairs a saved layout from another version', () => {
    const l = normalizeLayout({
      order: ['customerName', 'gone', 'orderNo'],
      hidden: ['nope'],
      widths: { items: 'x', orderNo: 99 },
    });
    expect(l.order.slice(0, 2)).toEqual(['customerName', 'orderNo']);
    expect(l.order).toHaveLength(defaultLayout().order.length);
    expect(l.hidden).toEqual([]);
    expect(l.widths).toEqual({ orderNo: 99 });
    expect(normalizeLayout(null)).toEqual(defaultLayout());
  });
});
