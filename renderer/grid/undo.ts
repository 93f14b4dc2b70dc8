// Ctrl+Z in the grid: the clerk's own edits (an inline edit, a whole paste, a Delete of a range) kept as steps,
// each holding per order the values before and after and the outbox op that carries the edit. A step can be undone
// while its changes are still waiting in the outbox — its ops are then taken back out (sync:withdraw), so the head
// office never hears of them; once the head office has them (or someone changed the order since) undoing would
// silently rewrite the head office's data, so the grid says so instead.
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
  /** the outbox op the edit became */
  opId?: string;
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

export type UndoCheck = { ok: true } | { ok: false; why: 'nothing' | 'pushed' | 'changed'; orderNo?: string };

/** Whether a step can still be undone against the rows as they are now. */
export function canUndo(step: UndoStep | undefined, rows: ReadonlyMap<string, OrderRow>): UndoCheck {
  if (!step || step.length === 0) return { ok: false, why: 'nothing' };
  for (const u of step) {
    const now = rows.get(u.id);
    if (!now || !same(now, u.after)) return { ok: false, why: 'changed', orderNo: u.orderNo };
    if (now.pendingOps === 0) return { ok: false, why: 'pushed', orderNo: u.orderNo };
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
