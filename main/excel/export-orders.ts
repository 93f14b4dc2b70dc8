// The orders grid's current view as xlsx, written with exceljs's streaming writer so 100k rows stay within a small,
// flat memory budget: the rows are filtered and sorted exactly as the grid does (domain/order-view.ts), in the
// grid's column order, with its headers. Two hidden columns (order id and version) and a hidden sheet describing
// the export let a re-import of the edited file find the orders that changed at head office in the meantime.
import ExcelJS from 'exceljs';
import type { OrderRow } from '../../domain/client-api.js';
import { applyOrderView, cellText, type OrderColumnKey, type OrderViewSpec } from '../../domain/order-view.js';

export const EXPORT_META_SHEET = '_dispatch_export';
export const EXPORT_KIND = 'dispatch-orders-export/1';
export const ID_HEADER = '_id';
export const VERSION_HEADER = '_version';

const WIDTH: Partial<Record<OrderColumnKey, number>> = {
  orderNo: 18,
  status: 10,
  customerName: 12,
  customerPhone: 16,
  city: 14,
  address: 34,
  vendor: 14,
  installerName: 10,
  appointmentDate: 12,
  timeWindow: 13,
  promisedDate: 12,
  items: 36,
  remarks: 30,
  updatedAt: 17,
  createdAt: 17,
};

export interface ExportArgs {
  rows: readonly OrderRow[];
  view: OrderViewSpec;
  columns: readonly OrderColumnKey[];
  headers: Partial<Record<OrderColumnKey, string>>;
  path: string;
  sheetName: string;
  exportedAt?: Date;
}

export async function writeOrdersXlsx(args: ExportArgs): Promise<{ rows: number }> {
  const shown = applyOrderView(args.rows, args.view);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: args.path, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet(args.sheetName.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    ...args.columns.map((k) => ({ header: args.headers[k] ?? k, key: k, width: WIDTH[k] ?? 14 })),
    { header: ID_HEADER, key: ID_HEADER, width: 38, hidden: true },
    { header: VERSION_HEADER, key: VERSION_HEADER, width: 8, hidden: true },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for (const r of shown) {
    const values: Record<string, string | number> = {};
    for (const k of args.columns) values[k] = cellText(r, k);
    values[ID_HEADER] = r.id;
    values[VERSION_HEADER] = r.version;
    ws.addRow(values).commit();
  }
  ws.commit();
  const meta = wb.addWorksheet(EXPORT_META_SHEET, { state: 'veryHidden' });
  meta.addRow(['kind', EXPORT_KIND]).commit();
  meta.addRow(['exportedAt', (args.exportedAt ?? new Date()).toISOString()]).commit();
  meta.addRow(['columns', JSON.stringify(args.columns)]).commit();
  meta.commit();
  await wb.commit();
  return { rows: shown.length };
}
