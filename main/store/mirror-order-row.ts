// An order as the client's mirror stores it (db/client: snake_case columns, a time window as PostgreSQL prints
// it), made from the field table (domain/order-fields.ts): the columns a prediction writes are those of the fields.
import { fieldDef, fieldsWhere, type OrderField, PATCH_FIELDS } from '../../domain/order-fields.js';
import { INITIAL_STATUS } from '../../domain/order-status.js';
import type { SyncRow } from '../../domain/sync-protocol.js';

/** A time window as PostgreSQL prints a tstzrange: ["start","end"). */
export function formatTimeWindow(w: { start: string; end: string } | null | undefined): string | null {
  return w ? `["${new Date(w.start).toISOString()}","${new Date(w.end).toISOString()}")` : null;
}

function isoFromPg(s: string): string {
  // "2024-05-01 09:00:00+09" → "2024-05-01T09:00:00+09:00"
  const t = s
    .trim()
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

export function parseTimeWindow(v: unknown): { start: string; end: string } | null {
  if (typeof v !== 'string' || v === 'empty') return null;
  const m = /^[[(]"?([^",]*)"?,"?([^",\])]*)"?[\])]$/.exec(v);
  if (!m?.[1] || !m[2]) return null;
  return { start: isoFromPg(m[1]), end: isoFromPg(m[2]) };
}

/** Mirror column of each field a clerk may edit (payload names → row columns). */
export const PATCH_COLUMNS: Record<string, string> = Object.fromEntries(
  PATCH_FIELDS.map((f) => [f, fieldDef(f).sqlite!]),
);

/** Every column of the mirror's orders table that an order field names. */
const MIRROR_COLUMNS = fieldsWhere((d) => d.sqlite !== null).map((f) => fieldDef(f).sqlite!);

/** A field's value as the mirror stores it (a time window as PostgreSQL prints it). */
function mirrorValue(f: OrderField, v: unknown): unknown {
  if (fieldDef(f).sql === 'tstzrange') return formatTimeWindow(v as { start: string; end: string } | undefined);
  return v ?? null;
}

/** A new order row of the mirror: every column null, then `set` (field → value), as the head office makes it. */
export function newOrderRow(set: Partial<Record<OrderField, unknown>>, now: string): SyncRow {
  const row: SyncRow = Object.fromEntries(MIRROR_COLUMNS.map((c) => [c, null]));
  for (const [f, v] of Object.entries(set) as [OrderField, unknown][]) row[fieldDef(f).sqlite!] = mirrorValue(f, v);
  return { ...row, status: INITIAL_STATUS, version: 1, created_at: now, updated_at: now };
}
