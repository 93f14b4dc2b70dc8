// How an exported sheet is laid out and printed, the same for the branch client's and the head office's xlsx:
// a frozen, filterable header; landscape, one page wide, the header row on every page, page numbers; dates as
// Excel dates (so they sort, filter and compute as dates), everything else as text (phone numbers keep their
// leading 0). Plain data for exceljs's worksheet options, so both sides build their sheets from it.

/** How a column's cells are written: text, an Excel date, a date and time, or a number. */
export type XlsxKind = 'text' | 'date' | 'datetime' | 'number';

export const XLSX_FORMAT: Record<XlsxKind, string> = {
  text: '@',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm',
  number: '0',
};

/** exceljs addWorksheet options for a sheet whose first row is the header over `columns` columns. */
export function sheetOptions(columns: number, pageLabel: string) {
  return {
    views: [{ state: 'frozen' as const, ySplit: 1 }],
    pageSetup: {
      orientation: 'landscape' as const,
      paperSize: 9, // A4
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: `&C${pageLabel} &P / &N`, evenFooter: `&C${pageLabel} &P / &N` },
    autoFilter: { from: { row: 1, column: 1 }, to: { row: 1, column: Math.max(1, columns) } },
  };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const STAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A cell's value from the text the grid shows (domain/order-view.ts cellText): a date (or Korean date and time)
 * becomes a Date whose UTC fields are the wall-clock ones, which is how exceljs writes a zone-less Excel date;
 * read back, it gives the same text. Text that is not a date stays text.
 */
export function xlsxValue(kind: XlsxKind, text: string | null | undefined): string | number | Date | null {
  if (text === null || text === undefined || text === '') return null;
  if (kind === 'date') {
    const m = DAY.exec(text);
    return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : text;
  }
  if (kind === 'datetime') {
    const m = STAMP.exec(text);
    return m
      ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)))
      : text;
  }
  if (kind === 'number') {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n : text;
  }
  return text;
}
