// Applying a block of cell values to the grid the way Excel does: the block's top-left lands on a cell and fills
// right and down over the visible columns. Each cell goes through cellPatch, the same check an inline edit of that
// cell makes; the caller applies the plan only when it has no errors (all or nothing), one edit per order.
// A read-only cell refuses a value unless the value is what it already shows (pasting a copied row back over
// itself repeats the read-only cells unchanged, as an inline edit that changes nothing does nothing).
// The 시간대 cell is an appointment change on the order's date (the drawer's orders:appointment), read and checked
// by cellWindow: a window from Excel ("09-12", "오전") becomes one of the branch's slots, or the cell is refused.
// Delete uses the same plan with empty values and skips the read-only cells (an empty 시간대 clears the window).

import type { TimeWindow } from '../../domain/field-types.js';
import {
  type BranchSlotsRef,
  type CellRefusal,
  cellPatch,
  cellWindow,
  DEFAULT_BRANCH_SLOTS,
  isEditable,
  patchChanges,
} from '../../domain/order-cell-edit.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderPatch } from '../../domain/order-schemas.js';
import { cellText, type OrderColumnKey } from '../../domain/order-view.js';

export const TIME_WINDOW_COLUMN: OrderColumnKey = 'timeWindow';

export interface PasteProblem {
  orderNo: string;
  column: OrderColumnKey;
  refusal: Pick<CellRefusal, 'problem' | 'max' | 'rule'>;
}

/** One order's change: its field patch (orders:update) and, when its 시간대 cell changed, the new window. */
export interface GridEdit {
  row: OrderRow;
  patch: Omit<OrderPatch, 'version'>;
  /** undefined: the window stays; null: cleared; otherwise the new window (orders:appointment, same date) */
  window?: TimeWindow | null;
}

export interface PastePlan {
  edits: GridEdit[];
  errors: PasteProblem[];
  /** cells that change */
  cells: number;
  /** the block reaches past the last shown row or the last visible column */
  outside: boolean;
}

export interface PasteOptions {
  readOnly?: 'refuse' | 'skip';
  /** the slots of an order's branch (the synced reference data) */
  branch?: (branchId: string) => BranchSlotsRef;
}

export function planPaste(
  matrix: string[][],
  rows: readonly OrderRow[],
  columns: readonly OrderColumnKey[],
  at: { row: number; col: number },
  opts: PasteOptions = {},
): PastePlan {
  const readOnly = opts.readOnly ?? 'refuse';
  const plan: PastePlan = { edits: [], errors: [], cells: 0, outside: false };
  for (let r = 0; r < matrix.length; r++) {
    const row = rows[at.row + r];
    if (!row) {
      plan.outside = true;
      break;
    }
    let merged: Omit<OrderPatch, 'version'> = {};
    let window: TimeWindow | null | undefined;
    let working: OrderRow = row;
    for (let c = 0; c < matrix[r]!.length; c++) {
      const key = columns[at.col + c];
      if (!key) {
        plan.outside = true;
        break;
      }
      const value = matrix[r]![c]!;
      if (key === TIME_WINDOW_COLUMN) {
        const w = cellWindow(row, value, opts.branch?.(row.branchId) ?? DEFAULT_BRANCH_SLOTS);
        if (!w.ok) plan.errors.push({ orderNo: row.orderNo, column: key, refusal: w });
        else if (w.window !== undefined) {
          window = w.window;
          plan.cells++;
        }
        continue;
      }
      if (!isEditable(key)) {
        if (readOnly === 'refuse' && value.trim() !== cellText(row, key).trim())
          plan.errors.push({ orderNo: row.orderNo, column: key, refusal: { problem: 'readOnly' } });
        continue;
      }
      const p = cellPatch(working, key, value);
      if (!p.ok) {
        plan.errors.push({ orderNo: row.orderNo, column: key, refusal: p });
        continue;
      }
      if (!patchChanges(working, p.patch)) continue;
      merged = { ...merged, ...p.patch };
      // later cells of the same row see earlier ones (city then street both write the address)
      working = { ...working, ...(p.patch as Partial<OrderRow>) };
      plan.cells++;
    }
    if (Object.keys(merged).length > 0 || window !== undefined)
      plan.edits.push({ row, patch: merged, ...(window !== undefined ? { window } : {}) });
  }
  return plan;
}
