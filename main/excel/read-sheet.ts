// Reading an uploaded xlsx into plain text cells: Excel hands us numbers, dates, rich text, formulas and
// hyperlinks; everything becomes the text a clerk sees in the cell, dates as YYYY-MM-DD, formulas as their values.
// The file is checked against the import limits first (xlsx-guard.ts), then read with exceljs's streaming reader:
// only the cells' text is kept, never exceljs's cell objects for the whole workbook.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ImportSheet } from '../../domain/client-api.js';
import { findHeaderRow } from './sheet-layout.js';
import { inspectXlsx } from './xlsx-guard.js';

export interface SheetRow {
  /** 1-based row number as Excel shows it */
  row: number;
  cells: string[];
}
/** One sheet as the import reads it: the header row found, the data rows below it. */
export interface ReadSheet {
  name: string;
  /** 1-based row of the header row */
  headerRow: number;
  headers: string[];
  /** headers of hidden columns */
  hiddenHeaders: string[];
  rows: SheetRow[];
  meta: Map<string, string>;
  /** the workbook's visible sheets */
  sheets: ImportSheet[];
}
/** A workbook's sheets as read: every non-empty row, from the top. */
export interface RawSheet {
  name: string;
  hidden: boolean;
  rows: SheetRow[];
  hiddenColumns: ReadonlySet<number>;
}
export interface ReadBook {
  sheets: RawSheet[];
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
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : isoDay(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(6)));
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text ?? '').join('');
    if ('result' in v) return cellToText(v.result as ExcelJS.CellValue);
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('error' in v) return '';
  }
  return String(v);
}

/** A number format that shows a date (quoted text and [colour] parts aside). */
function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  const bare = fmt.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[ymd]/i.test(bare) && !/^[#0.,%\s]*$/.test(bare);
}

const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

function cellText(cell: ExcelJS.Cell): string {
  const v = cell.value;
  // the streaming reader turns date-formatted numbers into dates, but not a formula's date result
  if (v && typeof v === 'object' && 'formula' in v && typeof v.result === 'number' && isDateFormat(cell.numFmt))
    return isoDay(new Date(EXCEL_EPOCH + Math.round(v.result * 86_400_000)));
  return cellToText(v).trim();
}

/** Reads every sheet's non-empty rows as text; throws XlsxLimitError for a file over the import limits. */
export async function readBook(
  buffer: Buffer,
  metaSheet: string,
  onRow?: (done: number, total: number) => void,
): Promise<ReadBook> {
  const shapes = await inspectXlsx(buffer);
  // the guard counted every sheet's rows from its XML: the total a progress bar needs, known before parsing
  const total = shapes.reduce((n, x) => n + x.rows, 0);
  let done = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const sheets: RawSheet[] = [];
  const meta = new Map<string, string>();
  for await (const ws of reader) {
    const { name, state } = ws as unknown as { name: string; state?: string };
    const rows: SheetRow[] = [];
    for await (const r of ws) {
      onRow?.(++done, total);
      const cells: string[] = [];
      r.eachCell({ includeEmpty: false }, (cell, col) => {
        cells[col - 1] = cellText(cell);
      });
      for (let i = 0; i < cells.length; i++) cells[i] ??= '';
      while (cells.length && cells[cells.length - 1] === '') cells.pop();
      if (cells.length) rows.push({ row: r.number, cells });
    }
    if (name === metaSheet) {
      for (const r of rows) meta.set(r.cells[0] ?? '', r.cells[1] ?? '');
      continue;
    }
    const shape = shapes.find((s) => s.name === name);
    sheets.push({
      name,
      hidden: state !== undefined && state !== 'visible',
      rows,
      hiddenColumns: shape?.hiddenColumns ?? new Set(),
    });
  }
  return { sheets, meta };
}

function sheetWithHeaderAt(sheet: RawSheet, headerRow: number): Omit<ReadSheet, 'meta' | 'sheets'> {
  const header = sheet.rows.find((r) => r.row === headerRow);
  const headers = (header?.cells ?? []).map((h) => h.trim());
  const hiddenHeaders = headers.filter((h, i) => h && sheet.hiddenColumns.has(i + 1));
  const width = headers.length;
  const rows = sheet.rows
    .filter((r) => r.row > headerRow)
    .map((r) => ({ row: r.row, cells: Array.from({ length: width }, (_, i) => r.cells[i] ?? '') }))
    .filter((r) => r.cells.some((c) => c !== ''));
  return { name: sheet.name, headerRow, headers, hiddenHeaders, rows };
}

/**
 * The sheet to import: the one named, else the one whose header row names the most order fields (then the most
 * rows). Our own export (`kind` in the meta sheet) has its header in row 1 of its first sheet.
 */
export function chooseSheet(
  book: ReadBook,
  isHeaderWord: (text: string) => boolean,
  wanted?: string,
): ReadSheet | null {
  const visible = book.sheets.filter((s) => !s.hidden);
  const candidates = visible.length ? visible : book.sheets;
  const ours = book.meta.size > 0;
  const read = candidates.map((s) =>
    sheetWithHeaderAt(s, ours ? 1 : findHeaderRow(s.rows, s.hiddenColumns, isHeaderWord).row),
  );
  const sheets = read.map((s) => ({ name: s.name, rows: s.rows.length }));
  const score = (s: (typeof read)[number]) => s.headers.filter((h) => h && isHeaderWord(h)).length;
  let chosen = wanted !== undefined ? read.find((s) => s.name === wanted) : undefined;
  if (!chosen && ours) chosen = read[0];
  chosen ??= [...read].sort((a, b) => score(b) - score(a) || b.rows.length - a.rows.length)[0];
  if (!chosen) return null;
  return { ...chosen, meta: book.meta, sheets };
}

/** The sheet to import from an xlsx file (see chooseSheet). */
export async function readWorkbook(
  buffer: Buffer,
  metaSheet: string,
  isHeaderWord: (text: string) => boolean = () => false,
  wanted?: string,
): Promise<ReadSheet> {
  const book = await readBook(buffer, metaSheet);
  return (
    chooseSheet(book, isHeaderWord, wanted) ?? {
      name: '',
      headerRow: 1,
      headers: [],
      hiddenHeaders: [],
      rows: [],
      meta: book.meta,
      sheets: [],
    }
  );
}
