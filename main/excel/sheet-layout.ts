// Where a vendor's table starts. Sheets made by people put a title (often merged across the table), the vendor's
// name, a date or blank rows above the header row. The header row is the one among the first rows that names the
// most order fields in words vendors use; when none does, the first row as wide as the table whose cells are all
// words (a data row has numbers and dates).
import type { SheetRow } from './read-sheet.js';

const SCAN_ROWS = 30;

function looksLikeValue(text: string): boolean {
  return /^[-+]?[\d,.]+$/.test(text) || /^\d{4}[-./]\d{1,2}[-./]\d{1,2}/.test(text);
}

export function findHeaderRow(
  rows: readonly SheetRow[],
  hiddenColumns: ReadonlySet<number>,
  isHeaderWord: (text: string) => boolean,
): { row: number } {
  const top = rows.slice(0, SCAN_ROWS).map((r) => {
    const shown = r.cells.filter((c, i) => c !== '' && !hiddenColumns.has(i + 1));
    return {
      row: r.row,
      filled: shown.length,
      known: shown.filter(isHeaderWord).length,
      words: shown.every((c) => !looksLikeValue(c)),
    };
  });
  if (top.length === 0) return { row: 1 };
  // a title, merged or not, is one cell: a header names at least two columns
  const tableLike = top.filter((t) => t.filled >= 2);
  const best = [...tableLike].sort((a, b) => b.known - a.known || b.filled - a.filled || a.row - b.row)[0];
  if (best && best.known >= 2) return { row: best.row };
  const widest = Math.max(...top.map((t) => t.filled));
  const wordy = tableLike.find((t) => t.words && t.filled >= Math.max(2, Math.ceil(widest * 0.6)));
  return { row: (wordy ?? tableLike[0] ?? top[0]!).row };
}
