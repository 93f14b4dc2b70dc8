// The Excel-style orders grid: the whole local mirror, virtualized (react-data-grid renders only the visible rows),
// per-column filters in a pinned row under the header, multi-column sort, multi-select, keyboard navigation,
// inline edits validated by the domain schemas, saved views per user, and Excel's ways with cells (cell ranges,
// copy/paste of blocks, Delete, Ctrl+Z: renderer/grid/use-excel-grid.ts).
import { type KeyboardEvent, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import {
  type Column,
  DataGrid,
  type DataGridHandle,
  type RenderEditCellProps,
  SelectColumn,
  type SortColumn,
} from 'react-data-grid';
import { useTranslation } from 'react-i18next';
import { cellPatch, cellToggle } from '../../domain/order-cell-edit.js';
import { orderColumn } from '../../domain/order-fields.js';
import type { OrderRow } from '../../domain/order-row.js';
import { ORDER_STATUSES, type OrderStatus, STATUS_TONE } from '../../domain/order-status.js';
import {
  cellText,
  createOrderViewEngine,
  formatStreet,
  type OrderColumnKey,
  type OrderViewSpec,
} from '../../domain/order-view.js';
import { OrderSyncMarker, useIssueOrderIds } from '../components/FailuresList.js';
import { OlderOrders } from '../components/OlderOrders.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { cellProblemText } from '../grid/cell-problem.js';
import { applyEdits } from '../grid/edits.js';
import { CELL_MESSAGE_ID, CellMessage, GridProblemList } from '../grid/GridNotes.js';
import {
  DEFAULT_WIDTHS,
  defaultLayout,
  moveColumn,
  resizeColumn,
  toggleColumn,
  visibleColumns,
} from '../grid/layout.js';
import { TIME_WINDOW_COLUMN } from '../grid/paste.js';
import { gridEditable, TimeWindowEditor } from '../grid/TimeWindowEditor.js';
import { useExcelGrid } from '../grid/use-excel-grid.js';
import { ViewsMenu } from '../grid/ViewsMenu.js';
import { errorText } from '../i18n/index.js';
import { call, saveFile } from '../platform/api.js';
import { useOrders, viewSpec } from '../stores/orders.js';
import { useUi } from '../stores/ui.js';

type FilterRow = { id: 'filter' };
type QuickKind = 'all' | 'unassigned' | 'assigned';

function editText(row: OrderRow, key: OrderColumnKey): string {
  return key === 'address' ? formatStreet(row.address) : cellText(row, key);
}

function CellEditor({
  row,
  column,
  onClose,
  save,
}: RenderEditCellProps<OrderRow, FilterRow> & {
  save: (row: OrderRow, key: OrderColumnKey, text: string) => Promise<string | null>;
}) {
  const key = column.key as OrderColumnKey;
  const [value, setValue] = useState(() => editText(row, key));
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  async function commit() {
    if (value === editText(row, key)) {
      onClose(false, true);
      return;
    }
    const check = cellPatch(row, key, value);
    if (!check.ok) {
      setProblem(cellProblemText(check));
      return;
    }
    const err = await save(row, key, value);
    if (err) setProblem(err);
    else onClose(false, true);
  }
  return (
    <>
      <input
        ref={input}
        className={`rdg-text-editor cell-editor ${problem ? 'invalid' : ''}`}
        // biome-ignore lint/a11y/noAutofocus: the editor opens because the user asked to edit this cell
        autoFocus
        value={value}
        title={problem ?? undefined}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? CELL_MESSAGE_ID : undefined}
        data-testid="cell-editor"
        onChange={(e) => {
          setValue(e.target.value);
          setProblem(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === 'Tab') {
            e.preventDefault();
            e.stopPropagation();
            void commit();
          } else if (e.key === 'Escape') {
            e.stopPropagation();
            onClose(false, true);
          }
        }}
        onBlur={() => void commit()}
      />
      {problem && <CellMessage anchor={input} text={problem} />}
    </>
  );
}

/** Space or a click on a boolean cell (the notice opt-out): flips it through the grid's one edit path. */
async function toggleCell(row: OrderRow, key: OrderColumnKey): Promise<void> {
  const current = useOrders.getState().rows.find((r) => r.id === row.id) ?? row;
  const p = cellToggle(current, key);
  if (!p.ok) return;
  const [failure] = await applyEdits([{ row: current, patch: p.patch }]);
  if (failure) useUi.getState().toast('error', failure.message);
}

async function saveCell(row: OrderRow, key: OrderColumnKey, text: string): Promise<string | null> {
  const current = useOrders.getState().rows.find((r) => r.id === row.id) ?? row;
  const p = cellPatch(current, key, text);
  if (!p.ok) return cellProblemText(p);
  const [failure] = await applyEdits([{ row: current, patch: p.patch }]);
  return failure ? failure.message : null;
}

export function OrdersGrid() {
  const { t } = useTranslation();
  const issues = useIssueOrderIds();
  const rows = useOrders((s) => s.rows);
  const loaded = useOrders((s) => s.loaded);
  const sort = useOrders((s) => s.sort);
  const filters = useOrders((s) => s.filters);
  const statuses = useOrders((s) => s.statuses);
  const pendingOnly = useOrders((s) => s.pendingOnly);
  const layout = useOrders((s) => s.layout);
  const [quickKind, setQuickKind] = useState<QuickKind>('all');
  const [quickDate, setQuickDate] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [busy, setBusy] = useState(false);
  const gridRef = useRef<DataGridHandle>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const engine = useMemo(() => createOrderViewEngine(), []);
  const toast = useUi((s) => s.toast);

  const spec: OrderViewSpec = useMemo(() => {
    const base = viewSpec({ sort, filters, statuses, quick: undefined, pendingOnly });
    if (quickKind !== 'all') return { ...base, quick: { kind: quickKind, ...(quickDate ? { date: quickDate } : {}) } };
    if (quickDate) return { ...base, filters: { ...filters, appointmentDate: quickDate } };
    return base;
  }, [sort, filters, statuses, pendingOnly, quickKind, quickDate]);

  // build the filter text of the visible columns while the clerk is not typing, so the first keystroke in a
  // column does not pay for 100k rows at once
  useEffect(() => {
    engine.setRows(rows);
    const keys = [...visibleColumns(layout)];
    let handle = 0;
    const next = () => {
      const key = keys.shift();
      if (!key) return;
      engine.warm(key);
      handle = requestIdleCallback(next);
    };
    handle = requestIdleCallback(next);
    return () => cancelIdleCallback(handle);
  }, [engine, rows, layout]);

  // the filter inputs answer each keystroke at once; the grid follows as soon as React has time (a keystroke that
  // arrives meanwhile supersedes the pending view instead of queueing behind it)
  const deferredSpec = useDeferredValue(spec);
  const shown = useMemo(() => {
    engine.setRows(rows);
    return engine.apply(deferredSpec);
  }, [engine, rows, deferredSpec]);

  const visible = useMemo(() => visibleColumns(layout), [layout]);
  const excel = useExcelGrid({ shown, visible, ticked: selected, gridRef, wrapRef });
  const { inRange } = excel;

  const columns = useMemo((): Column<OrderRow, FilterRow>[] => {
    const pendingCol: Column<OrderRow, FilterRow> = {
      key: 'pending',
      name: '',
      width: 34,
      minWidth: 34,
      frozen: true,
      resizable: false,
      sortable: false,
      draggable: false,
      renderHeaderCell: () => <span title={t('columns.pending')}>⇅</span>,
      renderCell: ({ row }) => <OrderSyncMarker id={row.id} pendingOps={row.pendingOps} />,
      renderSummaryCell: () => null,
    };
    const dataCols = visible.map((key): Column<OrderRow, FilterRow> => {
      const editable = gridEditable(key);
      const boolean = orderColumn(key).edit === 'boolean';
      return {
        key,
        name: t(`columns.${key}`),
        width: layout.widths[key] ?? DEFAULT_WIDTHS[key],
        minWidth: 48,
        resizable: true,
        sortable: true,
        draggable: true,
        frozen: key === 'orderNo',
        cellClass: (row) =>
          [editable ? 'editable' : '', inRange(row.id, key) ? 'in-range' : ''].filter(Boolean).join(' ') || undefined,
        headerCellClass: editable ? 'editable-head' : undefined,
        renderCell: ({ row }) =>
          key === 'status' ? (
            <StatusBadge status={row.status} />
          ) : boolean ? (
            <input
              type="checkbox"
              className="cell-check"
              tabIndex={-1}
              checked={cellText(row, key) !== ''}
              aria-label={t(`columns.${key}`)}
              data-testid={`cell-check-${key}`}
              onChange={() => void toggleCell(row, key)}
            />
          ) : (
            cellText(row, key)
          ),
        // a boolean cell has no text editor: Space and a click toggle it
        renderEditCell:
          key === TIME_WINDOW_COLUMN
            ? (props) => <TimeWindowEditor {...props} />
            : editable && !boolean
              ? (props) => <CellEditor {...props} save={saveCell} />
              : undefined,
        // a pull that redraws the row (any head-office change to the order) must not throw away what the clerk is
        // typing: the edit is saved against the row as it is then (saveCell reads the store), a clash is a conflict
        editorOptions: { commitOnOutsideClick: false, closeOnExternalRowChange: false },
        renderSummaryCell: () => <FilterInput columnKey={key} label={t(`columns.${key}`)} />,
      };
    });
    return [{ ...SelectColumn, renderSummaryCell: () => null } as Column<OrderRow, FilterRow>, pendingCol, ...dataCols];
  }, [visible, layout.widths, t, inRange]);

  const sortColumns: SortColumn[] = sort.map((s) => ({ columnKey: s.key, direction: s.direction }));

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if ((e.target as HTMLElement).tagName === 'INPUT') return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      setSelected(new Set(shown.map((r) => r.id)));
    }
  }

  async function exportXlsx() {
    setBusy(true);
    try {
      const headers = Object.fromEntries(visible.map((k) => [k, t(`columns.${k}`)]));
      const file = await call('excel:export', { view: spec, columns: visible, headers });
      const saved = await saveFile(file.fileId, file.fileName);
      if (saved) toast('success', t('grid.exported', { count: file.rows, file: saved }));
    } catch (err) {
      toast('error', errorText((err as { error?: never }).error ?? { code: 'INTERNAL', message: String(err) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="screen orders-screen" aria-label={t('grid.title')}>
      <div className="toolbar">
        <div className="segmented">
          {(['all', 'unassigned', 'assigned'] as const).map((k) => (
            <button
              key={k}
              type="button"
              className={quickKind === k ? 'on' : ''}
              aria-pressed={quickKind === k}
              data-testid={`quick-${k}`}
              onClick={() => setQuickKind(k)}
            >
              {t(k === 'all' ? 'grid.quickAll' : k === 'unassigned' ? 'grid.quickUnassigned' : 'grid.quickAssigned')}
            </button>
          ))}
        </div>
        <label className="inline">
          <span>{t('grid.quickDate')}</span>
          <input
            type="date"
            value={quickDate}
            data-testid="quick-date"
            onChange={(e) => setQuickDate(e.target.value)}
          />
        </label>
        <StatusFilter value={statuses} onChange={(s) => useOrders.getState().setStatuses(s)} />
        <label className="inline check">
          <input
            type="checkbox"
            checked={pendingOnly}
            onChange={(e) => useOrders.getState().setPendingOnly(e.target.checked)}
          />
          <span>{t('grid.pendingOnly')}</span>
        </label>
        <button
          type="button"
          className="btn ghost"
          onClick={() => {
            useOrders.getState().clearFilters();
            setQuickKind('all');
            setQuickDate('');
            excel.clearRange();
            excel.dismissProblems();
            gridRef.current?.scrollToCell({ rowIdx: 0 });
          }}
        >
          {t('common.reset')}
        </button>
        <div className="spacer" />
        <span className="muted" data-testid="grid-count">
          {t('grid.shown', { shown: shown.length.toLocaleString(), total: rows.length.toLocaleString() })}
          {selected.size > 0 && ` · ${t('grid.selected', { count: selected.size })}`}
        </span>
        <ViewsMenu />
        <ColumnsMenu />
        <OlderSearch />
        <button
          type="button"
          className="btn"
          onClick={() => useUi.getState().setImportOpen(true)}
          data-testid="import-open"
        >
          {t('grid.import')}
        </button>
        <button
          type="button"
          className="btn primary"
          disabled={busy}
          onClick={() => void exportXlsx()}
          data-testid="export"
        >
          {busy ? t('grid.exporting') : t('grid.export')}
        </button>
      </div>
      {excel.problems && <GridProblemList problems={excel.problems} onClose={excel.dismissProblems} />}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: shortcut and mouse-drag handling for the grid inside */}
      <div className="grid-wrap" ref={wrapRef} onKeyDown={onKeyDown} onMouseMove={excel.onMouseMove}>
        <DataGrid<OrderRow, FilterRow, string>
          ref={gridRef}
          className="rdg-light orders-grid"
          aria-label={t('grid.title')}
          aria-rowcount={shown.length}
          columns={columns}
          rows={shown}
          rowKeyGetter={(r) => r.id}
          rowHeight={32}
          headerRowHeight={34}
          summaryRowHeight={34}
          topSummaryRows={[{ id: 'filter' }]}
          selectedRows={selected}
          onSelectedRowsChange={setSelected}
          sortColumns={sortColumns}
          onSortColumnsChange={(cols) =>
            useOrders
              .getState()
              .setSort(cols.map((c) => ({ key: c.columnKey as OrderColumnKey, direction: c.direction })))
          }
          rowClass={(r) =>
            `tone-row-${STATUS_TONE[r.status]}${r.pendingOps > 0 ? ' pending' : ''}${issues.failed.has(r.id) ? ' failed' : ''}`
          }
          onActivePositionChange={({ rowIdx, column }) => excel.onActivePositionChange(rowIdx, column?.idx ?? -1)}
          onCellMouseDown={excel.onCellMouseDown}
          onCellDoubleClick={({ row, column }) => {
            if (!gridEditable(column.key)) useUi.getState().openDetail(row.id);
          }}
          onCellKeyDown={(args, e) => {
            if (args.mode !== 'ACTIVE' || !args.row) return;
            if (excel.onCellKeyDown(e)) return;
            const editable = gridEditable(args.column?.key);
            if (e.key === 'Enter' && !editable) {
              e.preventGridDefault();
              useUi.getState().openDetail(args.row.id);
            } else if (e.key === ' ' && orderColumn(args.column?.key as OrderColumnKey)?.edit === 'boolean') {
              e.preventGridDefault();
              e.preventDefault();
              void toggleCell(args.row, args.column!.key as OrderColumnKey);
            } else if (e.key === ' ' && args.column?.key !== SelectColumn.key) {
              e.preventGridDefault();
              e.preventDefault();
              const next = new Set(selected);
              if (next.has(args.row.id)) next.delete(args.row.id);
              else next.add(args.row.id);
              setSelected(next);
            }
          }}
          onColumnResize={(col, width) => {
            const key = col.key as OrderColumnKey;
            if (visible.includes(key))
              useOrders.getState().setLayout(resizeColumn(useOrders.getState().layout, key, width));
          }}
          onColumnsReorder={(source, target) => {
            const l = useOrders.getState().layout;
            if (l.order.includes(source as OrderColumnKey) && l.order.includes(target as OrderColumnKey)) {
              useOrders.getState().setLayout(moveColumn(l, source as OrderColumnKey, target as OrderColumnKey));
            }
          }}
          // once loaded, no rows keeps the header and the filter row (the clerk corrects the filter there)
          renderers={loaded ? undefined : { noRowsFallback: <div className="no-rows">{t('common.loading')}</div> }}
        />
        {loaded && shown.length === 0 && (
          <div className="grid-empty" data-testid="grid-empty">
            {rows.length === 0 ? t('grid.noRows') : t('grid.noMatch')}
          </div>
        )}
      </div>
    </section>
  );
}

function FilterInput({ columnKey, label }: { columnKey: OrderColumnKey; label: string }) {
  const { t } = useTranslation();
  const value = useOrders((s) => s.filters[columnKey] ?? '');
  return (
    <input
      className="filter-input"
      aria-label={`${label} ${t('grid.filterPlaceholder')}`}
      placeholder={t('grid.filterPlaceholder')}
      data-testid={`filter-${columnKey}`}
      value={value}
      onChange={(e) => useOrders.getState().setFilter(columnKey, e.target.value)}
      onKeyDown={(e) => e.stopPropagation()}
      onClick={(e) => e.stopPropagation()}
    />
  );
}

function StatusFilter({ value, onChange }: { value: OrderStatus[]; onChange: (v: OrderStatus[]) => void }) {
  const { t } = useTranslation();
  return (
    <details className="dropdown" data-testid="status-filter">
      <summary className="btn">
        {t('grid.statusFilter')}:{' '}
        {value.length === 0 ? t('grid.allStatuses') : value.map((s) => t(`status.${s}`)).join(', ')}
      </summary>
      <div className="dropdown-menu">
        {ORDER_STATUSES.map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={value.includes(s)}
              onChange={(e) => onChange(e.target.checked ? [...value, s] : value.filter((x) => x !== s))}
            />
            <StatusBadge status={s} />
          </label>
        ))}
      </div>
    </details>
  );
}

function ColumnsMenu() {
  const { t } = useTranslation();
  const layout = useOrders((s) => s.layout);
  return (
    <details className="dropdown right">
      <summary className="btn">{t('grid.columns')}</summary>
      <div className="dropdown-menu">
        {layout.order.map((k) => (
          <label key={k} className="check">
            <input
              type="checkbox"
              checked={!layout.hidden.includes(k)}
              onChange={() => useOrders.getState().setLayout(toggleColumn(layout, k))}
            />
            {t(`columns.${k}`)}
          </label>
        ))}
        <hr />
        <button type="button" className="btn ghost" onClick={() => useOrders.getState().setLayout(defaultLayout())}>
          {t('grid.resetLayout')}
        </button>
      </div>
    </details>
  );
}

/**
 * The grid shows the copy, which holds the window only (issue 16): an order number, customer or phone of an older
 * order is looked up at the head office here, shown below the field and not added to the grid.
 */
function OlderSearch() {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [query, setQuery] = useState<string | null>(null);
  return (
    <details className="dropdown right older-search">
      <summary className="btn" data-testid="older-search-open">
        {t('older.search')}
      </summary>
      <div className="dropdown-menu wide">
        <form
          className="toolbar plain"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(text.trim() || null);
          }}
        >
          <input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={t('older.searchHint')}
            aria-label={t('older.searchHint')}
            data-testid="older-search-text"
          />
          <button type="submit" className="btn primary">
            {t('common.search')}
          </button>
        </form>
        {query && <OlderOrders query={{ text: query }} />}
      </div>
    </details>
  );
}
