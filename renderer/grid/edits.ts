// The one way the grid changes orders: an inline edit, a paste, a Delete and an undo all end here, one
// orders:update per order (so each becomes one op in the outbox), recorded as one undo step.
import type { OrderRow } from '../../domain/order-row.js';
import { errorText, i18next } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useOrders } from '../stores/orders.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';
import { canUndo, createUndoStack, type Patch, previousValues, type UndoRow } from './undo.js';

export const gridUndo = createUndoStack();

export interface EditFailure {
  orderNo: string;
  message: string;
}

/** Applies the patches in order; returns what the client refused (a conflict is sent to the conflicts screen). */
export async function applyEdits(
  edits: ReadonlyArray<{ row: OrderRow; patch: Patch }>,
  opts: { record: boolean } = { record: true },
): Promise<EditFailure[]> {
  const failures: EditFailure[] = [];
  const step: UndoRow[] = [];
  for (const { row, patch } of edits) {
    const current = useOrders.getState().rows.find((r) => r.id === row.id) ?? row;
    const r = await useOrders.getState().update(current, patch);
    if (r.ok) {
      // the values as the order holds them now (a phone typed without dashes is stored with them)
      step.push({
        id: row.id,
        orderNo: row.orderNo,
        before: previousValues(current, patch),
        after: previousValues(r.row, patch),
        opId: r.opId,
      });
      continue;
    }
    if (r.error.code === 'CONFLICT') {
      useUi.getState().toast('error', i18next.t('grid.conflict'));
      void useSync.getState().refresh();
    }
    failures.push({ orderNo: row.orderNo, message: errorText(r.error) });
  }
  if (opts.record) gridUndo.push(step);
  return failures;
}

/**
 * Ctrl+Z: undoes the last step if the head office has not got it yet; otherwise says why not. While its ops wait
 * in the outbox they are taken back out: nothing reaches the head office, the rows show its values again. An op
 * already on its way (a push under way, or sent with its answer lost), or with a later change of its order queued
 * on top of it, cannot be taken back: the old values are then sent as a new edit, and the clerk is told why.
 */
export async function undoLastEdit(): Promise<void> {
  const { toast } = useUi.getState();
  const rows = new Map(useOrders.getState().rows.map((r) => [r.id, r]));
  const step = gridUndo.peek();
  const check = canUndo(step, rows);
  if (!check.ok) {
    if (check.why !== 'nothing') gridUndo.pop();
    toast('info', i18next.t(`grid.undo.${check.why}`, { orderNo: check.orderNo ?? '' }));
    return;
  }
  gridUndo.pop();
  const undo = step!;
  const opIds = undo.flatMap((u) => (u.opId ? [u.opId] : []));
  const w = await tryCall('sync:withdraw', { opIds });
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
  const orderNo = undo.find((u) => u.opId === why.opId)?.orderNo ?? undo[0]!.orderNo;
  if (why.why === 'gone') {
    // answered (or refused) between the check and now: the head office has it, as for 'pushed'
    toast('info', i18next.t('grid.undo.pushed', { orderNo }));
    return;
  }
  const failures = await applyEdits(
    undo.map((u) => ({ row: rows.get(u.id)!, patch: u.before })),
    { record: false },
  );
  if (failures.length > 0) {
    toast('error', i18next.t('grid.undo.failed', { orderNo: failures[0]!.orderNo, message: failures[0]!.message }));
    return;
  }
  const reason = why.why === 'later' ? 'resentLater' : 'resentSending';
  toast('success', i18next.t(`grid.undo.${reason}`, { count: undo.length, orderNo }));
}
