// 해피콜: the day-before confirmation calls. Tomorrow's (or a chosen day's) assigned orders, read from the local
// mirror (works offline), in the board's order with unreachable customers floated to the top
// (domain/happy-calls.ts). Keyboard-first: ↑/↓ move, one key per outcome (OUTCOME_RULES), Enter opens the order.
// Outcomes go to the outbox (happycalls:record); what an outcome changes on the order goes through the workflow's
// own channels: 확인 with a new time through orders:appointment, 연기 요청 / 취소 요청 open the order's status form.
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { slotKey, slotText } from '../../domain/appointment-slots.js';
import type { HappyCallRow } from '../../domain/client-api.js';
import {
  HAPPY_CALL_OUTCOMES,
  type HappyCallOutcome,
  happyCallProgress,
  OUTCOME_RULES,
  outcomeOfKey,
} from '../../domain/happy-calls.js';
import { formatStamp, formatTimeWindow } from '../../domain/order-view.js';
import { can } from '../../domain/roles.js';
import { pickedWindow, useBranchSlots } from '../components/TimeWindowSelect.js';
import { errorText } from '../i18n/index.js';
import { api, saveFile, tryCall } from '../platform/api.js';
import { useSession } from '../stores/session.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';
import { todayIso } from './AssignmentBoard.js';

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function HappyCalls() {
  const { t, i18n } = useTranslation();
  const role = useSession((s) => s.session?.user.role) ?? 'INSTALLER';
  const mayRecord = can(role, 'orders.happycall');
  const [date, setDate] = useState(() => addDays(todayIso(), 1));
  const [rows, setRows] = useState<HappyCallRow[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<HappyCallRow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLTableElement>(null);

  const load = useCallback(async () => {
    const r = await tryCall('happycalls:list', { date });
    if (r.ok) {
      setRows(r.value);
      setError(null);
    } else setError(errorText(r.error));
  }, [date]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(
    () =>
      api().onEvent((e) => {
        if (e.type === 'orders-changed') void load();
      }),
    [load],
  );
  useEffect(() => {
    listRef.current?.focus();
  }, []);
  // the cursor stays on its order when the list re-sorts; it starts on the first row
  const index = Math.max(
    0,
    rows.findIndex((r) => r.order.id === selected),
  );
  const current = rows[index];
  useEffect(() => {
    document.querySelector(`[data-order-id="${current?.order.id}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [current?.order.id]);

  const progress = useMemo(
    () =>
      happyCallProgress(
        rows.map((r) => ({
          orderId: r.order.id,
          installerName: r.order.installerName,
          windowStart: r.order.appointmentTimeWindow?.start ?? null,
          orderNo: r.order.orderNo,
          lastCall: r.calls.at(-1) ?? null,
        })),
      ),
    [rows],
  );

  async function record(row: HappyCallRow, outcome: HappyCallOutcome, timeWindow?: { start: string; end: string }) {
    const o = row.order;
    if (timeWindow) {
      // the order's window changes through the appointment action: its rules, its history, its own op
      const moved = await tryCall('orders:appointment', {
        id: o.id,
        change: {
          version: o.version,
          date: o.appointmentDate ?? date,
          timeWindow,
          reason: t('happyCalls.windowReason'),
        },
      });
      if (!moved.ok) {
        useUi.getState().toast('error', errorText(moved.error));
        return;
      }
    }
    const r = await tryCall('happycalls:record', { id: o.id, outcome, ...(timeWindow ? { timeWindow } : {}) });
    if (!r.ok) {
      useUi.getState().toast('error', errorText(r.error));
      return;
    }
    const offline = useSync.getState().state?.status === 'offline';
    const words = { customer: o.customerName, outcome: t(`happyCalls.outcome.${outcome}`) };
    useUi.getState().toast('success', t(offline ? 'happyCalls.recordedOffline' : 'happyCalls.recorded', words));
    // on to the next customer in the order the clerk saw
    const next = rows[rows.findIndex((x) => x.order.id === o.id) + 1];
    if (next) setSelected(next.order.id);
    await load();
    const opens = OUTCOME_RULES[outcome].opensStatus;
    if (opens) useUi.getState().openDetail(o.id, { status: opens });
    else listRef.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (confirming || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const to = rows[Math.min(rows.length - 1, Math.max(0, index + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (to) setSelected(to.order.id);
      return;
    }
    if (!current) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      useUi.getState().openDetail(current.order.id);
      return;
    }
    const outcome = outcomeOfKey(e.key);
    if (!outcome || !mayRecord) return;
    e.preventDefault();
    if (outcome === 'CONFIRMED') setConfirming(current);
    else void record(current, outcome);
  }

  async function copy(phone: string) {
    try {
      await navigator.clipboard.writeText(phone);
      useUi.getState().toast('info', t('happyCalls.copied', { phone }));
    } catch {
      useUi.getState().toast('error', t('happyCalls.copyFailed'));
    }
  }

  async function exportFile(channel: 'happycalls:pdf' | 'happycalls:xlsx') {
    const r = await tryCall(channel, { date });
    if (!r.ok) {
      useUi.getState().toast('error', errorText(r.error));
      return;
    }
    const saved = await saveFile(r.value.fileId, r.value.fileName);
    if (saved) useUi.getState().toast('success', t('happyCalls.saved', { file: saved }));
  }

  function printList() {
    document.body.classList.add('printing-calls');
    const done = () => {
      document.body.classList.remove('printing-calls');
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    window.print();
  }

  return (
    <section className="screen padded happy-calls" aria-label={t('happyCalls.title')} data-testid="happy-calls">
      <header className="screen-head">
        <h1>
          {t('happyCalls.title')} <span className="print-only">{date}</span>
        </h1>
        <label className="inline no-print">
          <span>{t('happyCalls.date')}</span>
          <input
            type="date"
            value={date}
            data-testid="happy-calls-date"
            onChange={(e) => e.target.value && setDate(e.target.value)}
          />
        </label>
        <button type="button" className="btn ghost no-print" onClick={() => setDate(addDays(todayIso(), 1))}>
          {t('happyCalls.tomorrow')}
        </button>
        <span className="spacer" />
        <button type="button" className="btn no-print" onClick={printList} data-testid="happy-calls-print">
          {t('happyCalls.print')}
        </button>
        <button
          type="button"
          className="btn no-print"
          onClick={() => void exportFile('happycalls:pdf')}
          data-testid="happy-calls-pdf"
        >
          {t('happyCalls.pdf')}
        </button>
        <button
          type="button"
          className="btn no-print"
          onClick={() => void exportFile('happycalls:xlsx')}
          data-testid="happy-calls-xlsx"
        >
          {t('happyCalls.xlsx')}
        </button>
      </header>
      <p className="keys-hint no-print" data-testid="happy-calls-keys">
        {HAPPY_CALL_OUTCOMES.map((o) => (
          <span key={o} className="key-chip">
            <kbd>{OUTCOME_RULES[o].key}</kbd> {t(`happyCalls.outcome.${o}`)}
          </span>
        ))}
        <span className="key-chip">
          <kbd>↑</kbd>
          <kbd>↓</kbd> {t('happyCalls.move')}
        </span>
        <span className="key-chip">
          <kbd>Enter</kbd> {t('happyCalls.open')}
        </span>
      </p>
      <div className="cards happy-progress" data-testid="happy-calls-progress">
        {progress.map((p) => (
          <div key={p.installerName ?? ''} className="card stat" data-testid="happy-progress-card">
            <span className="muted">{p.installerName ?? t('happyCalls.noInstaller')}</span>
            <b>
              {t('happyCalls.progressLine', {
                called: p.called,
                orders: p.orders,
                confirmed: p.confirmed,
                unreachable: p.unreachable,
              })}
            </b>
          </div>
        ))}
      </div>
      {error && <p className="error">{error}</p>}
      {confirming && (
        <ConfirmWindow
          row={confirming}
          date={confirming.order.appointmentDate ?? date}
          onCancel={() => {
            setConfirming(null);
            listRef.current?.focus();
          }}
          onSubmit={(w) => {
            const row = confirming;
            setConfirming(null);
            void record(row, 'CONFIRMED', w);
          }}
        />
      )}

      <div className="happy-list">
        <table
          className="table compact"
          // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the table is the grid taking the list's keys (WAI-ARIA's data grid); a grid's children must be its rows, so the role sits on the table, not on a wrapper
          role="grid"
          tabIndex={0}
          ref={listRef}
          onKeyDown={onKeyDown}
          data-testid="happy-calls-list"
          aria-label={t('happyCalls.keysHint')}
        >
          <thead>
            <tr>
              <th>{t('happyCalls.customer')}</th>
              <th>{t('happyCalls.phones')}</th>
              <th>{t('happyCalls.window')}</th>
              <th>{t('happyCalls.installer')}</th>
              <th>{t('happyCalls.items')}</th>
              <th>{t('happyCalls.pickups')}</th>
              <th>{t('happyCalls.lastCall')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const last = r.calls.at(-1);
              const unreachable = last && OUTCOME_RULES[last.outcome].unreachable;
              return (
                <tr
                  key={r.order.id}
                  data-order-id={r.order.id}
                  data-testid="happy-call-row"
                  className={`${r.order.id === current?.order.id ? 'selected' : ''} ${unreachable ? 'unreachable' : ''}`}
                  aria-selected={r.order.id === current?.order.id}
                  onClick={() => setSelected(r.order.id)}
                  onDoubleClick={() => useUi.getState().openDetail(r.order.id)}
                >
                  <td>
                    <b>{r.order.customerName}</b>
                    <div className="muted small">{r.order.orderNo}</div>
                  </td>
                  <td>
                    {[r.order.customerPhone, r.order.customerPhone2]
                      .filter((p): p is string => !!p)
                      .map((p) => (
                        <button
                          key={p}
                          type="button"
                          className="btn link phone"
                          data-testid="copy-phone"
                          tabIndex={-1}
                          onClick={() => void copy(p)}
                        >
                          {p}
                        </button>
                      ))}
                  </td>
                  <td>{formatTimeWindow(r.order.appointmentTimeWindow) || '—'}</td>
                  <td>{r.order.installerName ?? '—'}</td>
                  <td className="small">{r.order.items ?? ''}</td>
                  <td className="small">
                    {r.pickups
                      .map((p) => `${p.code} ${i18n.language === 'en' ? p.nameEn : p.nameKo} ×${p.quantity}`)
                      .join(', ') || '—'}
                  </td>
                  <td data-testid="last-call">
                    {last ? (
                      <>
                        <span className={`outcome outcome-${last.outcome}`}>
                          {t(`happyCalls.outcome.${last.outcome}`)}
                        </span>{' '}
                        <span className="muted small">
                          {t('happyCalls.attempt', { n: last.attempt })} · {formatStamp(last.calledAt).slice(11)}
                        </span>
                        {last.pending && <span className="pending-badge inline"> ● {t('happyCalls.pending')}</span>}
                      </>
                    ) : (
                      <span className="muted">{t('happyCalls.notCalled')}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 && <p className="muted">{t('happyCalls.empty')}</p>}
      </div>
    </section>
  );
}

/** 확인: Enter records it as is; a new time of day (both ends) changes the order's window too. */
function ConfirmWindow({
  row,
  date,
  onSubmit,
  onCancel,
}: {
  row: HappyCallRow;
  date: string;
  onSubmit: (w?: { start: string; end: string }) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  // the new time is one of the branch's slots (domain/appointment-slots.ts), as everywhere a window is chosen
  const slots = useBranchSlots(row.order.branchId);
  const [pick, setPick] = useState('');
  const first = useRef<HTMLSelectElement>(null);
  // opened by a key press: the next keys go to the list (an open list box: arrows move, Enter records)
  useEffect(() => {
    first.current?.focus();
  }, []);
  function submit() {
    const w = pickedWindow(pick, date, slots);
    onSubmit(w ?? undefined);
  }
  return (
    <form
      className="card confirm-window no-print"
      data-testid="confirm-window"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <b>
        {row.order.customerName} · {t('happyCalls.newWindow')}
      </b>
      <select
        size={slots.slots.length + 1}
        value={pick}
        ref={first}
        aria-label={t('happyCalls.newWindow')}
        data-testid="window-slot"
        onChange={(e) => setPick(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            submit();
          }
        }}
      >
        <option value="">{t('happyCalls.keepWindow')}</option>
        {slots.slots.map((s) => (
          <option key={slotKey(s)} value={slotKey(s)}>
            {slotText(s)}
          </option>
        ))}
      </select>
      <button type="submit" className="btn primary" data-testid="confirm-submit">
        {t('happyCalls.confirmWithWindow')}
      </button>
      <button type="button" className="btn ghost" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      <span className="muted small">{t('happyCalls.windowHint')}</span>
    </form>
  );
}
