// The grid's time-window cell: a list of the order's branch slots (components/TimeWindowSelect.tsx). Arrow keys
// move through the list, Enter or Tab applies the choice as an appointment change on the same date (the local
// services and the head office check it by the same rule) through the grid's edit path (grid/edits.ts, one undo
// step), Escape leaves the cell as it was. A window pasted as text goes through grid/paste.ts instead. The list is an open
// list box (select size=n) laid over the cell, not a drop-down: the Enter that opened the editor would otherwise
// open the drop-down's popup, which takes the keys away from the page.
import { useLayoutEffect, useRef, useState } from 'react';
import type { RenderEditCellProps } from 'react-data-grid';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { slotKey, slotText } from '../../domain/appointment-slots.js';
import type { OrderRow } from '../../domain/order-row.js';
import { EDITABLE_COLUMNS, formatTimeWindow, type OrderColumnKey } from '../../domain/order-view.js';
import { currentPick, pickedWindow, useBranchSlots } from '../components/TimeWindowSelect.js';
import { useOrders } from '../stores/orders.js';
import { applyEdits } from './edits.js';
import { TIME_WINDOW_COLUMN } from './paste.js';

/** The grid's editable cells: the field table's (EDITABLE_COLUMNS) and the time window. */
export function gridEditable(key: string | undefined): boolean {
  return key === TIME_WINDOW_COLUMN || EDITABLE_COLUMNS.includes(key as OrderColumnKey);
}

export function TimeWindowEditor({ row, onClose }: RenderEditCellProps<OrderRow, { id: 'filter' }>) {
  const { t } = useTranslation();
  const b = useBranchSlots(row.branchId);
  const initial = currentPick(row.appointmentTimeWindow, b);
  const [pick, setPick] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);

  async function commit() {
    if (pick === initial) {
      onClose(false, true);
      return;
    }
    const current = useOrders.getState().rows.find((r) => r.id === row.id) ?? row;
    if (!current.appointmentDate) {
      setProblem(t('detail.windowNeedsDate'));
      return;
    }
    const timeWindow = pickedWindow(pick, current.appointmentDate, b);
    // the grid's one edit path: the drawer's orders:appointment on the same date, and a step Ctrl+Z undoes
    const [failure] =
      timeWindow === undefined ? [] : await applyEdits([{ row: current, patch: {}, window: timeWindow }]);
    if (failure) {
      setProblem(failure.message);
      return;
    }
    onClose(false, true);
  }

  const anchor = useRef<HTMLSpanElement>(null);
  const [at, setAt] = useState<{ top: number; left: number; width: number } | null>(null);
  useLayoutEffect(() => {
    const r = anchor.current?.getBoundingClientRect();
    if (r) setAt({ top: r.top, left: r.left, width: r.width });
  }, []);
  const count = b.slots.length + (initial === '' ? 1 : 0) + (row.appointmentTimeWindow ? 1 : 0);

  const list = at && (
    <div className="window-list" style={{ top: at.top, left: at.left, minWidth: Math.max(at.width, 170) }}>
      <select
        size={count}
        className={`cell-editor ${problem ? 'invalid' : ''}`}
        // biome-ignore lint/a11y/noAutofocus: the editor opens because the user asked to edit this cell
        autoFocus
        value={pick}
        aria-label={t('detail.timeWindow')}
        aria-invalid={problem ? true : undefined}
        data-testid="window-editor"
        onChange={(e) => {
          setPick(e.target.value);
          setProblem(null);
        }}
        onKeyDown={(e) => {
          // the list's own keys (arrows, letters) stay with it, not with the grid's cell navigation
          e.stopPropagation();
          if (e.key === 'Enter' || e.key === 'Tab') {
            e.preventDefault();
            void commit();
          } else if (e.key === 'Escape') {
            onClose(false, true);
          }
        }}
        onBlur={() => void commit()}
      >
        {initial === '' && (
          <option value="">{row.appointmentTimeWindow ? formatTimeWindow(row.appointmentTimeWindow) : '—'}</option>
        )}
        {b.slots.map((s) => (
          <option key={slotKey(s)} value={slotKey(s)}>
            {slotText(s)}
          </option>
        ))}
        {row.appointmentTimeWindow && <option value="none">{t('detail.noWindow')}</option>}
      </select>
      {problem && (
        <span className="cell-problem" role="alert" data-testid="window-problem">
          {problem}
        </span>
      )}
    </div>
  );
  return (
    <span ref={anchor} className="cell-select">
      {row.appointmentTimeWindow ? formatTimeWindow(row.appointmentTimeWindow) : ''}
      {list && createPortal(list, document.body)}
    </span>
  );
}
