// The grid's boolean cell (the customer's notice opt-out): what the cell shows, what a typed or pasted value
// means, and the toggle Space and a click make — all ending in the same order patch as any other cell edit.
import { describe, expect, it } from 'vitest';
import { cellPatch, cellToggle } from '../../domain/order-cell-edit.js';
import { orderColumn } from '../../domain/order-fields.js';
import { applyOrderView, cellText, EDITABLE_COLUMNS } from '../../domain/order-view.js';
import { planPaste } from '../../renderer/grid/paste.js';
import { orderRow } from './support/orders.js';

describe('the notice opt-out column', () => {
  it('is an editable boolean column: a tick when set, empty when not', () => {
    expect(orderColumn('noticesOptOut')).toMatchObject({ field: 'noticesOptOut', edit: 'boolean' });
    expect(EDITABLE_COLUMNS).toContain('noticesOptOut');
    expect(cellText(orderRow(1, { noticesOptOut: true }), 'noticesOptOut')).toBe('✓');
    expect(cellText(orderRow(1, { noticesOptOut: false }), 'noticesOptOut')).toBe('');
  });

  it('Space or a click toggles it through the edit path: the patch flips the value', () => {
    expect(cellToggle(orderRow(1, { noticesOptOut: false }), 'noticesOptOut')).toEqual({
      ok: true,
      patch: { noticesOptOut: true },
    });
    expect(cellToggle(orderRow(1, { noticesOptOut: true }), 'noticesOptOut')).toEqual({
      ok: true,
      patch: { noticesOptOut: false },
    });
    // a text column has no toggle
    expect(cellToggle(orderRow(1), 'customerName')).toMatchObject({ ok: false, problem: 'readOnly' });
  });

  it('typed or pasted text: a tick, Y, O, 예, true, 1 set it; empty, N, X, 아니오, false, 0 clear it; anything else is refused', () => {
    const row = orderRow(1);
    for (const yes of ['✓', 'Y', 'y', 'O', '예', 'true', 'TRUE', '1', ' ✓ '])
      expect(cellPatch(row, 'noticesOptOut', yes), yes).toEqual({ ok: true, patch: { noticesOptOut: true } });
    for (const no of ['', 'N', 'x', '아니오', 'false', '0'])
      expect(cellPatch(row, 'noticesOptOut', no), no).toEqual({ ok: true, patch: { noticesOptOut: false } });
    expect(cellPatch(row, 'noticesOptOut', 'maybe')).toMatchObject({ ok: false, problem: 'format' });
  });

  it('a copied block pastes back: the ticks of two rows onto two others, all or nothing', () => {
    const rows = [orderRow(1), orderRow(2, { noticesOptOut: true })];
    const plan = planPaste([['✓'], ['']], rows, ['noticesOptOut'], { row: 0, col: 0 });
    expect(plan.errors).toEqual([]);
    expect(plan.edits.map((p) => p.patch)).toEqual([{ noticesOptOut: true }, { noticesOptOut: false }]);
    const bad = planPaste([['✓'], ['maybe']], rows, ['noticesOptOut'], { row: 0, col: 0 });
    expect(bad.errors).toHaveLength(1);
  });

  it('filters like the other columns: the tick finds the opted-out orders', () => {
    const rows = [orderRow(1), orderRow(2, { noticesOptOut: true }), orderRow(3)];
    const shown = applyOrderView(rows, { filters: { noticesOptOut: '✓' } });
    expect(shown.map((r) => r.id)).toEqual([rows[1]!.id]);
  });
});
