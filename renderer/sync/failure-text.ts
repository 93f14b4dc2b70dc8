// What a refused change tried and why the head office refused it, in the clerk's words: from the error's code and
// the data the head office sent with it (details) or the change itself (payload), through the catalogue, never the
// head office's own message (which may name internal fields, tables or ids).
import type { FailedOp } from '../../domain/client-api.js';
import type { MissingSerials } from '../../domain/order-part-rules.js';
import { i18next } from '../i18n/index.js';

const t = (key: string, params?: Record<string, unknown>) => i18next.t(key, params ?? {});

function fieldLabel(field: string | undefined): string {
  const name = (field ?? '').replace(/^(change|patch|assign|unassign)\./, '').split('.')[0] ?? '';
  const key = name === 'appointmentTimeWindow' ? 'columns.timeWindow' : `columns.${name}`;
  if (name && i18next.exists(key)) return t(key);
  const workflow = name === 'reasonCode' ? 'detail.reasonCode' : name === 'date' ? 'columns.appointmentDate' : '';
  if (workflow && i18next.exists(workflow)) return t(workflow);
  return t('failures.anyField');
}

/** What the change was meant to do. */
export function triedText(f: Pick<FailedOp, 'kind' | 'payload'>): string {
  const p = f.payload;
  switch (f.kind) {
    case 'order.status': {
      const status = t(`status.${String(p.status)}`);
      return p.reasonCode
        ? t('failures.what.statusReason', { status, reason: String(p.reasonCode) })
        : t('failures.what.status', { status });
    }
    case 'order.update':
      return t('failures.what.update', {
        fields: Object.keys(p)
          .map((k) => fieldLabel(k))
          .join(', '),
      });
    case 'order.appointment':
      return t('failures.what.appointment', { date: String(p.date ?? '') });
    case 'order.assign':
      return t('failures.what.assign');
    case 'order.unassign':
      return t('failures.what.unassign');
    case 'order.create':
      return t('failures.what.create');
    case 'order.split':
      return t('failures.what.split', { count: Array.isArray(p.lines) ? p.lines.length : 0 });
    default:
      return t(`sync.kinds.${f.kind}`, { defaultValue: f.kind });
  }
}

/** Why the head office refused it. */
export function whyText(f: Pick<FailedOp, 'error' | 'payload'>): string {
  const { code, field } = f.error;
  const details = (f.error.details ?? {}) as Record<string, unknown>;
  switch (code) {
    case 'SERIALS_MISSING': {
      const lines = (Array.isArray(details.lines) ? details.lines : []) as MissingSerials[];
      return t('failures.reasons.SERIALS_MISSING', {
        lines: lines
          .map((m) =>
            t('workflow.serialLine', {
              item: m.itemName,
              code: m.itemCode,
              recorded: m.recorded,
              quantity: m.quantity,
            }),
          )
          .join(', '),
      });
    }
    case 'REASON_CODE':
      return t('failures.reasons.REASON_CODE', { code: String(f.payload.reasonCode ?? '') });
    case 'ILLEGAL_TRANSITION':
      return t('failures.reasons.ILLEGAL_TRANSITION', {
        from: t(`status.${String(details.from ?? '')}`),
        to: t(`status.${String(details.to ?? f.payload.status ?? '')}`),
      });
    case 'DUPLICATE':
      if (field === 'orderNo')
        return t('failures.reasons.DUPLICATE_ORDER_NO', { orderNo: String(f.payload.orderNo ?? '') });
      return t('failures.reasons.DUPLICATE', { value: String(details.serial ?? '') });
    case 'SPLIT_SERIALS':
      return t('failures.reasons.SPLIT_SERIALS', { serials: details.serials, remaining: details.remaining });
    case 'SPLIT_QUANTITY':
      // the head office names the quantity asked `requested`, this PC's check `quantity`
      return t('failures.reasons.SPLIT_QUANTITY', {
        requested: details.requested ?? details.quantity,
        available: details.available,
      });
    case 'VALIDATION':
      return t('failures.reasons.VALIDATION', { field: fieldLabel(field) });
    default:
      return i18next.exists(`failures.reasons.${code}`) ? t(`failures.reasons.${code}`) : t('failures.reasons.other');
  }
}
