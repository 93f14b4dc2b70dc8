// The order's shape, declared once: one entry per field of an order as the API answers it and the client shows it.
// Everything else is derived from this table: the row types (OrderValues → domain/order-row.ts OrderRow, the
// server's Order), the write schemas (orderCreate, orderPatch in order-schemas.ts), the OpenAPI schema, the server's
// SELECT / INSERT / UPDATE column maps (server/orders/order-columns.ts), the client's mirror reads and predictions
// (main/store/orders-view.ts, order-ops.ts, part-ops.ts), the grid's and the xlsx exports' columns
// (domain/order-view.ts). test/db/order-definition.test.ts proves every derived list complete: each column of the
// `orders` table and of the client's mirror is in this table or named in SERVER_ONLY_COLUMNS, and each grid column
// has its header in both languages of the catalogue (domain/i18n, `columns.<key>`).
//
// Adding a field: an entry here, a PostgreSQL migration (db/migrations), a SQLite migration (db/client), and the
// header in domain/i18n/ko.ts and en.ts. docs/ARCHITECTURE.md "Adding an order field or a status".
import { z } from 'zod';
import { address, isoDate, orderNo, phone, timeWindow, uuid } from './field-types.js';
import { ORDER_STATUSES } from './order-status.js';
import type { XlsxKind } from './xlsx-layout.js';

/** A PostgreSQL type, for the casts of written SQL (every value travels as text or JSON). */
export type SqlType = 'uuid' | 'text' | 'date' | 'jsonb' | 'tstzrange' | 'timestamptz' | 'bigint' | 'boolean';

/**
 * How a grid cell's typed text becomes the field's value: `text` trimmed (empty is refused by the schema),
 * `nullable` trimmed or null when empty, `raw` as typed or null when empty; `city` and `street` replace a part
 * of the address; `boolean` a tick (domain/order-cell-edit.ts: the words that mean yes and no), toggled by Space
 * or a click in the grid.
 */
export type CellEdit = 'text' | 'nullable' | 'raw' | 'city' | 'street' | 'boolean';

export interface GridColumnDef {
  key: string;
  /** column width in the xlsx exports (characters) */
  width: number;
  /** column width in the grid (pixels) until the clerk resizes it */
  px: number;
  /** hidden in the grid until the clerk shows it */
  hidden?: true;
  /** a clerk may type into the cell (the field must have a patch schema) */
  edit?: CellEdit;
  /** the column filter compares digits only (phone numbers: 5678, 01012345678 and 010-1234-5678 find the same) */
  match?: 'digits';
}

export interface OrderFieldDef {
  /** column of `orders` in PostgreSQL; null: computed when read (server/orders/order-columns.ts says how) */
  pg: string | null;
  /** column of the client's mirror (db/client); null: computed when read (main/store/orders-view.ts) */
  sqlite: string | null;
  /** PostgreSQL type of the column */
  sql: SqlType;
  /** the value as the API answers it and the client holds it (JSON: timestamps as ISO text) */
  read: z.ZodType;
  /** part of a new order (POST /api/orders, order.create, the vendor import) */
  create?: z.ZodType;
  /** a clerk may change it with an edit (PATCH /api/orders/:id, order.update, inline grid edits) */
  patch?: z.ZodType;
  /** a split's child order copies it from its parent; `ifFuture`: only when the parent's appointment is ahead */
  splitCopy?: true | 'ifFuture';
  /** the client's order row leaves it out (the mirror keeps the column for its own use) */
  serverOnly?: true;
  /** read only in lists (the item summary), not in single-order reads */
  listOnly?: true;
  /** the columns of the grid and of the xlsx exports that show it, in grid order */
  columns?: readonly GridColumnDef[];
}

const text = (max: number) => z.string().trim().min(1).max(max);
const nullableString = z.string().nullable();

export const ORDER_FIELDS = {
  id: { pg: 'id', sqlite: 'id', sql: 'uuid', read: uuid, create: uuid.optional() },
  orderNo: {
    pg: 'order_no',
    sqlite: 'order_no',
    sql: 'text',
    read: z.string(),
    create: orderNo,
    columns: [{ key: 'orderNo', width: 18, px: 150 }],
  },
  status: {
    pg: 'status',
    sqlite: 'status',
    sql: 'text',
    read: z.enum(ORDER_STATUSES),
    columns: [{ key: 'status', width: 10, px: 112 }],
  },
  customerName: {
    pg: 'customer_name',
    sqlite: 'customer_name',
    sql: 'text',
    read: z.string(),
    create: text(120),
    patch: text(120),
    splitCopy: true,
    columns: [{ key: 'customerName', width: 12, edit: 'text', px: 110 }],
  },
  customerPhone: {
    pg: 'customer_phone',
    sqlite: 'customer_phone',
    sql: 'text',
    read: nullableString,
    create: phone.optional(),
    patch: phone.nullable(),
    splitCopy: true,
    columns: [{ key: 'customerPhone', width: 16, edit: 'nullable', px: 130, match: 'digits' }],
  },
  customerPhone2: {
    pg: 'customer_phone2',
    sqlite: 'customer_phone2',
    sql: 'text',
    read: nullableString,
    create: phone.optional(),
    patch: phone.nullable(),
    splitCopy: true,
    columns: [{ key: 'customerPhone2', width: 16, edit: 'nullable', px: 130, hidden: true, match: 'digits' }],
  },
  address: {
    pg: 'address',
    sqlite: 'address',
    sql: 'jsonb',
    read: address,
    create: address,
    patch: address,
    splitCopy: true,
    columns: [
      { key: 'city', width: 14, edit: 'city', px: 100 },
      { key: 'address', width: 34, edit: 'street', px: 240 },
    ],
  },
  vendor: {
    pg: 'vendor',
    sqlite: 'vendor',
    sql: 'text',
    read: nullableString,
    create: z.string().trim().max(80).optional(),
    patch: z.string().trim().max(80).nullable(),
    splitCopy: true,
    columns: [{ key: 'vendor', width: 14, edit: 'nullable', px: 120 }],
  },
  branchId: { pg: 'branch_id', sqlite: 'branch_id', sql: 'uuid', read: uuid, create: uuid, splitCopy: true },
  partnerId: {
    pg: 'partner_id',
    sqlite: 'partner_id',
    sql: 'uuid',
    read: uuid.nullable(),
    create: uuid.optional(),
    patch: uuid.nullable(),
    splitCopy: true,
  },
  installerId: { pg: 'installer_id', sqlite: 'installer_id', sql: 'uuid', read: uuid.nullable() },
  installerName: {
    pg: null,
    sqlite: null,
    sql: 'text',
    read: nullableString,
    columns: [{ key: 'installerName', width: 10, px: 90 }],
  },
  appointmentDate: {
    pg: 'appointment_date',
    sqlite: 'appointment_date',
    sql: 'date',
    read: isoDate.nullable(),
    create: isoDate.optional(),
    splitCopy: 'ifFuture',
    columns: [{ key: 'appointmentDate', width: 12, px: 108 }],
  },
  appointmentTimeWindow: {
    pg: 'appointment_time_window',
    sqlite: 'appointment_time_window',
    sql: 'tstzrange',
    read: timeWindow.nullable(),
    create: timeWindow.optional(),
    splitCopy: 'ifFuture',
    columns: [{ key: 'timeWindow', width: 13, px: 108 }],
  },
  promisedDate: {
    pg: 'promised_date',
    sqlite: 'promised_date',
    sql: 'date',
    read: isoDate.nullable(),
    create: isoDate.optional(),
    patch: isoDate.nullable(),
    splitCopy: true,
    columns: [{ key: 'promisedDate', width: 12, edit: 'nullable', px: 108, hidden: true }],
  },
  items: {
    pg: null,
    sqlite: null,
    sql: 'text',
    read: z.string(),
    listOnly: true,
    columns: [{ key: 'items', width: 36, px: 220 }],
  },
  remarks: {
    pg: 'remarks',
    sqlite: 'remarks',
    sql: 'text',
    read: nullableString,
    create: z.string().max(2000).optional(),
    patch: z.string().max(2000).nullable(),
    splitCopy: true,
    columns: [{ key: 'remarks', width: 30, edit: 'raw', px: 200 }],
  },
  /** the customer wants no appointment notices (알림톡/SMS): none is queued for this order (server/notices) */
  noticesOptOut: {
    pg: 'notices_opt_out',
    sqlite: 'notices_opt_out',
    sql: 'boolean',
    read: z.boolean(),
    create: z.boolean().optional(),
    patch: z.boolean(),
    splitCopy: true,
    columns: [{ key: 'noticesOptOut', width: 10, edit: 'boolean', px: 84, hidden: true }],
  },
  version: { pg: 'version', sqlite: 'version', sql: 'bigint', read: z.number().int() },
  deletedAt: { pg: 'deleted_at', sqlite: 'deleted_at', sql: 'timestamptz', read: nullableString, serverOnly: true },
  updatedAt: {
    pg: 'updated_at',
    sqlite: 'updated_at',
    sql: 'timestamptz',
    read: z.string(),
    columns: [{ key: 'updatedAt', width: 17, px: 140, hidden: true }],
  },
  createdAt: {
    pg: 'created_at',
    sqlite: 'created_at',
    sql: 'timestamptz',
    read: z.string(),
    columns: [{ key: 'createdAt', width: 17, px: 140, hidden: true }],
  },
} as const satisfies Record<string, OrderFieldDef>;

type Fields = typeof ORDER_FIELDS;
export type OrderField = keyof Fields;

/** Columns of `orders` that no order field reads: the database's own bookkeeping. */
export const SERVER_ONLY_COLUMNS = ['change_xid'] as const;

/** Every field's value, as the API answers an order (timestamps as ISO text). */
export type OrderValues = { -readonly [K in OrderField]: z.output<Fields[K]['read']> };

type FieldsWith<P extends string> = { [K in OrderField]: Fields[K] extends Record<P, unknown> ? K : never }[OrderField];
export type CreateField = FieldsWith<'create'>;
export type PatchField = FieldsWith<'patch'>;

type FieldsWithNull<P extends 'pg' | 'sqlite'> = {
  [K in OrderField]: Fields[K][P] extends null ? K : never;
}[OrderField];
/** Fields the server computes when it reads an order (no column of `orders`). */
export type ServerComputedField = FieldsWithNull<'pg'>;
/** Fields the client computes when it reads its mirror. */
export type MirrorComputedField = FieldsWithNull<'sqlite'>;

export const ORDER_FIELD_NAMES = Object.keys(ORDER_FIELDS) as OrderField[];

export function fieldDef(f: OrderField): OrderFieldDef {
  return ORDER_FIELDS[f];
}

/** The fields whose definition passes `test`, in table order. */
export function fieldsWhere(test: (d: OrderFieldDef, f: OrderField) => boolean): OrderField[] {
  return ORDER_FIELD_NAMES.filter((f) => test(ORDER_FIELDS[f], f));
}

export const CREATE_FIELDS = fieldsWhere((d) => d.create !== undefined) as CreateField[];
export const PATCH_FIELDS = fieldsWhere((d) => d.patch !== undefined) as PatchField[];

/** The write schemas' shapes: field → its create (or patch) schema. */
export const createShape = Object.fromEntries(
  CREATE_FIELDS.map((f) => [f, (ORDER_FIELDS[f] as OrderFieldDef).create]),
) as { [K in CreateField]: Fields[K]['create'] };
export const patchShape = Object.fromEntries(
  PATCH_FIELDS.map((f) => [f, (ORDER_FIELDS[f] as OrderFieldDef).patch!.optional()]),
) as { [K in PatchField]: z.ZodOptional<Fields[K]['patch']> };

/** The shape of an order as the API answers it (OpenAPI). */
export const readShape = Object.fromEntries(ORDER_FIELD_NAMES.map((f) => [f, ORDER_FIELDS[f].read])) as {
  [K in OrderField]: Fields[K]['read'];
};

// ── the grid's columns ──────────────────────────────────────────────────────────────────────────────────────

type ColumnOf<F> = F extends { columns: readonly (infer C)[] } ? (C extends { key: infer K } ? K : never) : never;
export type OrderColumnKey = { [K in OrderField]: ColumnOf<Fields[K]> }[OrderField];

export interface OrderColumn extends GridColumnDef {
  key: OrderColumnKey;
  field: OrderField;
  /** how the xlsx exports write its cells (from the field's type) */
  xlsx: XlsxKind;
}

const XLSX_OF_TYPE: Partial<Record<SqlType, XlsxKind>> = { date: 'date', timestamptz: 'datetime', bigint: 'number' };

/** The grid's columns in order (and the xlsx exports'), each with the field it shows. */
export const ORDER_COLUMNS: readonly OrderColumn[] = ORDER_FIELD_NAMES.flatMap((field) =>
  ((ORDER_FIELDS[field] as OrderFieldDef).columns ?? []).map(
    (c) => ({ ...c, field, xlsx: XLSX_OF_TYPE[ORDER_FIELDS[field].sql] ?? 'text' }) as OrderColumn,
  ),
);
export const ORDER_COLUMN_KEYS = ORDER_COLUMNS.map((c) => c.key) as [OrderColumnKey, ...OrderColumnKey[]];

const BY_KEY = new Map(ORDER_COLUMNS.map((c) => [c.key, c]));

export function orderColumn(key: OrderColumnKey): OrderColumn {
  return BY_KEY.get(key)!;
}
