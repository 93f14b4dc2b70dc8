// What each op does to the local copy of a row: used when the user makes the change (optimistic local write) and
// when a row is rebased (the head office's row with the still-pending ops replayed on top). The head office's
// answer always replaces the prediction, so these only need to be right enough to show the user.
import { CREATE_FIELDS } from '../../domain/order-fields.js';
import { type OrderStatus, statusRule } from '../../domain/order-status.js';
import type { OpKind, SyncRow } from '../../domain/sync-protocol.js';
import { formatTimeWindow, newOrderRow, PATCH_COLUMNS, parseTimeWindow } from './mirror-order-row.js';
import { applyWastePatch } from './part-ops.js';

type Payload = Record<string, unknown>;

/** The order fields each kind changes, as the conflict dialog names them (payload names → row columns). */
export const OP_FIELDS: Record<OpKind, Record<string, string>> = {
  'order.create': {},
  'order.update': PATCH_COLUMNS,
  'order.status': {
    status: 'status',
    reasonCode: 'status',
    notes: 'status',
    appointmentDate: 'appointment_date',
    appointmentTimeWindow: 'appointment_time_window',
  },
  'order.appointment': { date: 'appointment_date', timeWindow: 'appointment_time_window', reason: 'appointment_date' },
  'order.assign': { installerId: 'installer_id', override: 'installer_id', reason: 'installer_id' },
  'order.unassign': {},
  'order.split': {},
  'serial.record': {},
  'waste.add': {},
  'waste.update': {},
  'waste.remove': {},
  'happycall.record': {},
};

function bump(row: SyncRow, now: string): SyncRow {
  return { ...row, version: ((row.version as number | null) ?? 0) + 1, updated_at: now };
}

/**
 * A new appointment date with the window chosen, or (none chosen) the current window's hours on the new date, as
 * the head office does (domain/appointment-slots.ts nextWindow; whole days, as Korean time has no DST).
 */
function moveAppointment(row: SyncRow, date: unknown, chosen: unknown): void {
  const before = row.appointment_date;
  row.appointment_date = date;
  if (chosen !== undefined) {
    row.appointment_time_window = formatTimeWindow(chosen as { start: string; end: string } | null);
    return;
  }
  const w = parseTimeWindow(row.appointment_time_window);
  if (!w || typeof before !== 'string' || typeof date !== 'string') return;
  const shift = Date.parse(`${date}T00:00:00Z`) - Date.parse(`${before}T00:00:00Z`);
  row.appointment_time_window = formatTimeWindow({
    start: new Date(Date.parse(w.start) + shift).toISOString(),
    end: new Date(Date.parse(w.end) + shift).toISOString(),
  });
}

/**
 * The op's own entity row after `kind` with `payload` (the order; the pick-up for waste.update/remove); null when
 * there is no row (it was deleted, or the op removes it). What an op does to other rows is in part-ops.ts.
 */
export function applyOrderOp(kind: OpKind, payload: Payload, row: SyncRow | null, now: string): SyncRow | null {
  if (kind === 'order.create') {
    if (row) return row; // already on the head office: its row wins
    return newOrderRow(Object.fromEntries(CREATE_FIELDS.map((f) => [f, payload[f]])), now);
  }
  if (!row) return null;
  switch (kind) {
    // the order's version stays: serials and pick-ups are rows of their own
    case 'serial.record':
    case 'waste.add':
    case 'happycall.record':
      return row;
    case 'waste.update':
      return applyWastePatch(row, payload, now);
    case 'waste.remove':
      return null;
  }
  const next = bump(row, now);
  switch (kind) {
    case 'order.split':
      return next;
    case 'order.update':
      for (const [field, column] of Object.entries(PATCH_COLUMNS)) {
        if (field in payload) next[column] = payload[field] ?? null;
      }
      return next;
    case 'order.status':
      next.status = payload.status;
      if (statusRule(payload.status as OrderStatus).clearsInstaller) next.installer_id = null;
      if (payload.appointmentDate !== undefined)
        moveAppointment(next, payload.appointmentDate, payload.appointmentTimeWindow);
      return next;
    case 'order.appointment':
      moveAppointment(next, payload.date, payload.timeWindow);
      return next;
    case 'order.assign':
      // the head office also moves the order to the installer's partner; its answer brings that
      next.installer_id = payload.installerId;
      next.status = '배정';
      return next;
    case 'order.unassign':
      next.installer_id = null;
      next.status = '미배정';
      return next;
  }
}

/** The order lines an order.create brings (with the ids the client gave them). */
export function createdLines(payload: Payload, now: string): SyncRow[] {
  const lines = (payload.lines as Record<string, unknown>[] | undefined) ?? [];
  return lines.map((l) => ({
    id: l.id,
    order_id: payload.id,
    order_created_at: now,
    item_code: l.itemCode,
    item_name: l.itemName,
    quantity: l.quantity,
    weight: l.weight ?? null,
    version: 1,
    created_at: now,
    updated_at: now,
  }));
}
