// Re-import of a sheet this client exported (the hidden sheet says so): each row names its order and the version
// it had at export. Cells that differ from the order as it is now are edits. If the order's version moved since
// the export, the head office (or someone else) changed it meanwhile: those rows are conflicts, shown field by field,
// and nothing is applied until the clerk exports again. Edits to read-only columns are refused. The 시간대 column
// is read as the grid reads a pasted window (cellWindow: one of the branch's slots, on the order's own date) and
// becomes the same appointment change.
import type { ImportConflict, RowError } from '../../domain/client-api.js';
import type { TimeWindow } from '../../domain/field-types.js';
import { statusProblemText } from '../../domain/i18n/workflow-text.js';
import {
  type BranchSlotsRef,
  type CellRefusal,
  cellPatch,
  cellWindow,
  isEditable,
  patchChanges,
} from '../../domain/order-cell-edit.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderPatch } from '../../domain/order-schemas.js';
import { cellText, ORDER_COLUMN_KEYS, type OrderColumnKey } from '../../domain/order-view.js';
import { ID_HEADER, VERSION_HEADER } from './export-orders.js';
import { type ExcelText, problem } from './problems.js';
import type { ReadSheet } from './read-sheet.js';

export interface ReimportPlan {
  /** window: undefined keeps the order's 시간대, null clears it, else the new one (an appointment change) */
  updates: Array<{ row: number; order: OrderRow; patch: Omit<OrderPatch, 'version'>; window?: TimeWindow | null }>;
  conflicts: ImportConflict[];
  errors: RowError[];
}

export function exportedColumns(sheet: ReadSheet): OrderColumnKey[] {
  try {
    const cols = JSON.parse(sheet.meta.get('columns') ?? '[]') as unknown[];
    return cols.filter((c): c is OrderColumnKey => (ORDER_COLUMN_KEYS as readonly unknown[]).includes(c));
  } catch {
    return [];
  }
}

/** Without `windows` the 시간대 column is read-only (nothing to check a window against). */
export interface ReimportWindows {
  branch(branchId: string): BranchSlotsRef;
  locale: 'ko' | 'en';
}

function windowProblem(text: ExcelText, locale: 'ko' | 'en', r: CellRefusal): string {
  if (r.problem === 'rule' && r.rule) return statusProblemText(locale, r.rule);
  return r.problem === 'windowWithoutDate' ? problem(text, 'windowWithoutDate') : problem(text, 'timeWindow');
}

export function planReimport(
  sheet: ReadSheet,
  current: ReadonlyMap<string, OrderRow>,
  text: ExcelText,
  windows?: ReimportWindows,
): ReimportPlan {
  const plan: ReimportPlan = { updates: [], conflicts: [], errors: [] };
  const keys = exportedColumns(sheet);
  const idCol = sheet.headers.indexOf(ID_HEADER);
  const versionCol = sheet.headers.indexOf(VERSION_HEADER);
  for (const r of sheet.rows) {
    const id = r.cells[idCol] ?? '';
    const exportedVersion = Number(r.cells[versionCol]);
    const order = current.get(id);
    const header = (i: number) => sheet.headers[i] ?? '';
    if (!order) {
      plan.errors.push({ row: r.row, column: ID_HEADER, message: problem(text, 'unknownOrder') });
      continue;
    }
    const differing: Array<{ key: OrderColumnKey; index: number; sheet: string; now: string }> = [];
    keys.forEach((key, index) => {
      const value = r.cells[index] ?? '';
      const now = cellText(order, key);
      if (value.trim() !== now.trim()) differing.push({ key, index, sheet: value, now });
    });
    if (differing.length === 0) continue;
    if (order.version !== exportedVersion) {
      plan.conflicts.push({
        row: r.row,
        orderId: order.id,
        orderNo: order.orderNo,
        exportedVersion,
        currentVersion: order.version,
        fields: differing.map((d) => ({ field: header(d.index), sheet: d.sheet, current: d.now })),
      });
      continue;
    }
    let working = order;
    let patch: Omit<OrderPatch, 'version'> = {};
    let window: TimeWindow | null | undefined;
    for (const d of differing) {
      if (d.key === 'timeWindow' && windows) {
        // against the order as exported: the appointment change keeps the order's own date
        const w = cellWindow(order, d.sheet, windows.branch(order.branchId));
        if (!w.ok)
          plan.errors.push({ row: r.row, column: header(d.index), message: windowProblem(text, windows.locale, w) });
        else window = w.window;
        continue;
      }
      if (!isEditable(d.key)) {
        plan.errors.push({ row: r.row, column: header(d.index), message: problem(text, 'readOnly') });
        continue;
      }
      const p = cellPatch(working, d.key, d.sheet);
      if (!p.ok) {
        plan.errors.push({
          row: r.row,
          column: header(d.index),
          message:
            p.problem === 'readOnly' ? problem(text, 'readOnly') : problem(text, p.problem, { max: p.max ?? '' }),
        });
        continue;
      }
      if (!patchChanges(working, p.patch)) continue;
      patch = { ...patch, ...p.patch };
      working = { ...working, ...(p.patch as Partial<OrderRow>) };
    }
    if (Object.keys(patch).length > 0 || window !== undefined)
      plan.updates.push({ row: r.row, order, patch, ...(window !== undefined ? { window } : {}) });
  }
  return plan;
}
