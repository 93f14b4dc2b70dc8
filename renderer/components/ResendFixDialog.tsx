// 다시 보내기 of a refused new order or split: the clerk fixes what the head office refused before it goes again.
// The new order's form holds the refused values, the field the head office named marked with its reason; the split
// form holds the order's lines as the copy has them now, with the refused quantities. Sent through
// sync:resendFailed with the fix, so the local checks of a new change run first (a refusal there is shown under
// its field, and nothing is queued); once queued, the failure goes.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, FailedOp, OrderDetail, ResendFix } from '../../domain/client-api.js';
import type { OrderCreate } from '../../domain/order-schemas.js';
import { tryCall } from '../platform/api.js';
import { whyText } from '../sync/failure-text.js';

/** The kinds whose 다시 보내기 opens a form here rather than sending the change as it was. */
export const FIXED_IN_FORM: ReadonlySet<string> = new Set(['order.create', 'order.split']);

interface Props {
  failure: FailedOp;
  /** sent: the fixed change is queued and the failure gone */
  onClose: (sent: boolean) => void;
}

/** The field a refusal names, as the form knows it: `fix.order.address.city` → `address.city`. */
function refusedField(field: string | undefined): string {
  return (field ?? '').replace(/^fix\.(order\.)?/, '');
}

export function ResendFixDialog({ failure, onClose }: Props) {
  const { t } = useTranslation();
  return (
    <div className="modal-backdrop">
      <div
        className="modal wide"
        role="dialog"
        aria-modal="true"
        aria-labelledby="resend-fix-title"
        data-testid="resend-fix"
      >
        <h2 id="resend-fix-title">
          {t(failure.kind === 'order.create' ? 'failures.fix.createTitle' : 'failures.fix.splitTitle')}
          {failure.order?.orderNo ? ` · ${failure.order.orderNo}` : ''}
        </h2>
        <p className="muted">{t('failures.fix.intro')}</p>
        <div className="scroll">
          {failure.kind === 'order.create' ? (
            <CreateFix failure={failure} onClose={onClose} />
          ) : (
            <SplitFix failure={failure} onClose={onClose} />
          )}
        </div>
      </div>
    </div>
  );
}

/** Sends the fix; a local refusal comes back as the error to show (under its field). */
function useSend(failure: FailedOp, onClose: Props['onClose']) {
  const [refusal, setRefusal] = useState<ApiError>(failure.error);
  const [local, setLocal] = useState(false);
  const [busy, setBusy] = useState(false);
  return {
    refusal,
    /** the refusal is this PC's check of the fix, not the head office's answer */
    local,
    busy,
    async send(fix: ResendFix) {
      setBusy(true);
      const r = await tryCall('sync:resendFailed', { opId: failure.opId, fix });
      setBusy(false);
      if (r.ok) onClose(true);
      else {
        setRefusal(r.error);
        setLocal(true);
      }
    },
  };
}

function Refusal({ text, local }: { text: string; local: boolean }) {
  const { t } = useTranslation();
  return (
    <p className="form-error" role="alert" data-testid="resend-fix-error">
      {local ? t('failures.fix.refusedHere', { why: text }) : t('failures.fix.refusedThere', { why: text })}
    </p>
  );
}

type CreateValues = Record<(typeof CREATE_FIELDS)[number]['key'], string>;

/** The new order's fields the form shows (its branch, partner and time window go as they were). */
const CREATE_FIELDS = [
  { key: 'orderNo', label: 'columns.orderNo', path: 'orderNo' },
  { key: 'customerName', label: 'columns.customerName', path: 'customerName' },
  { key: 'customerPhone', label: 'columns.customerPhone', path: 'customerPhone' },
  { key: 'customerPhone2', label: 'columns.customerPhone2', path: 'customerPhone2' },
  { key: 'city', label: 'columns.city', path: 'address.city' },
  { key: 'line1', label: 'columns.address', path: 'address.line1' },
  { key: 'vendor', label: 'columns.vendor', path: 'vendor' },
  { key: 'appointmentDate', label: 'columns.appointmentDate', path: 'appointmentDate', type: 'date' },
  { key: 'promisedDate', label: 'columns.promisedDate', path: 'promisedDate', type: 'date' },
  { key: 'remarks', label: 'columns.remarks', path: 'remarks' },
] as const;

interface LineValues {
  id?: string;
  itemCode: string;
  itemName: string;
  quantity: string;
  weight?: number;
}

function CreateFix({ failure, onClose }: Props) {
  const { t } = useTranslation();
  const payload = failure.payload as OrderCreate;
  const address = (payload.address ?? {}) as Record<string, unknown>;
  const [values, setValues] = useState<CreateValues>(() => {
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    return {
      orderNo: str(payload.orderNo),
      customerName: str(payload.customerName),
      customerPhone: str(payload.customerPhone),
      customerPhone2: str(payload.customerPhone2),
      city: str(address.city),
      line1: str(address.line1),
      vendor: str(payload.vendor),
      appointmentDate: str(payload.appointmentDate),
      promisedDate: str(payload.promisedDate),
      remarks: str(payload.remarks),
    };
  });
  const [lines, setLines] = useState<LineValues[]>(() =>
    (payload.lines ?? []).map((l) => ({ ...l, quantity: String(l.quantity) })),
  );
  const { refusal, local, busy, send } = useSend(failure, onClose);
  const field = refusedField(refusal.field);
  // a refusal naming no field of the form is said above the buttons
  const lineField = field.match(/^lines\.(\d+)\.(\w+)/);
  const onForm = CREATE_FIELDS.some((f) => f.path === field || field === 'address') || lineField !== null;
  const why = whyText({ error: refusal, payload: failure.payload });
  const marked = (path: string) => field === path || (field === 'address' && path.startsWith('address.'));

  function order(): OrderCreate {
    const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
    return {
      ...payload,
      orderNo: values.orderNo.trim(),
      customerName: values.customerName.trim(),
      customerPhone: opt(values.customerPhone),
      customerPhone2: opt(values.customerPhone2),
      address: { ...(payload.address ?? {}), city: values.city.trim(), line1: values.line1.trim() },
      vendor: opt(values.vendor),
      appointmentDate: opt(values.appointmentDate),
      promisedDate: opt(values.promisedDate),
      remarks: opt(values.remarks),
      lines: lines.map((l) => ({
        ...(l.id ? { id: l.id } : {}),
        itemCode: l.itemCode.trim(),
        itemName: l.itemName.trim(),
        quantity: Number(l.quantity),
        ...(l.weight !== undefined ? { weight: l.weight } : {}),
      })),
    };
  }

  return (
    <form
      className="form"
      data-testid="resend-create-form"
      onSubmit={(e) => {
        e.preventDefault();
        void send({ kind: 'order.create', order: order() });
      }}
    >
      <div className="mapping-grid">
        {CREATE_FIELDS.map((f) => (
          <label key={f.key}>
            <span>{t(f.label)}</span>
            <input
              name={f.key}
              type={'type' in f ? f.type : 'text'}
              value={values[f.key]}
              aria-invalid={marked(f.path) || undefined}
              data-testid={`resend-field-${f.key}`}
              onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
            />
            {marked(f.path) && <Refusal text={why} local={local} />}
          </label>
        ))}
      </div>
      <table className="table">
        <thead>
          <tr>
            <th>{t('detail.itemCode')}</th>
            <th>{t('detail.itemName')}</th>
            <th>{t('detail.quantity')}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={l.id ?? i}>
              {(['itemCode', 'itemName', 'quantity'] as const).map((k) => (
                <td key={k}>
                  <input
                    aria-label={`${t(`detail.${k}`)} ${i + 1}`}
                    type={k === 'quantity' ? 'number' : 'text'}
                    min={k === 'quantity' ? 1 : undefined}
                    value={l[k]}
                    aria-invalid={(lineField?.[1] === String(i) && lineField[2] === k) || undefined}
                    onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, [k]: e.target.value } : x)))}
                  />
                  {lineField?.[1] === String(i) && lineField[2] === k && <Refusal text={why} local={local} />}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {!onForm && <Refusal text={why} local={local} />}
      <div className="actions">
        <button type="button" className="btn ghost" onClick={() => onClose(false)}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="btn primary" disabled={busy} data-testid="resend-fix-submit">
          {t('failures.resend')}
        </button>
      </div>
    </form>
  );
}

function SplitFix({ failure, onClose }: Props) {
  const { t } = useTranslation();
  const orderId = failure.order?.id ?? failure.entityId;
  const [detail, setDetail] = useState<OrderDetail | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const tried = (failure.payload.lines ?? []) as { lineId: string; quantity: number }[];
  const [qty, setQty] = useState<Record<string, number>>(() =>
    Object.fromEntries(tried.map((l) => [l.lineId, l.quantity])),
  );
  const { refusal, local, busy, send } = useSend(failure, onClose);
  // the lines as last sent from here: a refusal here names its line by its place among them
  const [sentHere, setSentHere] = useState<{ lineId: string }[]>([]);
  useEffect(() => {
    void tryCall('detail:get', { id: orderId }).then((r) => (r.ok ? setDetail(r.value) : setLoadError(r.error)));
  }, [orderId]);
  if (loadError) return <Refusal text={whyText({ error: loadError, payload: failure.payload })} local />;
  if (!detail) return <p className="muted">{t('common.loading')}</p>;
  // the line a refusal names: `lines.<i>.…` counts the lines as they were sent (the head office) or as sent now
  const m = refusedField(refusal.field).match(/^lines\.(\d+)/);
  const refusedLine = m ? (local ? sentHere : tried)[Number(m[1])]?.lineId : undefined;
  const why = whyText({ error: refusal, payload: failure.payload });
  const gone = tried.filter((l) => !detail.lines.some((d) => d.id === l.lineId));
  const lines = Object.entries(qty)
    .filter(([id, q]) => q > 0 && detail.lines.some((d) => d.id === id))
    .map(([lineId, quantity]) => ({ lineId, quantity }));
  return (
    <form
      className="form"
      data-testid="resend-split-form"
      onSubmit={(e) => {
        e.preventDefault();
        setSentHere(lines);
        void send({ kind: 'order.split', version: detail.order.version, lines });
      }}
    >
      <p className="muted">{t('detail.splitHelp')}</p>
      {detail.lines.map((l) => {
        const serials = detail.serials.filter((s) => s.orderLineId === l.id).length;
        return (
          <label key={l.id}>
            <span>
              {l.itemName} ({l.itemCode}) ×{l.quantity}
              {serials > 0 ? ` · ${t('failures.fix.serialsOnLine', { count: serials })}` : ''}
            </span>
            <input
              type="number"
              min={0}
              max={l.quantity}
              value={qty[l.id] ?? 0}
              aria-invalid={refusedLine === l.id || undefined}
              data-testid={`resend-split-qty-${l.itemCode}`}
              onChange={(e) => setQty({ ...qty, [l.id]: Number(e.target.value) })}
            />
            {refusedLine === l.id && <Refusal text={why} local={local} />}
          </label>
        );
      })}
      {gone.length > 0 && <p className="warn-text">{t('failures.fix.linesGone', { count: gone.length })}</p>}
      {!refusedLine && <Refusal text={why} local={local} />}
      <div className="actions">
        <button type="button" className="btn ghost" onClick={() => onClose(false)}>
          {t('common.cancel')}
        </button>
        <button
          type="submit"
          className="btn primary"
          disabled={busy || lines.length === 0}
          data-testid="resend-fix-submit"
        >
          {t('failures.resend')}
        </button>
      </div>
    </form>
  );
}
