// Installers × one day. Assign by dragging an order card onto an installer, or by keyboard: arrow keys pick an
// order, digits 1–9 assign it to the installer with that number and move on to the next unassigned order; U on an
// assigned order (Tab to it) unassigns it. Capacity and skill problems are shown before anything is written;
// "suggest assignments" proposes the whole day for review. From COMPACT_BOARD_FROM installers on, each installer
// is one row of a list (capacity bar, skills, the day's orders as chips) so the whole day fits one screen.
import { type DragEvent, type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { checkAssignment, requiredSkills } from '../../domain/assignment-suggest.js';
import type { OrderRow } from '../../domain/order-row.js';
import { formatTimeWindow } from '../../domain/order-view.js';
import { can } from '../../domain/roles.js';
import {
  boardModel,
  COMPACT_BOARD_FROM,
  type InstallerColumn,
  type ReviewRow,
  reviewLoads,
  skillLabel,
  suggestForDay,
  toSuggestOrder,
} from '../board/board-model.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useLookups } from '../stores/lookups.js';
import { useOrders } from '../stores/orders.js';
import { useSession } from '../stores/session.js';
import { useUi } from '../stores/ui.js';

export function todayIso(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Seoul' }).format(new Date());
}
function shiftDay(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

interface Pending {
  order: OrderRow;
  column: InstallerColumn;
  capacity: boolean;
  missing: string[];
}

/** The skill tags as the clerk reads them (reference data names, in the UI's language). */
function useSkillText() {
  const { i18n } = useTranslation();
  const rules = useLookups((s) => s.skillRules);
  return (tags: readonly string[]) => tags.map((tag) => skillLabel(tag, rules, i18n.language));
}

export function AssignmentBoard() {
  const { t } = useTranslation();
  const skillText = useSkillText();
  const rows = useOrders((s) => s.rows);
  const installers = useLookups((s) => s.installers);
  const rules = useLookups((s) => s.skillRules);
  const role = useSession((s) => s.session?.user.role) ?? 'INSTALLER';
  const [date, setDate] = useState(() => sessionStorage.getItem('board.date') ?? todayIso());
  const [selected, setSelected] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [review, setReview] = useState<ReturnType<typeof suggestForDay> | null>(null);
  const model = useMemo(() => boardModel(rows, installers, date), [rows, installers, date]);
  const toast = useUi((s) => s.toast);
  const mayAssign = can(role, 'orders.assign');
  const compact = model.columns.length >= COMPACT_BOARD_FROM;
  // the selected card takes the focus when the keyboard moved the selection (not when a pull re-renders)
  const listRef = useRef<HTMLDivElement>(null);
  const keyboardMoved = useRef(false);
  useEffect(() => {
    if (!keyboardMoved.current) return;
    const card = selected ? listRef.current?.querySelector<HTMLElement>(`[data-order-id="${selected}"]`) : null;
    if (card) {
      card.focus();
      card.scrollIntoView({ block: 'nearest' });
      keyboardMoved.current = false;
    } else if (!selected) {
      listRef.current?.focus();
      keyboardMoved.current = false;
    }
  });

  function changeDate(d: string) {
    setDate(d);
    sessionStorage.setItem('board.date', d);
    setSelected(null);
  }

  async function assign(order: OrderRow, column: InstallerColumn, override?: string) {
    const r = await tryCall('orders:assign', {
      id: order.id,
      assign: {
        version: order.version,
        installerId: column.installer.id,
        ...(override ? { override: true, reason: override } : {}),
      },
    });
    if (!r.ok) {
      toast('error', errorText(r.error));
      return false;
    }
    useOrders.getState().replaceRow(r.value);
    return true;
  }

  function tryAssign(order: OrderRow, column: InstallerColumn) {
    if (!mayAssign) return;
    const w = checkAssignment(toSuggestOrder(order), column.installer, column.load, rules);
    if (w.capacity || w.missingSkills.length > 0) {
      setPending({ order, column, capacity: w.capacity, missing: w.missingSkills });
      return;
    }
    void assign(order, column);
  }

  async function unassign(order: OrderRow, byKeyboard = false) {
    const r = await tryCall('orders:unassign', { id: order.id, unassign: { version: order.version } });
    if (!r.ok) toast('error', errorText(r.error));
    else {
      useOrders.getState().replaceRow(r.value);
      // back among the unassigned: the keyboard carries on from it
      if (byKeyboard) {
        keyboardMoved.current = true;
        setSelected(order.id);
      }
    }
  }

  const mayUnassign = (o: OrderRow) => mayAssign && (o.status === '배정' || o.status === '배정확정');

  function onKey(e: KeyboardEvent<HTMLDivElement>) {
    const list = model.unassigned;
    if (list.length === 0) return;
    const at = selected ? list.findIndex((o) => o.id === selected) : -1;
    const select = (id: string | null) => {
      keyboardMoved.current = true;
      setSelected(id);
    };
    if (e.key === 'ArrowDown' || e.key === 'j') {
      e.preventDefault();
      select(list[Math.min(list.length - 1, at + 1)]!.id);
    } else if (e.key === 'ArrowUp' || e.key === 'k') {
      e.preventDefault();
      select(list[Math.max(0, at - 1)]!.id);
    } else if (/^[1-9]$/.test(e.key) && at >= 0) {
      const column = model.columns[Number(e.key) - 1];
      if (column) {
        e.preventDefault();
        // the next unassigned order (below, else above) is the next to place
        const next = list[at + 1] ?? list[at - 1];
        tryAssign(list[at]!, column);
        select(next?.id ?? null);
      }
    } else if (e.key === 'Enter' && at >= 0) {
      useUi.getState().openDetail(list[at]!.id);
    }
  }

  function onAssignedKey(e: KeyboardEvent<HTMLElement>, o: OrderRow) {
    if ((e.key === 'u' || e.key === 'U') && mayUnassign(o)) {
      e.preventDefault();
      void unassign(o, true);
    }
  }

  function onDrop(e: DragEvent<HTMLDivElement>, column: InstallerColumn) {
    e.preventDefault();
    e.currentTarget.classList.remove('drop-over');
    const id = e.dataTransfer.getData('text/x-order-id');
    const order = model.unassigned.find((o) => o.id === id) ?? rows.find((o) => o.id === id);
    if (order && order.installerId !== column.installer.id) tryAssign(order, column);
  }

  return (
    <section className="screen board" aria-label={t('board.title')}>
      <div className="toolbar">
        <h1 className="toolbar-title">{t('board.title')}</h1>
        <button
          type="button"
          className="btn ghost"
          onClick={() => changeDate(shiftDay(date, -1))}
          aria-label={t('common.prevDay')}
        >
          ‹
        </button>
        <input
          type="date"
          value={date}
          aria-label={t('board.date')}
          data-testid="board-date"
          onChange={(e) => e.target.value && changeDate(e.target.value)}
        />
        <button
          type="button"
          className="btn ghost"
          onClick={() => changeDate(shiftDay(date, 1))}
          aria-label={t('common.nextDay')}
        >
          ›
        </button>
        <button type="button" className="btn ghost" onClick={() => changeDate(todayIso())}>
          {t('common.today')}
        </button>
        <div className="spacer" />
        <span className="muted small">{t('board.keyboardHelp')}</span>
        <button
          type="button"
          className="btn"
          onClick={() => useUi.getState().openPrint({ date })}
          data-testid="board-print"
        >
          {t('board.printSheets')}
        </button>
        <button
          type="button"
          className="btn primary"
          disabled={!mayAssign || model.unassigned.length === 0}
          data-testid="suggest"
          onClick={() => setReview(suggestForDay(model, rules))}
        >
          {t('board.suggest')}
        </button>
      </div>
      <div className="board-body">
        <div className="board-unassigned">
          <h2>
            {t('board.unassigned')} <span className="count-chip">{model.unassigned.length}</span>
          </h2>
          {model.unassigned.length === 0 && <p className="muted">{t('board.noOrders')}</p>}
          <div
            ref={listRef}
            className="card-list"
            role="listbox"
            tabIndex={selected && model.unassigned.some((o) => o.id === selected) ? -1 : 0}
            onKeyDown={onKey}
            data-testid="board-unassigned"
            aria-label={t('board.unassigned')}
          >
            {model.unassigned.map((o) => (
              <OrderCard
                key={o.id}
                order={o}
                selected={o.id === selected}
                onSelect={() => setSelected(o.id)}
                skills={skillText(requiredSkills(toSuggestOrder(o).itemCodes, rules))}
              />
            ))}
          </div>
        </div>
        <div className={`board-installers ${compact ? 'compact' : ''}`} data-testid="board-installers">
          {model.columns.map((c, i) => (
            // biome-ignore lint/a11y/noStaticElementInteractions: drop target; the keyboard path is the digit keys
            <div
              key={c.installer.id}
              className={`installer-col ${c.load > c.installer.capacityPerDay ? 'over' : ''}`}
              data-testid={`installer-${c.installer.name}`}
              onDragOver={(e) => {
                e.preventDefault();
                e.currentTarget.classList.add('drop-over');
              }}
              onDragLeave={(e) => e.currentTarget.classList.remove('drop-over')}
              onDrop={(e) => onDrop(e, c)}
            >
              <div className="installer-head">
                <span className="key-hint" aria-hidden={i >= 9}>
                  {i < 9 ? i + 1 : ''}
                </span>
                <b className="installer-name">{c.installer.name}</b>
                {compact && <CapacityBar used={c.load} capacity={c.installer.capacityPerDay} />}
              </div>
              {!compact && (
                <>
                  <div className="muted small ellipsis" title={c.installer.regions.join(', ')}>
                    {c.installer.regions.join(', ')}
                  </div>
                  <CapacityBar used={c.load} capacity={c.installer.capacityPerDay} />
                </>
              )}
              <div className="tags" data-testid="installer-skills">
                {skillText(c.installer.skillTags).map((s) => (
                  <span key={s} className="tag">
                    {s}
                  </span>
                ))}
              </div>
              <ul className="installer-orders">
                {c.orders.map((o) => (
                  <li
                    key={o.id}
                    draggable={mayAssign}
                    onDragStart={(e) => e.dataTransfer.setData('text/x-order-id', o.id)}
                  >
                    <button
                      type="button"
                      className="btn link"
                      data-testid={`assigned-${o.orderNo}`}
                      title={mayUnassign(o) ? t('board.unassignKey') : undefined}
                      onClick={() => useUi.getState().openDetail(o.id)}
                      onKeyDown={(e) => onAssignedKey(e, o)}
                    >
                      {o.orderNo}
                    </button>
                    {!compact && <StatusBadge status={o.status} />}
                    {o.pendingOps > 0 && (
                      <span className="pending-badge" title={t('sync.pendingBadge')}>
                        ●
                      </span>
                    )}
                    {mayUnassign(o) && !compact && (
                      <button
                        type="button"
                        className="btn ghost tiny"
                        title={t('board.unassign')}
                        aria-label={`${t('board.unassign')} ${o.orderNo}`}
                        onClick={() => void unassign(o)}
                      >
                        ✕
                      </button>
                    )}
                    {!compact && (
                      <span className="entry-sub ellipsis">
                        {o.customerName} · {o.address.city} {formatTimeWindow(o.appointmentTimeWindow)}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
              {!compact && <div className="drop-hint">{t('board.dropHere')}</div>}
            </div>
          ))}
        </div>
      </div>
      {pending && (
        <WarningDialog
          pending={pending}
          onCancel={() => setPending(null)}
          onConfirm={async (reason) => {
            const ok = await assign(pending.order, pending.column, reason);
            if (ok) setPending(null);
          }}
          mayOverride={can(role, 'orders.assign.override')}
        />
      )}
      {review && (
        <SuggestionReview
          model={model}
          initial={review}
          onClose={() => setReview(null)}
          onApplied={(n, failures) => {
            setReview(null);
            if (n > 0) toast('success', t('board.applied', { count: n }));
            if (failures.length) toast('error', t('board.applyFailed', { count: failures.length, first: failures[0] }));
          }}
        />
      )}
    </section>
  );
}

function CapacityBar({ used, capacity }: { used: number; capacity: number }) {
  const { t } = useTranslation();
  const pct = capacity > 0 ? Math.min(100, (used / capacity) * 100) : 100;
  const level = used > capacity ? 'over' : used === capacity ? 'full' : pct >= 75 ? 'high' : 'ok';
  return (
    <div className="capacity" title={t('board.capacity', { used, capacity })}>
      <div className={`capacity-bar ${level}`}>
        <span style={{ width: `${pct}%` }} />
      </div>
      <span className="small" data-testid="capacity-text">
        {t('board.capacity', { used, capacity })}
      </span>
    </div>
  );
}

function OrderCard({
  order,
  selected,
  onSelect,
  skills,
}: {
  order: OrderRow;
  selected: boolean;
  onSelect: () => void;
  skills: string[];
}) {
  return (
    <div
      role="option"
      aria-selected={selected}
      tabIndex={selected ? 0 : -1}
      data-order-id={order.id}
      className={`order-card ${selected ? 'selected' : ''}`}
      draggable
      data-testid={`card-${order.orderNo}`}
      onDragStart={(e) => e.dataTransfer.setData('text/x-order-id', order.id)}
      onClick={onSelect}
      onKeyDown={() => undefined}
      onDoubleClick={() => useUi.getState().openDetail(order.id)}
    >
      <div className="order-card-head">
        <b>{order.orderNo}</b>
        <span className="muted small">{formatTimeWindow(order.appointmentTimeWindow)}</span>
      </div>
      <div>
        {order.customerName} · <span className="muted">{order.address.city}</span>
      </div>
      <div className="small ellipsis" title={order.items}>
        {order.items}
      </div>
      {skills.length > 0 && (
        <div className="tags">
          {skills.map((s) => (
            <span key={s} className="tag need">
              {s}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

function WarningDialog({
  pending,
  onCancel,
  onConfirm,
  mayOverride,
}: {
  pending: Pending;
  onCancel: () => void;
  onConfirm: (reason: string) => Promise<void>;
  mayOverride: boolean;
}) {
  const { t } = useTranslation();
  const skillText = useSkillText();
  const [reason, setReason] = useState('');
  const name = pending.column.installer.name;
  const blockedBySkill = pending.missing.length > 0;
  return (
    <div className="modal-backdrop">
      <div
        className="modal small"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="assign-warning-title"
        data-testid="assign-warning"
      >
        <h2 id="assign-warning-title">⚠ {pending.order.orderNo}</h2>
        {pending.capacity && (
          <p>{t('board.warnCapacity', { name, capacity: pending.column.installer.capacityPerDay })}</p>
        )}
        {blockedBySkill && <p>{t('board.warnSkill', { name, skills: skillText(pending.missing).join(', ') })}</p>}
        {pending.capacity && !blockedBySkill && mayOverride && (
          <label>
            <span>{t('board.overrideReason')}</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </label>
        )}
        <div className="actions">
          <button type="button" className="btn ghost" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          {pending.capacity && !blockedBySkill && mayOverride && (
            <button
              type="button"
              className="btn danger"
              disabled={!reason.trim()}
              onClick={() => void onConfirm(reason.trim())}
            >
              {t('board.assignAnyway')}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

function SuggestionReview({
  model,
  initial,
  onClose,
  onApplied,
}: {
  model: ReturnType<typeof boardModel>;
  initial: ReturnType<typeof suggestForDay>;
  onClose: () => void;
  onApplied: (n: number, failures: string[]) => void;
}) {
  const { t } = useTranslation();
  const skillText = useSkillText();
  const rules = useLookups((s) => s.skillRules);
  const [rows, setRows] = useState<ReviewRow[]>(initial.rows);
  const [busy, setBusy] = useState(false);
  const loads = reviewLoads(model, rows);
  const chosen = rows.filter((r) => r.installerId);

  async function apply() {
    setBusy(true);
    let n = 0;
    const failures: string[] = [];
    for (const r of chosen) {
      const res = await tryCall('orders:assign', {
        id: r.order.id,
        assign: { version: r.order.version, installerId: r.installerId! },
      });
      if (res.ok) {
        n++;
        useOrders.getState().replaceRow(res.value);
      } else failures.push(`${r.order.orderNo}: ${errorText(res.error)}`);
    }
    setBusy(false);
    onApplied(n, failures);
  }

  return (
    <div className="modal-backdrop">
      <div
        className="modal wide"
        role="dialog"
        aria-modal="true"
        aria-labelledby="suggest-title"
        data-testid="suggest-review"
      >
        <h2 id="suggest-title">{t('board.suggestTitle')}</h2>
        <p className="muted">{t('board.suggestHelp')}</p>
        <div className="scroll">
          <table className="table">
            <thead>
              <tr>
                <th>{t('columns.orderNo')}</th>
                <th>{t('columns.customerName')}</th>
                <th>{t('columns.city')}</th>
                <th>{t('columns.items')}</th>
                <th>{t('columns.installerName')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((r, idx) => {
                const col = model.columns.find((c) => c.installer.id === r.installerId);
                const w = col
                  ? checkAssignment(toSuggestOrder(r.order), col.installer, (loads[col.installer.id] ?? 0) - 1, rules)
                  : null;
                return (
                  <tr key={r.order.id} data-testid={`suggest-row-${r.order.orderNo}`}>
                    <td>{r.order.orderNo}</td>
                    <td>{r.order.customerName}</td>
                    <td>{r.order.address.city}</td>
                    <td className="ellipsis small">{r.order.items}</td>
                    <td>
                      <select
                        value={r.installerId ?? ''}
                        aria-label={`${t('columns.installerName')}: ${r.order.orderNo}`}
                        onChange={(e) =>
                          setRows(rows.map((x, i) => (i === idx ? { ...x, installerId: e.target.value || null } : x)))
                        }
                      >
                        <option value="">{t('board.skip')}</option>
                        {model.columns.map((c) => (
                          <option key={c.installer.id} value={c.installer.id}>
                            {c.installer.name} ({loads[c.installer.id] ?? 0}/{c.installer.capacityPerDay})
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="small warn-text">
                      {w?.capacity && t('board.over')}
                      {w &&
                        w.missingSkills.length > 0 &&
                        t('board.reasonSkill', { skills: skillText(w.missingSkills).join(', ') })}
                      {r.outsideRegion && t('board.reasonRegion')}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {initial.unplaced.length > 0 && (
            <>
              <h3>{t('board.unplaced')}</h3>
              <ul className="plain">
                {initial.unplaced.map((u) => (
                  <li key={u.order.id}>
                    {u.order.orderNo} {u.order.customerName} —{' '}
                    {u.reason === 'capacity'
                      ? t('board.reasonCapacity')
                      : t('board.reasonSkill', { skills: skillText(u.skills).join(', ') })}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        <div className="actions">
          <button type="button" className="btn ghost" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="btn primary"
            disabled={busy || chosen.length === 0}
            onClick={() => void apply()}
            data-testid="suggest-apply"
          >
            {t('board.applySuggestions', { count: chosen.length })}
          </button>
        </div>
      </div>
    </div>
  );
}
