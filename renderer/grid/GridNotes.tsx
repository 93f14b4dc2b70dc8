// What the grid says next to the clerk's work: a refused cell edit's message under the cell (visible text, not only
// a tooltip), and the list of cells a paste or Delete refused, by order number and column.
import { type RefObject, useLayoutEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { GridProblems } from './use-excel-grid.js';

export const CELL_MESSAGE_ID = 'cell-editor-message';

/** Drawn over the page (cells clip their content), just under the cell being edited. */
export function CellMessage({ anchor, text }: { anchor: RefObject<HTMLElement | null>; text: string }) {
  const [at, setAt] = useState<{ left: number; top: number; minWidth: number } | null>(null);
  useLayoutEffect(() => {
    const r = anchor.current?.getBoundingClientRect();
    if (r) setAt({ left: r.left, top: r.bottom + 2, minWidth: r.width });
  }, [anchor]);
  if (!at) return null;
  return createPortal(
    <div id={CELL_MESSAGE_ID} className="cell-message" role="alert" data-testid="cell-message" style={at}>
      {text}
    </div>,
    document.body,
  );
}

export function GridProblemList({ problems, onClose }: { problems: GridProblems; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="grid-problems" role="alert" data-testid="grid-problems">
      <div className="grid-problems-head">
        <strong>{problems.title}</strong>
        <button type="button" className="btn ghost" onClick={onClose}>
          {t('grid.closeProblems')}
        </button>
      </div>
      {problems.items.length > 0 && (
        <ul>
          {problems.items.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole, never reordered
            <li key={i}>
              <b>{p.orderNo}</b>
              {p.column && ` · ${p.column}`}: {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
