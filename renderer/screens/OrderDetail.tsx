// The order detail drawer: everything recorded about one order and the actions a clerk takes on it. Reads come
// from the local mirror (detail:get), so it works offline; writes go through the same channels as the grid.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, OrderDetail, Result } from '../../domain/client-api.js';
import { statusProblemText } from '../../domain/i18n/workflow-text.js';
import {
  allowedTransitions,
  type OrderStatus,
  roleMaySetStatus,
  statusChangeProblem,
  statusRule,
} from '../../domain/order-status.js';
import { formatAddress, formatStamp, formatTimeWindow } from '../../domain/order-view.js';
import { can, type Role } from '../../domain/roles.js';
import { AttachmentsPanel } from '../components/AttachmentsPanel.js';
import { OrderFailures } from '../components/FailuresList.js';
import { FormShell } from '../components/FormShell.js';
import { OrderNotices } from '../components/OrderNotices.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { pickedWindow, TimeWindowSelect, useBranchSlots } from '../components/TimeWindowSelect.js';
import { Unavailable } from '../components/Unavailable.js';
import { errorText } from '../i18n/index.js';
import { api, tryCall } from '../platform/api.js';
import { useLookups } from '../stores/lookups.js';
import { useOrders } from '../stores/orders.js';
import { useSession } from '../stores/session.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';

type Action = 'status' | 'appointment' | 'split' | 'serials' | 'waste' | null;

export function OrderDetailPanel({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const [detail, setDetail] = useState<OrderDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  // a 해피콜 outcome (연기 요청, 취소 요청) opens the drawer on the status form, preset to its status
  const intent = useUi((s) => (s.detailId === id ? s.detailIntent : null));
  const [action, setAction] = useState<Action>(intent ? 'status' : null);
  useEffect(() => {
    if (intent) setAction('status');
  }, [intent]);
  const role = useSession((s) => s.session?.user.role) ?? 'INSTALLER';
  const rowVersion = useOrders((s) => s.rows.find((r) => r.id === id)?.version);

  const load = useCallback(async () => {
    const r = await tryCall('detail:get', { id });
    if (r.ok) {
      setDetail(r.value);
      setError(null);
    } else setError(r.error);
  }, [id]);

  // reload when the grid's copy of the order changes (an edit) or the services report new rows for it (a pull
  // brings its status history, appointments, serials… without changing the order's version)
  // biome-ignore lint/correctness/useExhaustiveDependencies: rowVersion is the trigger, not an input
  useEffect(() => {
    void load();
  }, [load, rowVersion]);
  useEffect(
    () =>
      api().onEvent((e) => {
        if (e.type === 'orders-changed' && e.ids.includes(id)) void load();
      }),
    [id, load],
  );

  const close = () => useUi.getState().openDetail(null);
  // Esc: an open action form first, then the drawer; the focus goes back to where the clerk opened it from
  const openedFrom = useRef<Element | null>(document.activeElement);
  const actionOpen = action !== null;
  useEffect(() => {
    function onKey(e: globalThis.KeyboardEvent) {
      if (e.key !== 'Escape' || e.defaultPrevented || document.querySelector('[aria-modal="true"]')) return;
      e.preventDefault();
      if (actionOpen) {
        setAction(null);
        return;
      }
      useUi.getState().openDetail(null);
      const back = openedFrom.current;
      if (back instanceof HTMLElement && back.isConnected) back.focus();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actionOpen]);
  // every local write waits in the outbox for a moment; only when the link is down is that worth saying
  const done = async (queued = false) => {
    setAction(null);
    const offline = useSync.getState().state?.status === 'offline';
    useUi.getState().toast('success', queued && offline ? t('detail.queued') : t('detail.done'));
    await load();
    void useOrders.getState().load();
  };

  const o = detail?.order;
  return (
    <aside className="drawer" aria-label={t('detail.title')} data-testid="order-detail">
      <header className="drawer-head">
        <div>
          <h2>
            {o?.orderNo ?? t('detail.title')} {o && <StatusBadge status={o.status} />}
            {o && o.pendingOps > 0 && (
              <span className="pending-badge inline" title={t('sync.pendingBadge')}>
                ● {t('sync.pendingBadge')}
              </span>
            )}
          </h2>
        </div>
        <button type="button" className="btn ghost" onClick={close} aria-label={t('common.close')}>
          ✕
        </button>
      </header>
      {error && <Unavailable error={error} onRetry={() => void load()} />}
      {o && detail && (
        <div className="drawer-body">
          <OrderFailures orderId={o.id} />
          <dl className="facts">
            <dt>{t('detail.customer')}</dt>
            <dd>{o.customerName}</dd>
            <dt>{t('detail.phone')}</dt>
            <dd>{o.customerPhone ?? '—'}</dd>
            <dt>{t('detail.address')}</dt>
            <dd>{formatAddress(o.address)}</dd>
            <dt>{t('detail.vendor')}</dt>
            <dd>{o.vendor ?? '—'}</dd>
            <dt>{t('detail.installer')}</dt>
            <dd>{o.installerName ?? '—'}</dd>
            <dt>{t('detail.appointment')}</dt>
            <dd>
              {o.appointmentDate ?? '—'} {formatTimeWindow(o.appointmentTimeWindow)}
            </dd>
            <dt>{t('detail.remarks')}</dt>
            <dd>{o.remarks ?? '—'}</dd>
            <dt>{t('detail.version')}</dt>
            <dd>v{o.version}</dd>
          </dl>

          <div className="action-bar">
            {can(role, 'orders.status') && (
              <button
                type="button"
                className="btn primary"
                data-testid="action-status"
                onClick={() => setAction('status')}
              >
                {t('detail.changeStatus')}
              </button>
            )}
            {can(role, 'orders.appointment') && (
              <button
                type="button"
                className="btn"
                data-testid="action-appointment"
                onClick={() => setAction('appointment')}
              >
                {t('detail.changeAppointment')}
              </button>
            )}
            {can(role, 'orders.split') && (
              <button type="button" className="btn" data-testid="action-split" onClick={() => setAction('split')}>
                {t('detail.splitOrder')}
              </button>
            )}
            {can(role, 'orders.serials') && (
              <button type="button" className="btn" data-testid="action-serials" onClick={() => setAction('serials')}>
                {t('detail.addSerials')}
              </button>
            )}
            {can(role, 'orders.waste') && (
              <button type="button" className="btn" data-testid="action-waste" onClick={() => setAction('waste')}>
                {t('detail.addWaste')}
              </button>
            )}
            {o.installerId && o.appointmentDate && (
              <button
                type="button"
                className="btn ghost"
                onClick={() => useUi.getState().openPrint({ date: o.appointmentDate!, installerIds: [o.installerId!] })}
              >
                {t('detail.print')}
              </button>
            )}
          </div>

          {action === 'status' && (
            <StatusForm
              key={intent?.status ?? ''}
              detail={detail}
              role={role}
              initialStatus={intent?.status}
              onDone={done}
              onCancel={() => setAction(null)}
            />
          )}
          {action === 'appointment' && (
            <AppointmentForm detail={detail} onDone={done} onCancel={() => setAction(null)} />
          )}
          {action === 'split' && <SplitForm detail={detail} onDone={done} onCancel={() => setAction(null)} />}
          {action === 'serials' && <SerialsForm detail={detail} onDone={done} onCancel={() => setAction(null)} />}
          {action === 'waste' && <WasteForm detail={detail} onDone={done} onCancel={() => setAction(null)} />}

          <h3>{t('detail.lines')}</h3>
          <table className="table compact">
            <thead>
              <tr>
                <th>{t('detail.itemCode')}</th>
                <th>{t('detail.itemName')}</th>
                <th className="num">{t('detail.quantity')}</th>
                <th className="num">{t('detail.weight')}</th>
              </tr>
            </thead>
            <tbody>
              {detail.lines.map((l) => (
                <tr key={l.id}>
                  <td>{l.itemCode}</td>
                  <td>{l.itemName}</td>
                  <td className="num">{l.quantity}</td>
                  <td className="num">{l.weight ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>{t('detail.history')}</h3>
          {detail.history.length === 0 ? (
            <p className="muted">{t('detail.noneYet')}</p>
          ) : (
            <ol className="timeline" data-testid="status-history">
              {detail.history.map((h) => (
                <li key={h.id}>
                  <span className="muted">{formatStamp(h.changedAt)}</span>{' '}
                  {h.previousStatus ? <StatusBadge status={h.previousStatus} /> : null}
                  {h.previousStatus ? ' → ' : ''}
                  <StatusBadge status={h.newStatus} />
                  {h.reasonCode && <span className="reason"> {reasonLabel(h.reasonCode, i18n.language)}</span>}
                  {h.notes && <span className="muted"> · {h.notes}</span>}
                </li>
              ))}
            </ol>
          )}

          <h3>{t('detail.appointments')}</h3>
          {detail.appointments.length === 0 ? (
            <p className="muted">{t('detail.noneYet')}</p>
          ) : (
            <ol className="timeline">
              {detail.appointments.map((a) => (
                <li key={a.id}>
                  <span className="muted">{formatStamp(a.changedAt)}</span> {a.oldDate ?? '—'} → {a.newDate ?? '—'}
                  {a.reason && <span className="muted"> · {a.reason}</span>}
                </li>
              ))}
            </ol>
          )}

          <h3>{t('detail.serials')}</h3>
          {detail.serials.length === 0 ? (
            <p className="muted">{t('detail.noneYet')}</p>
          ) : (
            <ul className="chips">
              {detail.serials.map((s) => (
                <li key={s.id} className="chip">
                  {s.serial}
                </li>
              ))}
            </ul>
          )}

          <h3>{t('detail.waste')}</h3>
          {detail.waste.length === 0 ? (
            <p className="muted">{t('detail.noneYet')}</p>
          ) : (
            <ul className="chips">
              {detail.waste.map((w) => (
                <li key={w.id} className="chip" data-testid="waste-chip">
                  {wasteLabel(w.code, i18n.language)} ×{w.quantity}
                  {can(role, 'orders.waste') && (
                    <WasteChipActions
                      pickup={w}
                      onError={(e) => useUi.getState().toast('error', errorText(e))}
                      onDone={() => void done(true)}
                    />
                  )}
                </li>
              ))}
            </ul>
          )}

          <AttachmentsPanel orderId={o.id} attachments={detail.attachments} onChanged={() => void load()} />

          {can(role, 'notices.read') && (
            <OrderNotices order={o} mayEdit={can(role, 'orders.update')} onChanged={() => void done(true)} />
          )}

          <h3>{t('detail.splitFamily')}</h3>
          {detail.splits.length === 0 ? (
            <p className="muted">{t('detail.noneYet')}</p>
          ) : (
            <ul className="plain">
              {detail.splits.map((s) => {
                const other = s.parentOrderId === o.id ? s.childOrderId : s.parentOrderId;
                const otherNo = s.parentOrderId === o.id ? s.childOrderNo : s.parentOrderNo;
                return (
                  <li key={`${s.childOrderId}-${s.lineId}`}>
                    {s.parentOrderId === o.id ? t('detail.child') : t('detail.parent')}:{' '}
                    <button type="button" className="btn link" onClick={() => useUi.getState().openDetail(other)}>
                      {otherNo ?? other.slice(0, 8)}
                    </button>{' '}
                    ×{s.quantity}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </aside>
  );
}

function reasonLabel(code: string, lang: string): string {
  const r = useLookups.getState().reasonCodes.find((x) => x.code === code);
  return r ? `${code} ${lang === 'en' ? r.descriptionEn : r.descriptionKo}` : code;
}
/** −1 / +1 / remove on a pick-up: local writes like every other, queued for the head office. */
function WasteChipActions({
  pickup,
  onError,
  onDone,
}: {
  pickup: OrderDetail['waste'][number];
  onError: (e: ApiError) => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const run = async (p: Promise<{ ok: true } | { ok: false; error: ApiError }>) => {
    const r = await p;
    if (!r.ok) onError(r.error);
    else onDone();
  };
  const setQuantity = (quantity: number) =>
    run(tryCall('detail:wasteEdit', { wasteId: pickup.id, version: pickup.version, quantity }));
  return (
    <>
      <button
        type="button"
        className="btn ghost small"
        aria-label={t('detail.wasteLess')}
        disabled={pickup.quantity <= 1}
        onClick={() => void setQuantity(pickup.quantity - 1)}
      >
        −
      </button>
      <button
        type="button"
        className="btn ghost small"
        aria-label={t('detail.wasteMore')}
        disabled={pickup.quantity >= 999}
        onClick={() => void setQuantity(pickup.quantity + 1)}
      >
        +
      </button>
      <button
        type="button"
        className="btn ghost small"
        aria-label={t('detail.wasteRemove')}
        onClick={() => void run(tryCall('detail:wasteRemove', { wasteId: pickup.id, version: pickup.version }))}
      >
        ×
      </button>
    </>
  );
}

function wasteLabel(code: string, lang: string): string {
  const w = useLookups.getState().wasteCodes.find((x) => x.code === code);
  return w ? `${code} ${lang === 'en' ? w.nameEn : w.nameKo}` : code;
}

interface FormProps {
  detail: OrderDetail;
  onDone: (queued?: boolean) => void;
  onCancel: () => void;
}

/**
 * A form's error and the end of its write: the error shown in the form, or the form done (queued while changes
 * still wait to be sent to the head office).
 */
function useFormWrite(onDone: FormProps['onDone']) {
  const [error, setError] = useState<string | null>(null);
  function settle<T>(r: Result<T>, pendingOps: (value: T) => number) {
    if (!r.ok) setError(errorText(r.error));
    else onDone(pendingOps(r.value) > 0);
  }
  return { error, setError, settle };
}

function StatusForm({
  detail,
  role,
  initialStatus,
  onDone,
  onCancel,
}: FormProps & { role: Role; initialStatus?: OrderStatus }) {
  const { t, i18n } = useTranslation();
  const o = detail.order;
  const options = allowedTransitions(o.status).filter((s) => roleMaySetStatus(role, s));
  // nothing chosen until the clerk chooses: a form that starts on the first option applies it by a stray Enter
  // (or on the status a 해피콜 outcome asked for, when the order may go there)
  const [to, setTo] = useState<OrderStatus | ''>(initialStatus && options.includes(initialStatus) ? initialStatus : '');
  const [reason, setReason] = useState('');
  const [notes, setNotes] = useState('');
  const [date, setDate] = useState(o.appointmentDate ?? '');
  const [windowPick, setWindowPick] = useState('');
  const branchSlots = useBranchSlots(o.branchId);
  const [installerId, setInstallerId] = useState('');
  const [undelivered, setUndelivered] = useState<Record<string, number>>({});
  const { error, setError, settle } = useFormWrite(onDone);
  const reasons = useLookups((s) => s.reasonCodes);
  const installers = useLookups((s) => s.installers);
  const rule = to ? statusRule(to) : undefined;
  const reasonType = rule?.reason;
  // choosing 배정 here picks the installer: the assignment, not a bare status change
  const assigning = rule?.needsInstaller === true;
  if (options.length === 0) return <p className="muted">{t('detail.noTransitions')}</p>;

  async function submit() {
    if (!to) {
      setError(t('detail.statusRequired'));
      return;
    }
    setError(null);
    const notDelivered = Object.entries(undelivered)
      .filter(([, q]) => q > 0)
      .map(([lineId, quantity]) => ({ lineId, quantity }));
    // 연기 keeps the window's hours unless the clerk picks one of the branch's slots
    const windowOf = (d: string) => {
      const w = pickedWindow(windowPick, d, branchSlots);
      return w ? { appointmentTimeWindow: w } : {};
    };
    const change = {
      version: o.version,
      status: to,
      ...(reason ? { reasonCode: reason } : {}),
      ...(notes ? { notes } : {}),
      ...(rule?.newAppointment && date ? { appointmentDate: date, ...windowOf(date) } : {}),
      ...(rule?.needsUndelivered ? { undelivered: notDelivered } : {}),
    };
    if (!assigning) {
      // the same rules the local services and the head office apply, said in the form before anything is sent
      const problem = statusChangeProblem({
        role,
        from: o.status,
        to,
        ...change,
        hasInstaller: o.installerId !== null,
      });
      if (problem) {
        setError(statusProblemText(i18n.language === 'en' ? 'en' : 'ko', problem));
        return;
      }
    }
    const r = assigning
      ? await tryCall('orders:assign', { id: o.id, assign: { version: o.version, installerId } })
      : await tryCall('orders:status', { id: o.id, change });
    settle(r, (v) => v.pendingOps);
  }

  return (
    <FormShell
      title={t('detail.changeStatus')}
      testId="status-form"
      submitLabel={t('common.apply')}
      submitTestId="status-submit"
      error={error}
      onSubmit={submit}
      onCancel={onCancel}
    >
      <label>
        <span>{t('detail.newStatus')}</span>
        <select
          value={to}
          data-testid="status-select"
          onChange={(e) => {
            setTo(e.target.value as OrderStatus);
            setReason('');
            setError(null);
          }}
        >
          <option value="" disabled>
            {t('detail.chooseStatus')}
          </option>
          {options.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      {assigning && (
        <label>
          <span>{t('detail.installer')}</span>
          <select value={installerId} onChange={(e) => setInstallerId(e.target.value)} required>
            <option value="" />
            {installers
              .filter((i) => i.isActive)
              .map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
          </select>
        </label>
      )}
      {reasonType && (
        <label>
          <span>{t('detail.reasonCode')} *</span>
          <select value={reason} data-testid="reason-select" onChange={(e) => setReason(e.target.value)} required>
            <option value="" />
            {reasons
              .filter((r) => r.type === reasonType && r.isActive)
              .map((r) => (
                <option key={r.code} value={r.code}>
                  {r.code} {i18n.language === 'en' ? r.descriptionEn : r.descriptionKo}
                </option>
              ))}
          </select>
        </label>
      )}
      {rule?.needsUndelivered &&
        detail.lines.map((l) => (
          <label key={l.id}>
            <span>
              {t('detail.undelivered')}: {l.itemName} ({l.itemCode}) ×{l.quantity}
            </span>
            <input
              type="number"
              min={0}
              max={l.quantity}
              value={undelivered[l.id] ?? 0}
              onChange={(e) => setUndelivered({ ...undelivered, [l.id]: Number(e.target.value) })}
            />
          </label>
        ))}
      {rule?.newAppointment && (
        <>
          <label>
            <span>{t('detail.newDate')}</span>
            <input type="date" value={date} onChange={(e) => setDate(e.target.value)} required />
          </label>
          <TimeWindowSelect
            branchId={o.branchId}
            current={o.appointmentTimeWindow}
            value={windowPick}
            onChange={setWindowPick}
            testId="status-window"
          />
        </>
      )}
      <label>
        <span>{t('detail.notes')}</span>
        <input value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={2000} />
      </label>
    </FormShell>
  );
}

function AppointmentForm({ detail, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const o = detail.order;
  const [date, setDate] = useState(o.appointmentDate ?? '');
  const [windowPick, setWindowPick] = useState('');
  const branchSlots = useBranchSlots(o.branchId);
  const [reason, setReason] = useState('');
  const { error, settle } = useFormWrite(onDone);
  return (
    <FormShell
      title={t('detail.changeAppointment')}
      testId="appointment-form"
      submitLabel={t('common.apply')}
      submitTestId="appointment-submit"
      error={error}
      onSubmit={async () => {
        const timeWindow = pickedWindow(windowPick, date, branchSlots);
        const change = { version: o.version, date, reason, ...(timeWindow !== undefined ? { timeWindow } : {}) };
        settle(await tryCall('orders:appointment', { id: o.id, change }), (v) => v.row.pendingOps);
      }}
      onCancel={onCancel}
    >
      <label>
        <span>{t('detail.newDate')}</span>
        <input type="date" value={date} onChange={(e) => setDate(e.target.value)} required />
      </label>
      <TimeWindowSelect
        branchId={o.branchId}
        current={o.appointmentTimeWindow}
        value={windowPick}
        onChange={setWindowPick}
        testId="appointment-window"
        allowNone
      />
      <label>
        <span>{t('detail.appointmentReason')}</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={500} />
      </label>
    </FormShell>
  );
}

function SplitForm({ detail, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const [qty, setQty] = useState<Record<string, number>>({});
  const { error, settle } = useFormWrite(onDone);
  const lines = Object.entries(qty)
    .filter(([, q]) => q > 0)
    .map(([lineId, quantity]) => ({ lineId, quantity }));
  return (
    <FormShell
      title={t('detail.splitOrder')}
      testId="split-form"
      submitLabel={t('detail.split')}
      submitTestId="split-submit"
      submitDisabled={lines.length === 0}
      error={error}
      onSubmit={async () =>
        settle(
          await tryCall('detail:split', { id: detail.order.id, version: detail.order.version, lines }),
          (v) => v.pendingOps,
        )
      }
      onCancel={onCancel}
    >
      <p className="muted">{t('detail.splitHelp')}</p>
      {detail.lines.map((l) => (
        <label key={l.id}>
          <span>
            {l.itemName} ({l.itemCode}) ×{l.quantity}
          </span>
          <input
            type="number"
            min={0}
            max={l.quantity}
            value={qty[l.id] ?? 0}
            onChange={(e) => setQty({ ...qty, [l.id]: Number(e.target.value) })}
          />
        </label>
      ))}
    </FormShell>
  );
}

function SerialsForm({ detail, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const [lineId, setLineId] = useState(detail.lines[0]?.id ?? '');
  const [text, setText] = useState('');
  const { error, settle } = useFormWrite(onDone);
  const serials = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <FormShell
      title={t('detail.addSerials')}
      submitLabel={t('common.save')}
      submitDisabled={serials.length === 0}
      error={error}
      onSubmit={async () =>
        settle(await tryCall('detail:serials', { id: detail.order.id, lineId, serials }), (v) => v.order.pendingOps)
      }
      onCancel={onCancel}
    >
      <label>
        <span>{t('detail.lines')}</span>
        <select value={lineId} onChange={(e) => setLineId(e.target.value)}>
          {detail.lines.map((l) => (
            <option key={l.id} value={l.id}>
              {l.itemName} ({l.itemCode}) ×{l.quantity}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('detail.serialsHelp')}</span>
        <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
    </FormShell>
  );
}

function WasteForm({ detail, onDone, onCancel }: FormProps) {
  const { t, i18n } = useTranslation();
  const codes = useLookups((s) => s.wasteCodes);
  const [code, setCode] = useState(codes[0]?.code ?? '');
  const [quantity, setQuantity] = useState(1);
  const { error, settle } = useFormWrite(onDone);
  return (
    <FormShell
      title={t('detail.addWaste')}
      submitLabel={t('common.save')}
      submitDisabled={!code}
      error={error}
      onSubmit={async () =>
        settle(await tryCall('detail:waste', { id: detail.order.id, code, quantity }), (v) => v.order.pendingOps)
      }
      onCancel={onCancel}
    >
      <label>
        <span>{t('detail.wasteCode')}</span>
        <select value={code} onChange={(e) => setCode(e.target.value)}>
          {codes.map((c) => (
            <option key={c.code} value={c.code}>
              {c.code} {i18n.language === 'en' ? c.nameEn : c.nameKo}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('detail.quantity')}</span>
        <input type="number" min={1} max={999} value={quantity} onChange={(e) => setQuantity(Number(e.target.value))} />
      </label>
    </FormShell>
  );
}
