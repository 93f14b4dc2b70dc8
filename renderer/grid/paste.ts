// Applying a pasted block to the grid the way Excel does: the block's top-left lands on the active cell and fills
// right and down over the visible columns. Each cell is validated on its own; read-only columns and bad values are
// reported with their row and column, and only the valid cells become patches (one per order).

import { type CellRefusal, cellPatch, isEditable, patchChanges } from '../../domain/order-cell-edit.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderPatch } from '../../domain/order-schemas.js';
import type { OrderColumnKey } from '../../domain/order-view.js';

export interface PastePlan {
  patches: Array<{ row: OrderRow; patch: Omit<OrderPatch, 'version'> }>;
  errors: Array<{ orderNo: string; column: OrderColumnKey; refusal: CellRefusal }>;
  cells: number;
}

export function planPaste(
  matrix: string[][],
  rows: readonly OrderRow[],
  columns: readonly OrderColumnKey[],
  anchor: { rowIdx: number; columnKey: OrderColumnKey },
): PastePlan {
  const plan: PastePlan = { patches: [], errors: [], cells: 0 };
  const startCol = columns.indexOf(anchor.columnKey);
  if (startCol < 0) return plan;
  for (let r = 0; r < matrix.length; r++) {
    const row = rows[anchor.rowIdx + r];
    if (!row) break;
    let merged: Omit<OrderPatch, 'version'> = {};
    let working: OrderRow = row;
    for (let c = 0; c < matrix[r]!.length; c++) {
      const key = columns[startCol + c];
      if (!key) break;
      const value = matrix[r]![c]!;
      if (!isEditable(key)) {
        // pasting a copied row back over itself repeats read-only cells unchanged: not an error
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
