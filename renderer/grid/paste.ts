// Applying a block of cell values to the grid the way Excel does: the block's top-left lands on a cell and fills
// right and down over the visible columns. Each cell goes through cellPatch, the same check an inline edit of that
// cell makes; the caller applies the plan only when it has no errors (all or nothing), one patch per order.
// A read-only cell refuses a value unless the value is what it already shows (pasting a copied row back over
// itself repeats the read-only cells unchanged, as an inline edit that changes nothing does nothing).
// Delete uses the same plan with empty values and skips the read-only cells.

import { type CellRefusal, cellPatch, isEditable, patchChanges } from '../../domain/order-cell-edit.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderPatch } from '../../domain/order-schemas.js';
import { cellText, type OrderColumnKey } from '../../domain/order-view.js';

export interface PasteProblem {
  orderNo: string;
  column: OrderColumnKey;
  refusal: Pick<CellRefusal, 'problem' | 'max'>;
}

export interface PastePlan {
  patches: Array<{ row: OrderRow; patch: Omit<OrderPatch, 'version'> }>;
  errors: PasteProblem[];
  /** cells that change */
  cells: number;
  /** the block reaches past the last shown row or the last visible column */
  outside: boolean;
}

export function planPaste(
  matrix: string[][],
  rows: readonly OrderRow[],
  columns: readonly OrderColumnKey[],
  at: { row: number; col: number },
  opts: { readOnly: 'refuse' | 'skip' } = { readOnly: 'refuse' },
): PastePlan {
  const plan: PastePlan = { patches: [], errors: [], cells: 0, outside: false };
  for (let r = 0; r < matrix.length; r++) {
    const row = rows[at.row + r];
    if (!row) {
      plan.outside = true;
      break;
    }
    let merged: Omit<OrderPatch, 'version'> = {};
    let working: OrderRow = row;
    for (let c = 0; c < matrix[r]!.length; c++) {
      const key = columns[at.col + c];
      if (!key) {
        plan.outside = true;
        break;
      }
      const value = matrix[r]![c]!;
      if (!isEditable(key)) {
        if (opts.readOnly === 'refuse' && value.trim() !== cellText(row, key).trim())
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
    if (Object.keys(merged).length > 0) plan.patches.push({ row, patch: merged });
  }
  return plan;
}
