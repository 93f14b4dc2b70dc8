// The one way the grid changes orders: an inline edit, a paste, a Delete and an undo all end here, one
// orders:update per order (so each becomes one op in the outbox) and, when its 시간대 changed, the drawer's
// orders:appointment on the order's own date; all of it recorded as one undo step, with the ops it queued.
import { DEFAULT_APPOINTMENT_SLOTS } from '../../domain/appointment-slots.js';
import type { ApiError } from '../../domain/client-api.js';
import type { TimeWindow } from '../../domain/field-types.js';
import type { BranchSlotsRef } from '../../domain/order-cell-edit.js';
import type { OrderRow } from '../../domain/order-row.js';
import { errorText, i18next } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useLookups } from '../stores/lookups.js';
import { useOrders } from '../stores/orders.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';
import type { GridEdit } from './paste.js';
import { canUndo, createUndoStack, previousValues, type UndoRow } from './undo.js';

export const gridUndo = createUndoStack();

export interface EditFailure {
  orderNo: string;
  message: string;
}

/** The slots of a branch as the synced reference data has them (the defaults until the first pull). */
export function branchSlots(branchId: string): BranchSlotsRef {
  const b = useLookups.getState().branches.find((x) => x.id === branchId);
  return { slots: b?.appointmentSlots ?? DEFAULT_APPOINTMENT_SLOTS, timeZone: b?.timezone ?? 'Asia/Seoul' };
}

/** The drawer's appointment change, keeping the date: the window chosen (a slot) or none. */
async function changeWindow(
  row: OrderRow,
  timeWindow: TimeWindow | null,
): Promise<{ ok: true; row: OrderRow; opId: string } | { ok: false; error: ApiError }> {
  if (!row.appointmentDate)
    return { ok: false, error: { code: 'VALIDATION', message: i18next.t('detail.windowNeedsDate') } };
  const r = await tryCall('orders:appointment', {
    id: row.id,
    change: {
      version: row.version,
      date: row.appointmentDate,
      reason: i18next.t('detail.windowReason'),
      timeWindow,
    },
  });
  if (!r.ok) return r;
  useOrders.getState().replaceRow(r.value.row);
  return { ok: true, row: r.value.row, opId: r.value.opId };
}

/** Applies the edits in order; returns what the client refused (a conflict is sent to the conflicts screen). */
export async function applyEdits(
  edits: readonly GridEdit[],
  opts: { record: boolean } = { record: true },
): Promise<EditFailure[]> {
  const failures: EditFailure[] = [];
  const step: UndoRow[] = [];
  for (const { row, patch, window } of edits) {
    const start = useOrders.getState().rows.find((r) => r.id === row.id) ?? row;
    let current = start;
    let error: ApiError | null = null;
    const opIds: string[] = [];
    if (Object.keys(patch).length > 0) {
      const r = await useOrders.getState().update(current, patch);
      if (r.ok) {
        current = r.row;
        opIds.push(r.opId);
      } else error = r.error;
    }
    let windowDone = false;
    if (!error && window !== undefined) {
      const r = await changeWindow(current, window);
      if (r.ok) {
        current = r.row;
        opIds.push(r.opId);
        windowDone = true;
      } else error = r.error;
    }
    if (current !== start)
      // the values as the order holds them now (a phone typed without dashes is stored with them)
      step.push({
        id: row.id,
        orderNo: row.orderNo,
        before: previousValues(start, patch),
        after: previousValues(current, patch),
        ...(windowDone
          ? { window: { before: start.appointmentTimeWindow, after: current.appointmentTimeWindow } }
          : {}),
        opIds,
      });
    if (!error) continue;
    if (error.code === 'CONFLICT') {
      useUi.getState().toast('error', i18next.t('grid.conflict'));
      void useSync.getState().refresh();
    }
    failures.push({ orderNo: row.orderNo, message: errorText(error) });
  }
  if (opts.record) gridUndo.push(step);
  return failures;
}

/**
 * Ctrl+Z: undoes the last step if the head office has not got it yet; otherwise says why not. While its ops wait
 * in the outbox they are taken back out: nothing reaches the head office, the rows show its values again. An op
 * already on its way (a push under way, or sent with its answer lost), or with a later change of its order queued
 * on top of it, cannot be taken back: the values before are then sent as a new change, and the clerk is told why.
 */
export async function undoLastEdit(): Promise<void> {
  const { toast } = useUi.getState();
  const rows = new Map(useOrders.getState().rows.map((r) => [r.id, r]));
  const step = gridUndo.peek();
  // the window rule matters only for sending the values before again: a withdrawal puts back any window
  const check = canUndo(step, rows);
  if (!check.ok) {
    if (check.why !== 'nothing') gridUndo.pop();
    toast('info', i18next.t(`grid.undo.${check.why}`, { orderNo: check.orderNo ?? '' }));
    return;
  }
  gridUndo.pop();
  const undo = step!;
  const w = await tryCall('sync:withdraw', { opIds: undo.flatMap((u) => u.opIds ?? []) });
  if (!w.ok) {
    toast('error', i18next.t('grid.undo.failed', { orderNo: undo[0]!.orderNo, message: errorText(w.error) }));
    return;
  }
  if (w.value.withdrawn) {
    for (const row of w.value.rows) useOrders.getState().replaceRow(row);
    void useSync.getState().refresh();
    toast('success', i18next.t('grid.undo.withdrawn', { count: undo.length }));
    return;
  }
  const why = w.value;
  const orderNo = undo.find((u) => u.opIds?.includes(why.opId))?.orderNo ?? undo[0]!.orderNo;
  if (why.why === 'gone') {
    // answered (or refused) between the check and now: the head office has it, as for 'pushed'
    toast('info', i18next.t('grid.undo.pushed', { orderNo }));
    return;
  }
  const again = canUndo(undo, rows, branchSlots);
  if (!again.ok) {
    toast('info', i18next.t(`grid.undo.${again.why}`, { orderNo: again.orderNo ?? '' }));
    return;
  }
  const failures = await applyEdits(
    undo.map((u) => ({
      row: rows.get(u.id)!,
      patch: u.before,
      ...(u.window ? { window: u.window.before } : {}),
    })),
    { record: false },
  );
  if (failures.length > 0) {
    toast('error', i18next.t('grid.undo.failed', { orderNo: failures[0]!.orderNo, message: failures[0]!.message }));
    return;
  }
  const reason = why.why === 'later' ? 'resentLater' : 'resentSending';
  toast('success', i18next.t(`grid.undo.${reason}`, { count: undo.length, orderNo }));
}
