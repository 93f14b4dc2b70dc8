// 해피콜 outcomes (issue 15): the one server-side path that records a call — POST /api/orders/:id/happy-calls and
// the sync op happycall.record both end in recordHappyCall. An outcome is an append: the order's version is
// accepted and never required, and nothing of the order changes here — a new time window (확인), a postponement
// (연기 요청) or a cancellation (취소 요청) is the workflow's own action, sent by the client after the call.
import { CALLABLE_STATUSES, type HappyCall, happyCallAdd, happyCallListQuery } from '../../domain/happy-calls.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ValidationError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { enqueueOrderNotice } from '../notices/notices.service.js';
import { requireNotCancelled, requireNotLocked, requireOrderRef } from '../shared/order-ref.js';
import * as repo from './happy-calls.repository.js';

/** A call recorded offline arrives later; one stamped ahead of the head office's clock by more than this is refused. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * POST /api/orders/:id/happy-calls {outcome, timeWindow?, retryAt?, note?, calledAt?, id?, version?} → 201 with the
 * call. The caller is the call's `calledBy`. A CONFIRMED outcome is written here and only here, so here it queues
 * the customer's confirmation notice (server/notices, in this transaction).
 */
export async function recordHappyCall(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<HappyCall> {
  authorize(actor, 'orders.happycall');
  const orderId = parseId(id);
  const input = parse(happyCallAdd, body);
  if (input.calledAt && Date.parse(input.calledAt) > Date.now() + CLOCK_SKEW_MS)
    throw new ValidationError('calledAt', 'errors.happyCall.future');
  const order = await requireOrderRef(tx, orderId, { lock: true });
  requireNotCancelled(order, 'outcome');
  await requireNotLocked(tx, order);
  const callId = await repo.insertCall(tx, {
    id: input.id,
    orderId: order.id,
    outcome: input.outcome,
    timeWindow: input.timeWindow,
    retryAt: input.retryAt,
    note: input.note,
    calledBy: actor.userId,
    calledAt: input.calledAt,
  });
  // the customer hears the confirmation (server/notices); keyed by the call, so it is queued once per call
  if (input.outcome === 'CONFIRMED') {
    await enqueueOrderNotice(tx, {
      orderId: order.id,
      event: 'HAPPY_CALL_CONFIRMED',
      eventKey: `happy-call:${callId}`,
    });
  }
  return (await repo.findCall(tx, callId))!;
}

/** GET /api/orders/:id/happy-calls: the order's calls, oldest first. */
export async function listOrderCalls(tx: Tx, actor: Actor, id: unknown) {
  authorize(actor, 'orders.read');
  const order = await requireOrderRef(tx, id);
  return { orderId: order.id, items: await repo.listCalls(tx, order.id) };
}

/**
 * GET /api/happy-calls?date=&branchId=: the day's assigned orders (배정, 배정확정, 출고확정) with their last call, in
 * the assignment board's order (installer, then window). A branch manager gets its own branch.
 */
export async function dayList(tx: Tx, actor: Actor, query: unknown) {
  authorize(actor, 'orders.read');
  const q = parse(happyCallListQuery, query);
  const branch = await branchInScope(tx, actor, q.branchId);
  return { date: q.date, items: await repo.dayOrders(tx, q.date, CALLABLE_STATUSES, branch?.id ?? null) };
}
