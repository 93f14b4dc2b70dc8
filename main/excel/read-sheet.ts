// Reading an uploaded xlsx into plain text cells: Excel hands us numbers, dates, rich text, formulas and
// hyperlinks; everything becomes the text a clerk sees in the cell, dates as YYYY-MM-DD.
import ExcelJS from 'exceljs';

export interface SheetRow {
  /** 1-based row number as Excel shows it */
  row: number;
  cells: string[];
}
export interface ReadSheet {
  headers: string[];
  rows: SheetRow[];
  meta: Map<string, string>;
}

function isoDay(d: Date): string {
  // Excel dates carry no zone; exceljs reads them as UTC wall-clock time: a day, or a day and time (our exports
  // write Korean times so, domain/xlsx-layout.ts), which reads back as the grid shows it
  const iso = d.toISOString();
  return iso.slice(11, 16) === '00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

export function cellToText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return isoDay(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(6)));
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellToText(v.result as ExcelJS.CellValue);
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('error' in v) return '';
  }
  return String(v);
}

export async function readWorkbook(buffer: Buffer, metaSheet: string): Promise<ReadSheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  const meta = new Map<string, string>();
  const ms = wb.getWorksheet(metaSheet);
  ms?.eachRow((r) => meta.set(cellToText(r.getCell(1).value), cellToText(r.getCell(2).value)));
  const ws = wb.worksheets.find((w) => w.name !== metaSheet && w.state === 'visible') ?? wb.worksheets[0];
  if (!ws) return { headers: [], rows: [], meta };
  const headerRow = ws.getRow(1);
  const headers: string[] = [];
  for (let c = 1; c <= Math.max(headerRow.cellCount, ws.columnCount); c++)
    headers.push(cellToText(headerRow.getCell(c).value).trim());
  while (headers.length && headers[headers.length - 1] === '') headers.pop();
  const rows: SheetRow[] = [];
  ws.eachRow({ includeEmpty: false }, (r, n) => {
    if (n === 1) return;
    const cells = headers.map((_, i) => cellToText(r.getCell(i + 1).value).trim());
    if (cells.some((c) => c !== '')) rows.push({ row: n, cells });
  });
  return { headers, rows, meta };
}
