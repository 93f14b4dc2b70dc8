// Turning what a clerk typed or pasted into one cell into an order patch, validated by the same zod schema the
// services and the head office apply (domain/order-schemas.ts), so a bad value is refused before it is queued.
import type { OrderRow } from './client-api.js';
import type { OrderPatch } from './order-schemas.js';
import { address, orderPatch } from './order-schemas.js';
import { EDITABLE_COLUMNS, type OrderColumnKey } from './order-view.js';

export type CellPatch = { ok: true; patch: Omit<OrderPatch, 'version'> } | { ok: false; message: string };

export function isEditable(key: string): key is OrderColumnKey {
  return (EDITABLE_COLUMNS as readonly string[]).includes(key);
}

function firstIssue(r: { success: boolean; error?: { issues: Array<{ message: string }> } }): string {
  return r.error?.issues[0]?.message ?? 'invalid';
}

/** The patch a cell edit makes, or why it is refused. Empty text clears optional fields. */
export function cellPatch(row: OrderRow, key: OrderColumnKey, raw: string): CellPatch {
  const text = raw.replace(/\r?\n$/, '');
  const trimmed = text.trim();
  const nullable = trimmed === '' ? null : trimmed;
  let patch: Omit<OrderPatch, 'version'>;
  switch (key) {
    case 'customerName':
      patch = { customerName: trimmed };
      break;
    case 'customerPhone':
      patch = { customerPhone: nullable };
      break;
    case 'vendor':
      patch = { vendor: nullable };
      break;
    case 'promisedDate':
      patch = { promisedDate: nullable };
      break;
    case 'remarks':
      patch = { remarks: text === '' ? null : text };
      break;
    case 'city': {
      const a = address.safeParse({ ...row.address, city: trimmed });
      if (!a.success) return { ok: false, message: firstIssue(a) };
      patch = { address: a.data };
      break;
    }
    case 'address': {
      // the grid shows street and detail in one cell; an edit replaces the street and drops the detail line
      const { line2: _dropped, ...rest } = row.address;
      const a = address.safeParse({ ...rest, line1: trimmed });
      if (!a.success) return { ok: false, message: firstIssue(a) };
      patch = { address: a.data };
      break;
    }
    default:
      return { ok: false, message: 'read-only' };
  }
  const checked = orderPatch.safeParse({ version: Math.max(1, row.version), ...patch });
  if (!checked.success) return { ok: false, message: firstIssue(checked) };
  return { ok: true, patch };
}

/** Whether applying the patch would change anything (pasting the same value must not queue an op). */
export function patchChanges(row: OrderRow, patch: Omit<OrderPatch, 'version'>): boolean {
  for (const [k, v] of Object.entries(patch)) {
    const current = (row as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(current ?? null) !== JSON.stringify(v ?? null)) return true;
  }
  return false;
}
