// The 해피콜 list as an xlsx: the rows the screen and the PDF show (main/print/happy-call-list.ts), laid out like
// every export of ours (domain/xlsx-layout.ts: frozen, filterable header; landscape, one page wide).
import ExcelJS from 'exceljs';
import type { HappyCallRow } from '../../domain/client-api.js';
import { sheetOptions, XLSX_FORMAT, xlsxValue } from '../../domain/xlsx-layout.js';
import { HAPPY_CALL_COLUMNS, happyCallCells, happyCallHeaders, happyCallText } from '../print/happy-call-list.js';

export async function writeHappyCallXlsx(
  date: string,
  rows: readonly HappyCallRow[],
  path: string,
  locale: 'ko' | 'en',
): Promise<{ rows: number }> {
  const t = happyCallText(locale);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet(
    `${t.sheetTitle} ${date}`.slice(0, 31),
    sheetOptions(HAPPY_CALL_COLUMNS.length, t.sheetTitle),
  );
  const headers = happyCallHeaders(locale);
  ws.columns = HAPPY_CALL_COLUMNS.map((c) => ({ header: headers[c.key], key: c.key, width: c.width }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  const style = { numFmt: XLSX_FORMAT.text } as Partial<ExcelJS.Style>;
  const number = { numFmt: XLSX_FORMAT.number } as Partial<ExcelJS.Style>;
  const cells = happyCallCells(rows, locale);
  for (const r of cells) {
    const row = ws.addRow(HAPPY_CALL_COLUMNS.map((c) => xlsxValue(c.key === 'no' ? 'number' : 'text', r[c.key])));
    for (let i = 1; i <= HAPPY_CALL_COLUMNS.length; i++) row.getCell(i).style = i === 1 ? number : style;
    row.commit();
  }
  ws.commit();
  await wb.commit();
  return { rows: cells.length };
}
