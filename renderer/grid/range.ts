// The grid's rectangular cell range, as Excel has it: an anchor (where the drag or Shift+arrows started, the
// active cell) and a focus (the opposite corner). Positions count the shown rows and the visible data columns
// (the tick and sync-status columns in front are not part of any range).

export interface CellPos {
  row: number;
  col: number;
}
export interface CellRange {
  anchor: CellPos;
  focus: CellPos;
}
export interface Rect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export function single(pos: CellPos): CellRange {
  return { anchor: pos, focus: pos };
}

export function rectOf(r: CellRange): Rect {
  return {
    top: Math.min(r.anchor.row, r.focus.row),
    bottom: Math.max(r.anchor.row, r.focus.row),
    left: Math.min(r.anchor.col, r.focus.col),
    right: Math.max(r.anchor.col, r.focus.col),
  };
}

export function cellCount(rect: Rect): number {
  return (rect.bottom - rect.top + 1) * (rect.right - rect.left + 1);
}

export function inRect(rect: Rect, row: number, col: number): boolean {
  return row >= rect.top && row <= rect.bottom && col >= rect.left && col <= rect.right;
}

/** Shift+arrow: the focus moves one cell, the anchor stays; the range never leaves the grid. */
export function extendRange(r: CellRange, dRow: number, dCol: number, size: { rows: number; cols: number }): CellRange {
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n - 1, v));
  return {
    anchor: r.anchor,
    focus: { row: clamp(r.focus.row + dRow, size.rows), col: clamp(r.focus.col + dCol, size.cols) },
  };
}

/** The cells' text of a rectangle, row by row (what Ctrl+C puts on the clipboard). */
export function rectMatrix<R, K>(
  rect: Rect,
  rows: readonly R[],
  columns: readonly K[],
  text: (row: R, key: K) => string,
) {
  const out: string[][] = [];
  for (let r = rect.top; r <= rect.bottom; r++) {
    const row = rows[r];
    if (!row) break;
    out.push(columns.slice(rect.left, rect.right + 1).map((k) => text(row, k)));
  }
  return out;
}

/**
 * What a paste writes, from the selected range's top-left: the block as copied; a single copied value over a
 * larger selection fills all of it (Excel does the same).
 */
export function pasteBlock(rect: Rect, matrix: string[][]): string[][] {
  if (matrix.length === 1 && matrix[0]!.length === 1 && cellCount(rect) > 1) {
    const v = matrix[0]![0]!;
    return Array.from({ length: rect.bottom - rect.top + 1 }, () =>
      Array.from({ length: rect.right - rect.left + 1 }, () => v),
    );
  }
  return matrix;
}

/** The rectangle a block covers when it lands with its top-left on `at`. */
export function blockRect(at: CellPos, matrix: string[][]): Rect {
  const width = Math.max(1, ...matrix.map((r) => r.length));
  return { top: at.row, left: at.col, bottom: at.row + Math.max(1, matrix.length) - 1, right: at.col + width - 1 };
}
