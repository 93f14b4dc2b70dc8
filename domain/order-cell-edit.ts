// Turning what a clerk typed or pasted into one cell into an order patch, validated by the same zod schema the
// services and the head office apply (domain/order-schemas.ts), so a bad value is refused before it is queued.

import {
  type AppointmentSlot,
  DEFAULT_APPOINTMENT_SLOTS,
  slotProblem,
  slotWindow,
  windowHours,
} from './appointment-slots.js';
import type { TimeWindow } from './field-types.js';
import { fieldDef, orderColumn } from './order-fields.js';
import type { OrderRow } from './order-row.js';
import type { OrderPatch } from './order-schemas.js';
import { address, orderPatch } from './order-schemas.js';
import { appointmentDateProblem, type OrderStatus, type StatusProblem } from './order-status.js';
import { EDITABLE_COLUMNS, type OrderColumnKey } from './order-view.js';
import { clockText, parseTimeWindow } from './time-window-text.js';

// What a typed or pasted boolean cell means: the tick the grid copies, and the yes/no people type in Excel
const BOOLEAN_YES = new Set(['✓', '✔', 'v', 'y', 'yes', 'o', '예', '네', 'true', '1']);
const BOOLEAN_NO = new Set(['', 'n', 'no', 'x', '아니오', '아니요', 'false', '0']);

/** Why a field cell's value is refused, as a code the UI words in the user's language (and a detail for logs). */
export type FieldProblem = 'required' | 'tooLong' | 'format' | 'phone' | 'date' | 'postal' | 'readOnly';
/** A field's, or the 시간대 cell's; `rule`: the head office's workflow rule, the refusal's `rule` worded by statusProblemText. */
export type CellProblem = FieldProblem | 'timeWindow' | 'windowWithoutDate' | 'rule';
export type CellRefusal<P extends CellProblem = CellProblem> = {
  ok: false;
  problem: P;
  max?: number;
  rule?: StatusProblem;
  message: string;
};
export type CellPatch = { ok: true; patch: Omit<OrderPatch, 'version'> } | CellRefusal<FieldProblem>;

export function isEditable(key: string): key is OrderColumnKey {
  return (EDITABLE_COLUMNS as readonly string[]).includes(key);
}

type Issue = { code: string; message: string; path: PropertyKey[]; maximum?: unknown; origin?: string };

function refusal(key: OrderColumnKey, r: { error?: { issues: readonly unknown[] } }): CellRefusal<FieldProblem> {
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

/** The order's branch slots, as the reference data holds them (the head office checks against the same). */
export interface BranchSlotsRef {
  slots: readonly AppointmentSlot[];
  timeZone: string;
}

/** A branch the mirror does not describe yet (before the first pull): the default slots, in Korea. */
export const DEFAULT_BRANCH_SLOTS: BranchSlotsRef = { slots: DEFAULT_APPOINTMENT_SLOTS, timeZone: 'Asia/Seoul' };

/** What a 시간대 cell's text asks for: a new window, none (null), or nothing to change (undefined). */
export type CellWindow = { ok: true; window: TimeWindow | null | undefined } | CellRefusal;

/**
 * The grid's 시간대 cell typed or pasted as text (the drawer's appointment change, on the order's own date): the
 * text is read as the Excel import reads a window (time-window-text.ts, the branch's slot names first), and must be
 * one of the branch's slots — the rule the appointment change obeys at the head office (appointment-slots.ts) —
 * unless it is the window the order already has. Empty text clears the window. The order must have an appointment
 * date and be open (appointmentDateProblem), as for any appointment change.
 */
export function cellWindow(row: OrderRow, raw: string, branch: BranchSlotsRef): CellWindow {
  const text = raw.replace(/\r?\n$/, '').trim();
  const current = row.appointmentTimeWindow;
  let hours: { start: string; end: string } | null = null;
  if (text === '') {
    if (!current) return { ok: true, window: undefined };
  } else {
    const clock = parseTimeWindow(text, branch.slots);
    if (!clock) return { ok: false, problem: 'timeWindow', message: 'not a time window' };
    hours = { start: clockText(clock.start), end: clockText(clock.end) };
    if (current) {
      const now = windowHours(current, branch.timeZone);
      if (
        now.start === hours.start &&
        now.end === hours.end &&
        (!row.appointmentDate || now.date === row.appointmentDate)
      )
        return { ok: true, window: undefined };
    }
  }
  // the head office's order of refusals: the appointment (date, open order), then the window
  const date = row.appointmentDate;
  if (!date) return { ok: false, problem: 'windowWithoutDate', message: 'no appointment date' };
  const closed = appointmentDateProblem({
    status: row.status as OrderStatus,
    date,
    createdAt: row.createdAt,
    field: 'timeWindow',
  });
  if (closed) return ruleRefusal(closed);
  if (!hours) return { ok: true, window: null };
  const slot = branch.slots.find((s) => s.start === hours.start && s.end === hours.end);
  if (!slot) return ruleRefusal(slotProblem('windowNotASlot', date, branch.slots, 'timeWindow'));
  return { ok: true, window: slotWindow(date, slot, branch.timeZone) };
}

function ruleRefusal(rule: StatusProblem): CellRefusal {
  return { ok: false, problem: 'rule', rule, message: rule.key };
}
