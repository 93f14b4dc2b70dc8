// Split orders (분할): part of an order's goods move to a new child order with a number derived from the parent's
// (<root order_no>-S1, -S2 …), whole lines or part of a line's quantity, recorded in split_orders — one
// transaction. POST /api/orders/:id/split uses it directly; a 부분인수 status change uses splitOffLines() for the
// undelivered remainder inside its own transaction.
import { type PartProblem, splitProblem, splittable } from '../../domain/order-part-rules.js';
import { type SplitLineInput, type SplitOrderLine, splitOrderBody } from '../../domain/order-parts.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { RuleError, ValidationError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import {
  asManagerOfBranch,
  bumpOrderVersion,
  type OrderRef,
  requireNotLocked,
  requireOrderRef,
  requireOrderVersion,
} from '../shared/order-ref.js';
import * as repo from './split.repository.js';

/** The longest order number a split may produce (orders.order_no is varchar(40), migration 0020). */
export const ORDER_NO_MAX = 40;

export const splitBody = splitOrderBody;

export { splittable };

export interface SplitLineResult {
  /** the parent's line the quantity came from (for a whole line: the line itself, now the child's) */
  lineId: string;
  /** the child's line */
  childLineId: string;
  quantity: number;
  whole: boolean;
}

export interface SplitOutcome {
  parent: { id: string; orderNo: string; version: number; lines: repo.LineRow[] };
  child: {
    id: string;
    orderNo: string;
    status: OrderStatus;
    version: number;
    appointmentDate: string | null;
    lines: repo.LineRow[];
  };
  moved: SplitLineResult[];
}

export interface SplitOptions {
  /** the request field the lines came in, for error messages (lines, undelivered) */
  field: string;
  /** the child's id, when the caller chose it (a client that made the split offline) */
  childId?: string;
}

function ruleErrorOf(p: PartProblem): RuleError {
  return new RuleError(p.code, p.messageKey, { field: p.field, params: p.params, details: p.details });
}

/**
 * Splits `lines` off `order` (which the caller has read and locked under its own row-level security) into a new
 * child order. Checks: the order's status (422), its settlement week (423), every line belongs to the order and
 * the quantities fit (422 naming `<field>.<i>.…`), something stays behind, serials recorded on a line still fit
 * its reduced quantity. Does not touch the parent order row itself (the caller bumps its version or changes its
 * status in the same transaction).
 */
export async function splitOffLines(
  tx: Tx,
  actor: Actor,
  order: OrderRef,
  lines: SplitLineInput[],
  opts: SplitOptions,
): Promise<SplitOutcome> {
  if (!splittable(order.status)) {
    throw new RuleError('NOT_SPLITTABLE', 'errors.split.status', {
      field: 'status',
      params: { status: order.status },
      details: { status: order.status },
    });
  }
  await requireNotLocked(tx, order);
  const current = await repo.lockLines(tx, order.id);
  const byId = new Map(current.map((l) => [l.id, l]));
  const problem = splitProblem(current, lines, opts.field);
  if (problem) throw ruleErrorOf(problem);

  return asManagerOfBranch(tx, actor, order, async () => {
    const base = await repo.splitRootOrderNo(tx, order);
    const orderNo = await repo.nextSplitOrderNo(tx, base);
    if (orderNo.length > ORDER_NO_MAX) {
      throw new RuleError('ORDER_NO_TOO_LONG', 'errors.split.orderNoTooLong', { params: { orderNo } });
    }
    const child = await repo.insertChildOrder(tx, order, orderNo, opts.childId);
    const moved: SplitLineResult[] = [];
    for (const req of lines) {
      const line = byId.get(req.lineId)!;
      const whole = req.quantity === line.quantity;
      const childLineId = whole
        ? line.id
        : await repo.splitLine(tx, line, req.quantity, child, (req as Partial<SplitOrderLine>).childLineId);
      if (whole) await repo.moveLine(tx, line.id, child);
      await repo.insertSplitRow(tx, {
        parent: order,
        child,
        lineId: line.id,
        quantity: req.quantity,
        userId: actor.userId,
      });
      moved.push({ lineId: line.id, childLineId, quantity: req.quantity, whole });
    }
    return {
      parent: { id: order.id, orderNo: order.orderNo, version: order.version, lines: await repo.linesOf(tx, order.id) },
      child: {
        id: child.id,
        orderNo: child.orderNo,
        status: child.status,
        version: child.version,
        appointmentDate: child.appointmentDate,
        lines: await repo.linesOf(tx, child.id),
      },
      moved,
    };
  });
}

/**
 * POST /api/orders/:id/split {version, lines: [{lineId, quantity}]} → 201 with the parent (new version, its
 * remaining lines), the child and what moved.
 */
export async function splitOrder(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<SplitOutcome> {
  authorize(actor, 'orders.split');
  const input = parse(splitBody, body);
  const order = await requireOrderRef(tx, id, { lock: true });
  requireOrderVersion(order, input.version);
  const outcome = await splitOffLines(tx, actor, order, input.lines, {
    field: 'lines',
    childId: input.childId,
  });
  outcome.parent.version = await bumpOrderVersion(tx, order, input.version);
  return outcome;
}

/** For callers validating a `lines`-shaped list themselves (e.g. the 부분인수 status change). */
export function requireUndelivered(list: SplitLineInput[] | undefined, field: string): SplitLineInput[] {
  if (!list || list.length === 0) throw new ValidationError(field, 'errors.split.undeliveredRequired');
  return list;
}
