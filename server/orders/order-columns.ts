// The SQL of an order's fields, derived from the field table (domain/order-fields.ts): what every statement
// returning orders selects, the columns an INSERT writes and an UPDATE sets, and their casts. A field added to the
// table is read, created and patched by these without another edit here unless no column holds it (COMPUTED).
import {
  CREATE_FIELDS,
  fieldDef,
  fieldsWhere,
  type OrderField,
  PATCH_FIELDS,
  type PatchField,
  type ServerComputedField,
  type SqlType,
} from '../../domain/order-fields.js';

/** How the server reads the fields no column of `orders` holds (aliased "o"; list-only fields are left out). */
const COMPUTED: Record<Exclude<ServerComputedField, 'items'>, string> = {
  installerName: '(SELECT i.name FROM installers i WHERE i.id = o.installer_id)',
};

/** The one-line item summary of list rows (ITEMS_SUMMARY): also the export's items column. */
export const ITEMS_SUMMARY_SQL = `coalesce((SELECT string_agg(l.item_name || ' ' || l.item_code || ' ×' || l.quantity, ', ' ORDER BY l.created_at, l.id)
              FROM order_lines l WHERE l.order_id = o.id AND l.order_created_at = o.created_at), '')`;

function selected(f: OrderField): string {
  const d = fieldDef(f);
  if (d.pg === null) return `${COMPUTED[f as keyof typeof COMPUTED]} AS "${f}"`;
  // a time window travels as its two ends (pg parses tstzrange as text); repository.toOrder joins them
  if (d.sql === 'tstzrange') return `lower(o.${d.pg}) AS "${f}Start", upper(o.${d.pg}) AS "${f}End"`;
  return d.pg === f ? `o.${d.pg}` : `o.${d.pg} AS "${f}"`;
}

/** Every statement that returns orders selects these, aliased "o" (also in UPDATE … RETURNING). */
export const ORDER_SELECT = fieldsWhere((d) => !d.listOnly)
  .map(selected)
  .join(', ');

/** The time window fields: selected as two ends, joined again by rangesToWindows(). */
export const WINDOW_FIELDS = fieldsWhere((d) => d.sql === 'tstzrange');

const WINDOW_ENDS = WINDOW_FIELDS.map((f) => [f, `${f}Start`, `${f}End`] as const);
const WINDOW_END_KEYS = new Set<string>(WINDOW_ENDS.flatMap(([, start, end]) => [start, end]));

/**
 * Joins the two ends of each time window selected by ORDER_SELECT into {start, end} (or null), after the other
 * fields (the answer's order of keys). A fresh object filled in order, not a copy with keys deleted: a deleted
 * key turns the object into a slow dictionary for JSON.stringify (the order list's profile, round 4). `omit`: a
 * column that is not a field of the order (the list's sort key).
 */
export function rangesToWindows<T>(row: Record<string, unknown>, omit?: string): T {
  const out: Record<string, unknown> = {};
  for (const k in row) if (k !== omit && !WINDOW_END_KEYS.has(k)) out[k] = row[k];
  for (const [f, startKey, endKey] of WINDOW_ENDS) {
    const start = row[startKey] as Date | null;
    const end = row[endKey] as Date | null;
    out[f] = start && end ? { start: start.toISOString(), end: end.toISOString() } : null;
  }
  return out as T;
}

/** Column and cast of each field a PATCH may change. */
export const PATCH_COLUMNS = Object.fromEntries(
  PATCH_FIELDS.map((f) => [f, [fieldDef(f).pg!, fieldDef(f).sql] as const]),
) as Record<PatchField, readonly [string, SqlType]>;

/** A value as its SQL parameter (cast in SQL by its type): JSON as text. */
export function sqlParam(v: unknown): unknown {
  return v === null || v === undefined || typeof v !== 'object' ? (v ?? null) : JSON.stringify(v);
}

/**
 * The INSERT of a new order: its columns and, per column, the value expression over the parameters that
 * `insertValues` gives in the same order. A time window takes two parameters (its ends); the id defaults.
 */
export const INSERT_COLUMNS = CREATE_FIELDS.map((f) => fieldDef(f).pg!);

export function insertValues(o: Record<string, unknown>): { exprs: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const exprs = CREATE_FIELDS.map((f) => {
    const { sql } = fieldDef(f);
    const v = o[f];
    if (f === 'id') return `coalesce(${p(v ?? null)}::uuid, gen_random_uuid())`;
    if (sql === 'tstzrange') {
      const w = v as { start: string; end: string } | undefined;
      const start = p(w?.start ?? null);
      const end = p(w?.end ?? null);
      return `CASE WHEN ${start}::timestamptz IS NULL THEN NULL ELSE tstzrange(${start}::timestamptz, ${end}::timestamptz, '[)') END`;
    }
    // a flag left out is off (the column's default; an explicit NULL would break its NOT NULL)
    if (sql === 'boolean') return `coalesce(${p(v ?? null)}::boolean, false)`;
    return `${p(sqlParam(v))}::${sql}`;
  });
  return { exprs, params };
}

/**
 * What a split's child copies from its parent "p" (domain/order-fields.ts splitCopy): the columns and their
 * expressions. The appointment (date and window) is kept unless it is in the past.
 */
export function splitCopies(): { columns: string[]; exprs: string[] } {
  const fields = fieldsWhere((d) => d.splitCopy !== undefined);
  return {
    columns: fields.map((f) => fieldDef(f).pg!),
    exprs: fields.map((f) => {
      const { pg, splitCopy } = fieldDef(f);
      // an appointment in the past cannot be kept (chk_appointment_date): the child is rescheduled
      return splitCopy === 'ifFuture' ? `CASE WHEN p.appointment_date >= now()::date THEN p.${pg} END` : `p.${pg}`;
    }),
  };
}
