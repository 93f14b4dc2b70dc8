// Ctrl+Z in the grid: the clerk's own edits (an inline edit, a whole paste, a Delete of a range) kept as steps,
// each holding per order the values before and after and the outbox ops that carry the edit. A step can be undone
// while its changes are still waiting in the outbox — its ops are then taken back out (sync:withdraw), so the head
// office never hears of them; once the head office has them (or someone changed the order since) undoing would
// silently rewrite the head office's data, so the grid says so instead. When an op can no longer be taken back
// (a push has it), the values before are sent as a new change; a 시간대 change is then undone by choosing the
// window before again (orders:appointment), which the head office allows only for a slot of the branch or no
// window: a vendor's window that is no slot cannot be chosen back, so such a step is not undone either (a
// withdrawal puts any window back).
import { windowChoiceProblem } from '../../domain/appointment-slots.js';
import type { TimeWindow } from '../../domain/field-types.js';
import type { BranchSlotsRef } from '../../domain/order-cell-edit.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderPatch } from '../../domain/order-schemas.js';

export type Patch = Omit<OrderPatch, 'version'>;

export interface UndoRow {
  id: string;
  orderNo: string;
  /** the edited fields' values before the edit */
  before: Patch;
  /** the same fields after it */
  after: Patch;
  /** the order's time window before and after, when the step changed it */
  window?: { before: TimeWindow | null; after: TimeWindow | null };
  /** the outbox ops the edit became (its orders:update, its orders:appointment) */
  opIds?: string[];
}
export type UndoStep = UndoRow[];

const MAX_STEPS = 50;

/** The values `patch` is about to overwrite in `row`. */
export function previousValues(row: OrderRow, patch: Patch): Patch {
  const rec = row as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.keys(patch).map((k) => [k, rec[k] ?? null])) as Patch;
}

function same(row: OrderRow, values: Patch): boolean {
  const rec = row as unknown as Record<string, unknown>;
  return Object.entries(values).every(([k, v]) => JSON.stringify(rec[k] ?? null) === JSON.stringify(v ?? null));
}

const sameWindow = (a: TimeWindow | null, b: TimeWindow | null) =>
  a === null || b === null
    ? a === b
    : Date.parse(a.start) === Date.parse(b.start) && Date.parse(a.end) === Date.parse(b.end);

export type UndoCheck =
  | { ok: true }
  | { ok: false; why: 'nothing' | 'pushed' | 'changed' | 'window'; orderNo?: string };

/** Whether a step can still be undone against the rows as they are now (`branch`: an order's branch slots). */
export function canUndo(
  step: UndoStep | undefined,
  rows: ReadonlyMap<string, OrderRow>,
  branch?: (branchId: string) => BranchSlotsRef,
): UndoCheck {
  if (!step || step.length === 0) return { ok: false, why: 'nothing' };
  for (const u of step) {
    const now = rows.get(u.id);
    if (!now || !same(now, u.after)) return { ok: false, why: 'changed', orderNo: u.orderNo };
    if (u.window && !sameWindow(now.appointmentTimeWindow, u.window.after))
      return { ok: false, why: 'changed', orderNo: u.orderNo };
    if (now.pendingOps === 0) return { ok: false, why: 'pushed', orderNo: u.orderNo };
    if (u.window && branch) {
      const b = branch(now.branchId);
      const problem =
        !now.appointmentDate ||
        windowChoiceProblem({
          chosen: u.window.before,
          current: now.appointmentTimeWindow,
          date: now.appointmentDate,
          slots: b.slots,
          timeZone: b.timeZone,
          field: 'timeWindow',
        });
      if (problem) return { ok: false, why: 'window', orderNo: u.orderNo };
    }
  }
  return { ok: true };
}

export function createUndoStack() {
  let steps: UndoStep[] = [];
  return {
    push(step: UndoStep) {
      if (step.length === 0) return;
      steps = [...steps.slice(-(MAX_STEPS - 1)), step];
    },
    peek: (): UndoStep | undefined => steps[steps.length - 1],
    pop(): UndoStep | undefined {
      const last = steps[steps.length - 1];
      steps = steps.slice(0, -1);
      return last;
    },
    clear() {
      steps = [];
    },
    get size() {
      return steps.length;
    },
  };
}
