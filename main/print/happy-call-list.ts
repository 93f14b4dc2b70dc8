// The 해피콜 list as printed and exported: one row of texts per order, in the list's order, columns named by the
// client's catalogue (domain/i18n). The PDF (happy-call-pdf.ts) and the xlsx (main/excel/export-happy-calls.ts)
// both write these rows, so paper and file say what the screen says.
import type { HappyCallRow } from '../../domain/client-api.js';
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';
import { formatStamp, formatTimeWindow } from '../../domain/order-view.js';

export const HAPPY_CALL_COLUMNS = [
  { key: 'no', width: 5, pdf: 0.04 },
  { key: 'installer', width: 10, pdf: 0.09 },
  { key: 'window', width: 12, pdf: 0.09 },
  { key: 'customer', width: 12, pdf: 0.1 },
  { key: 'phones', width: 16, pdf: 0.14 },
  { key: 'items', width: 30, pdf: 0.22 },
  { key: 'pickups', width: 16, pdf: 0.12 },
  { key: 'lastCall', width: 24, pdf: 0.2 },
] as const;
export type HappyCallColumn = (typeof HAPPY_CALL_COLUMNS)[number]['key'];

export function happyCallText(locale: 'ko' | 'en') {
  return (locale === 'en' ? en : ko).happyCalls;
}

export function happyCallHeaders(locale: 'ko' | 'en'): Record<HappyCallColumn, string> {
  const t = happyCallText(locale);
  return {
    no: '#',
    installer: t.installer,
    window: t.window,
    customer: t.customer,
    phones: t.phones,
    items: t.items,
    pickups: t.pickups,
    lastCall: t.lastCall,
  };
}

export function happyCallCells(rows: readonly HappyCallRow[], locale: 'ko' | 'en'): Record<HappyCallColumn, string>[] {
  const t = happyCallText(locale);
  return rows.map((r, i) => {
    const last = r.calls.at(-1);
    return {
      no: String(i + 1),
      installer: r.order.installerName ?? t.noInstaller,
      window: formatTimeWindow(r.order.appointmentTimeWindow),
      customer: r.order.customerName,
      phones: [r.order.customerPhone, r.order.customerPhone2].filter(Boolean).join(' / '),
      items: r.order.items ?? '',
      pickups: r.pickups.map((p) => `${p.code} ${locale === 'en' ? p.nameEn : p.nameKo} ×${p.quantity}`).join(', '),
      lastCall: last
        ? `${t.outcome[last.outcome]} · ${t.attempt.replace('{{n}}', String(last.attempt))} · ${formatStamp(last.calledAt)}`
        : t.notCalled,
    };
  });
}
