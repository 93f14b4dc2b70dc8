// The head office's orders export: the grid's columns (domain/order-fields.ts) under the same headers as the
// branch client's export (the client catalogue, domain/i18n `columns.<key>`), with the columns only a head-office
// file needs (branch, postal code, partner) placed after their neighbours. Each column's SQL is its field's
// column unless said here, so a new field with a grid column reaches this export without an edit.
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';
import { fieldDef, ORDER_COLUMNS, type OrderColumnKey } from '../../domain/order-fields.js';
import type { XlsxKind } from '../../domain/xlsx-layout.js';
import type { Locale } from '../i18n/index.js';
import { ITEMS_SUMMARY_SQL } from '../orders/order-columns.js';
import { COMPANY_TIME_ZONE } from '../orders/order-search.js';

// the company's days and clock times (like the monthly partitions)
export const SEOUL = `'${COMPANY_TIME_ZONE}'`;
export const localTime = (col: string) => `to_char(${col} AT TIME ZONE ${SEOUL}, 'YYYY-MM-DD HH24:MI:SS')`;

/** Columns only the head office's file has, each after the grid column named. */
const EXTRA = [
  { key: 'branchCode', after: 'status', width: 10, sql: 'b.code' },
  { key: 'branchName', after: 'branchCode', width: 16, sql: 'b.name' },
  { key: 'postal', after: 'address', width: 8, sql: `o.address ->> 'postal'` },
  { key: 'partner', after: 'vendor', width: 16, sql: 'pt.name' },
] as const;
type ExtraKey = (typeof EXTRA)[number]['key'];

/** Grid columns whose text is not their field's column as text. */
const SQL: Partial<Record<OrderColumnKey, string>> = {
  city: `o.address ->> 'city'`,
  address: `concat_ws(' ', o.address ->> 'line1', o.address ->> 'line2')`,
  installerName: 'i.name',
  timeWindow: `to_char(lower(o.appointment_time_window) AT TIME ZONE ${SEOUL}, 'HH24:MI') || '–' ||
               to_char(upper(o.appointment_time_window) AT TIME ZONE ${SEOUL}, 'HH24:MI')`,
  items: ITEMS_SUMMARY_SQL,
  createdAt: localTime('o.created_at'),
  updatedAt: localTime('o.updated_at'),
};

export interface ExportColumn {
  key: OrderColumnKey | ExtraKey;
  width: number;
  sql: string;
  xlsx: XlsxKind;
}

function columnSql(key: OrderColumnKey, field: Parameters<typeof fieldDef>[0]): string {
  return SQL[key] ?? `o.${fieldDef(field).pg}::text`;
}

export const ORDER_EXPORT_COLUMNS: readonly ExportColumn[] = (() => {
  const out: ExportColumn[] = [];
  const place = (after: string) => {
    for (const x of EXTRA.filter((e) => e.after === after)) {
      out.push({ key: x.key, width: x.width, sql: x.sql, xlsx: 'text' });
      place(x.key);
    }
  };
  for (const c of ORDER_COLUMNS) {
    out.push({ key: c.key, width: c.width, sql: columnSql(c.key, c.field), xlsx: c.xlsx });
    place(c.key);
  }
  return out;
})();

/** A column's header in the caller's language: the same words as the branch client's grid and export. */
export function orderColumnTitle(locale: Locale, key: ExportColumn['key']): string {
  return (locale === 'en' ? en : ko).columns[key];
}
