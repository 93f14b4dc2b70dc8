// Turning what a clerk typed or pasted into one cell into an order patch, validated by the same zod schema the
// services and the head office apply (domain/order-schemas.ts), so a bad value is refused before it is queued.

import { fieldDef, orderColumn } from './order-fields.js';
import type { OrderRow } from './order-row.js';
import type { OrderPatch } from './order-schemas.js';
import { address, orderPatch } from './order-schemas.js';
import { EDITABLE_COLUMNS, type OrderColumnKey } from './order-view.js';

// What a typed or pasted boolean cell means: the tick the grid copies, and the yes/no people type in Excel
const BOOLEAN_YES = new Set(['✓', '✔', 'v', 'y', 'yes', 'o', '예', '네', 'true', '1']);
const BOOLEAN_NO = new Set(['', 'n', 'no', 'x', '아니오', '아니요', 'false', '0']);

/** Why a cell value is refused, as a code the UI words in the user's language (and a detail for logs). */
export type CellProblem = 'required' | 'tooLong' | 'format' | 'phone' | 'date' | 'postal' | 'readOnly';
export type CellRefusal = { ok: false; problem: CellProblem; max?: number; message: string };
export type CellPatch = { ok: true; patch: Omit<OrderPatch, 'version'> } | CellRefusal;

export function isEditable(key: string): key is OrderColumnKey {
  return (EDITABLE_COLUMNS as readonly string[]).includes(key);
}

type Issue = { code: string; message: string; path: PropertyKey[]; maximum?: unknown; origin?: string };

function refusal(key: OrderColumnKey, r: { error?: { issues: readonly unknown[] } }): CellRefusal {
  const issue = r.error?.issues[0] as Issue | undefined;
  const message = issue?.message ?? 'invalid';
  if (!issue) return { ok: false, problem: 'format', message };
  if (issue.code === 'too_small' || issue.code === 'invalid_type') return { ok: false, problem: 'required', message };
  if (issue.code === 'too_big') return { ok: false, problem: 'tooLong', max: Number(issue.maximum), message };
  if (issue.path.includes('postal')) return { ok: false, problem: 'postal', message };
  const { field } = orderColumn(key);
  if (field === 'customerPhone' || field === 'customerPhone2') return { ok: false, problem: 'phone', message };
  if (fieldDef(field).sql === 'date') return { ok: false, problem: 'date', message };
  return { ok: false, problem: 'format', message };
}

/** The patch a cell edit makes, or why it is refused. Empty text clears optional fields. */
export function cellPatch(row: OrderRow, key: OrderColumnKey, raw: string): CellPatch {
  const text = raw.replace(/\r?\n$/, '');
  const trimmed = text.trim();
  const nullable = trimmed === '' ? null : trimmed;
  const column = orderColumn(key);
  let patch: Omit<OrderPatch, 'version'>;
  switch (column.edit) {
    case 'text':
      patch = { [column.field]: trimmed };
      break;
    case 'nullable':
      patch = { [column.field]: nullable };
      break;
    case 'raw':
      patch = { [column.field]: text === '' ? null : text };
      break;
    case 'city': {
      const a = address.safeParse({ ...row.address, city: trimmed });
      if (!a.success) return refusal(key, a);
      patch = { address: a.data };
      break;
    }
    case 'street': {
      // the grid shows street and detail in one cell; an edit replaces the street and drops the detail line
      const { line2: _dropped, ...rest } = row.address;
      const a = address.safeParse({ ...rest, line1: trimmed });
      if (!a.success) return refusal(key, a);
      patch = { address: a.data };
      break;
    }
    case 'boolean': {
      const word = trimmed.toLowerCase();
      if (!BOOLEAN_YES.has(word) && !BOOLEAN_NO.has(word))
        return { ok: false, problem: 'format', message: 'a tick (✓, Y) or nothing' };
      patch = { [column.field]: BOOLEAN_YES.has(word) };
      break;
    }
    default:
      return { ok: false, problem: 'readOnly', message: 'read-only' };
  }
  const checked = orderPatch.safeParse({ version: Math.max(1, row.version), ...patch });
  if (!checked.success) return refusal(key, checked);
  return { ok: true, patch };
}

/** Space or a click on a boolean cell: the patch that flips it (any other cell has no toggle). */
export function cellToggle(row: OrderRow, key: OrderColumnKey): CellPatch {
  const column = orderColumn(key);
  if (column.edit !== 'boolean') return { ok: false, problem: 'readOnly', message: 'not a boolean cell' };
  const current = (row as unknown as Record<string, unknown>)[column.field] === true;
  return { ok: true, patch: { [column.field]: !current } };
}

/** Whether applying the patch would change anything (pasting the same value must not queue an op). */
export function patchChanges(row: OrderRow, patch: Omit<OrderPatch, 'version'>): boolean {
  for (const [k, v] of Object.entries(patch)) {
    const current = (row as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(current ?? null) !== JSON.stringify(v ?? null)) return true;
  }
  return false;
}
