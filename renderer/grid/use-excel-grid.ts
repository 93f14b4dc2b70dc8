// The orders grid's Excel behaviour, outside the screen component: the rectangular range (mouse drag, Shift+click,
// Shift+arrows), Ctrl+C of the range or of the ticked rows, Ctrl+V of a block from Excel (all cells checked as
// inline edits, applied all together or refused with the list of bad cells), Delete of a range, Ctrl+Z.
import { type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CellKeyboardEvent, CellMouseEvent, DataGridHandle } from 'react-data-grid';
import type { OrderRow } from '../../domain/order-row.js';
import { cellText, type OrderColumnKey } from '../../domain/order-view.js';
import { i18next } from '../i18n/index.js';
import { useUi } from '../stores/ui.js';
import { cellProblemText } from './cell-problem.js';
import { parseTsv, toTsv } from './clipboard.js';
import { applyEdits, branchSlots, undoLastEdit } from './edits.js';
import { cellAt, gridOwnsEvent } from './excel-keys.js';
import { type PastePlan, planPaste } from './paste.js';
import {
  blockRect,
  type CellRange,
  cellCount,
  extendRange,
  pasteBlock,
  type Rect,
  rectMatrix,
  rectOf,
  single,
} from './range.js';

/** The grid's columns in front of the data columns (tick box, sync status) and rows above the data (header, filters). */
export const FIRST_DATA_IDX = 2;
export const FIRST_ROW_ARIA = 3;

export interface GridProblems {
  title: string;
  items: Array<{ orderNo: string; column: string | null; message: string }>;
}

const CLIPBOARD_KEYS = new Set(['c', 'v', 'x', 'z']);

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

export function useExcelGrid(opts: {
  shown: readonly OrderRow[];
  visible: readonly OrderColumnKey[];
  ticked: ReadonlySet<string>;
  gridRef: RefObject<DataGridHandle | null>;
  wrapRef: RefObject<HTMLDivElement | null>;
}) {
  const { shown, visible, ticked, gridRef, wrapRef } = opts;
  const [range, setRange] = useState<CellRange | null>(null);
  const [problems, setProblems] = useState<GridProblems | null>(null);
  const dragging = useRef(false);
  const rect: Rect | null = range ? rectOf(range) : null;
  const t = i18next.t.bind(i18next);

  // the range as plain numbers, so the cells' class function changes only when the range does
  const top = rect?.top ?? -1;
  const bottom = rect?.bottom ?? -1;
  const left = rect?.left ?? -1;
  const right = rect?.right ?? -1;
  const multi = rect !== null && cellCount(rect) > 1;

  /** The ids of the rows the range covers (cells look themselves up while rendering). */
  const rangeRows = useMemo(
    () => (multi ? new Set(shown.slice(top, bottom + 1).map((r) => r.id)) : null),
    [multi, top, bottom, shown],
  );

  const inRange = useCallback(
    (rowId: string, key: OrderColumnKey) => {
      if (!rangeRows?.has(rowId)) return false;
      const col = visible.indexOf(key);
      return col >= left && col <= right;
    },
    [left, right, rangeRows, visible],
  );

  const problemsOf = (plan: PastePlan) =>
    plan.errors.map((e) => ({
      orderNo: e.orderNo,
      column: t(`columns.${e.column}`),
      message: cellProblemText(e.refusal),
    }));

  async function apply(plan: PastePlan, done: (count: number) => string) {
    const failures = await applyEdits(plan.edits);
    if (failures.length > 0)
      setProblems({ title: t('grid.saveFailed'), items: failures.map((f) => ({ ...f, column: null })) });
    else useUi.getState().toast('success', done(plan.cells));
  }

  // the latest state for the document-level listeners below
  const latest = useRef({ shown, visible, ticked, range });
  latest.current = { shown, visible, ticked, range };

  function copyMatrix(): { matrix: string[][]; note: string | null } | null {
    const { shown, visible, ticked, range } = latest.current;
    const r = range ? rectOf(range) : null;
    if (r && cellCount(r) > 1) {
      const matrix = rectMatrix(r, shown, visible, cellText);
      return { matrix, note: t('grid.rangeCopied', { count: cellCount(r) }) };
    }
    const picked = ticked.size > 0 ? shown.filter((row) => ticked.has(row.id)) : [];
    if (picked.length > 0) {
      const header = visible.map((k) => t(`columns.${k}`));
      return {
        matrix: [header, ...picked.map((row) => visible.map((k) => cellText(row, k)))],
        note: t('grid.copied', { count: picked.length }),
      };
    }
    if (!r) return null;
    const row = shown[r.top];
    const key = visible[r.left];
    return row && key ? { matrix: [[cellText(row, key)]], note: null } : null;
  }

  async function paste(text: string) {
    const { shown, visible, range } = latest.current;
    if (!range) return;
    const matrix = parseTsv(text);
    // a block copied from this grid's ticked rows starts with the header row: skip it
    if (matrix[0] && matrix[0].join('\t') === visible.map((k) => t(`columns.${k}`)).join('\t')) matrix.shift();
    if (matrix.length === 0) return;
    const r = rectOf(range);
    const block = pasteBlock(r, matrix);
    const plan = planPaste(block, shown, visible, { row: r.top, col: r.left }, { branch: branchSlots });
    const width = Math.max(...block.map((x) => x.length));
    if (plan.outside) {
      setProblems({ title: t('grid.pasteOutside', { rows: block.length, cols: width }), items: [] });
      return;
    }
    if (plan.errors.length > 0) {
      setProblems({ title: t('grid.pasteRefused', { count: plan.errors.length }), items: problemsOf(plan) });
      return;
    }
    setProblems(null);
    const landed = blockRect({ row: r.top, col: r.left }, block);
    setRange({ anchor: { row: landed.top, col: landed.left }, focus: { row: landed.bottom, col: landed.right } });
    if (plan.edits.length === 0) {
      useUi.getState().toast('info', t('grid.pasteNothing'));
      return;
    }
    await apply(plan, (count) => t('grid.pasted', { count }));
  }

  async function clearRange() {
    const { shown, visible, range } = latest.current;
    if (!range) return;
    const r = rectOf(range);
    const blank = Array.from({ length: r.bottom - r.top + 1 }, () =>
      Array.from({ length: r.right - r.left + 1 }, () => ''),
    );
    const plan = planPaste(
      blank,
      shown,
      visible,
      { row: r.top, col: r.left },
      { readOnly: 'skip', branch: branchSlots },
    );
    if (plan.errors.length > 0) {
      setProblems({ title: t('grid.clearRefused', { count: plan.errors.length }), items: problemsOf(plan) });
      return;
    }
    setProblems(null);
    if (plan.edits.length > 0) await apply(plan, (count) => t('grid.cleared', { count }));
  }

  useEffect(() => {
    const onCopy = (e: ClipboardEvent) => {
      if (!gridOwnsEvent(e.target, wrapRef.current) || !e.clipboardData) return;
      const copied = copyMatrix();
      if (!copied) return;
      e.preventDefault();
      e.clipboardData.setData('text/plain', toTsv(copied.matrix));
      if (copied.note) useUi.getState().toast('info', copied.note);
    };
    const onPaste = (e: ClipboardEvent) => {
      const wrap = wrapRef.current;
      if (!wrap || !(e.target instanceof Element) || !wrap.contains(e.target)) return;
      if (!gridOwnsEvent(e.target, wrap) || !e.clipboardData) return;
      e.preventDefault();
      void paste(e.clipboardData.getData('text/plain'));
    };
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z' || e.shiftKey) return;
      if (!gridOwnsEvent(e.target, wrapRef.current)) return;
      e.preventDefault();
      setProblems(null);
      void undoLastEdit();
    };
    const stopDrag = () => {
      dragging.current = false;
    };
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    document.addEventListener('keydown', onKey);
    window.addEventListener('mouseup', stopDrag);
    return () => {
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
      document.removeEventListener('keydown', onKey);
      window.removeEventListener('mouseup', stopDrag);
    };
  });

  return {
    range,
    inRange,
    problems,
    dismissProblems: () => setProblems(null),
    clearRange: () => setRange(null),
    /** The active cell moved (click, arrows, Tab): the range starts over there. */
    onActivePositionChange(rowIdx: number, idx: number) {
      const col = idx - FIRST_DATA_IDX;
      setRange(rowIdx >= 0 && col >= 0 ? single({ row: rowIdx, col }) : null);
    },
    onCellMouseDown(args: { column: { idx: number }; rowIdx: number }, e: CellMouseEvent) {
      const col = args.column.idx - FIRST_DATA_IDX;
      if (e.button !== 0 || col < 0 || args.rowIdx < 0) return;
      if (e.shiftKey && range) {
        // Shift+click: the range reaches to here, the active cell stays where it was
        e.preventGridDefault();
        e.preventDefault();
        setRange({ anchor: range.anchor, focus: { row: args.rowIdx, col } });
        return;
      }
      dragging.current = true;
    },
    /** Mouse drag over the cells (the button held since a mouse-down on a cell). */
    onMouseMove(e: React.MouseEvent<HTMLDivElement>) {
      if (!dragging.current || (e.buttons & 1) === 0) return;
      const at = cellAt(e.target as Element, FIRST_ROW_ARIA, FIRST_DATA_IDX);
      if (!at) return;
      e.preventDefault();
      setRange((r) =>
        r && (r.focus.row !== at.row || r.focus.col !== at.col) ? { anchor: r.anchor, focus: at } : (r ?? single(at)),
      );
    },
    /** Keys on an active cell (react-data-grid's onCellKeyDown); true when the grid's own handling must not run. */
    onCellKeyDown(e: CellKeyboardEvent): boolean {
      if ((e.ctrlKey || e.metaKey) && CLIPBOARD_KEYS.has(e.key.toLowerCase())) {
        // copy, paste and undo are the clipboard's and the document's: the grid must not open an editor for Ctrl+V
        e.preventGridDefault();
        return true;
      }
      const step = ARROWS[e.key];
      if (step && e.shiftKey && range) {
        e.preventGridDefault();
        e.preventDefault();
        const next = extendRange(range, step[0], step[1], { rows: shown.length, cols: visible.length });
        setRange(next);
        gridRef.current?.scrollToCell({ idx: next.focus.col + FIRST_DATA_IDX, rowIdx: next.focus.row });
        return true;
      }
      if (e.key === 'Delete' && range) {
        e.preventGridDefault();
        e.preventDefault();
        void clearRange();
        return true;
      }
      if (e.key === 'Escape') setProblems(null);
      return false;
    },
  };
}
