// The order workflow: status changes along domain/order-status.ts TRANSITIONS by the roles of
// domain/roles.ts STATUS_TARGETS_BY_ROLE, with the reason codes they need, and appointment changes.
// The triggers write order_status_history / appointments / audit_logs from the notes set here.
import { appointmentChange, statusChange } from '../../domain/order-schemas.js';
import {
  allowedTransitions,
  CAPACITY_STATUSES,
  canTransition,
  REASON_REQUIRED,
  TERMINAL_STATUSES,
} from '../../domain/order-status.js';
import { roleMaySetStatus } from '../../domain/roles.js';
import { checkAssignment, checkCapacityOnDate } from '../assignment/assignment.service.js';
import { authorize } from '../auth/authorize.js';
import { type Tx, withTriggerNotes } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ForbiddenError, RuleError, ValidationError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { notifyOrderAssigned, notifyOrderStatusChanged } from '../notifications/notifications.service.js';
import type { Order, OrderChanges } from '../orders/orders.repository.js';
import { applyOrderChanges, requireOrder, requireVersion } from '../orders/orders.service.js';
import { requireSerialsForDelivery } from '../serials/serials.service.js';
import { requireUndelivered, splitOffLines } from '../splits/split.service.js';
import { findReasonCode } from './workflow.repository.js';

/**
 * POST /api/orders/:id/status {version, status, reasonCode?, notes?, appointmentDate?, appointmentTimeWindow?}
 *
 * Order of checks: the body (400), whether the role may set that status at all (403), the order (404), the
 * version (409), the transition (422 listing the statuses this role may go to from here), the reason code.
 * 부분인수 needs `undelivered` [{lineId, quantity}]: that part is split off into a new order (split.service.ts).
 * 인수 and 부분인수 need the serial numbers of serialised items (serials.service.ts), 422 listing the lines.
 */
export async function changeStatus(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<Order> {
  authorize(actor, 'orders.status');
  const orderId = parseId(id);
  const input = parse(statusChange, body);
  const to = input.status;
  if (!roleMaySetStatus(actor.role, to)) {
    throw new ForbiddenError('errors.forbiddenStatus', { field: 'status', params: { status: to } });
  }
  const order = await requireOrder(tx, orderId, { lock: true });
  requireVersion(order, input.version);
  const from = order.status;
  if (input.correction) {
    // A correction leaves a terminal state by hand; the notes (required by the schema) go to the history.
    authorize(actor, 'orders.correct');
    if (!TERMINAL_STATUSES.includes(from) || from === to) {
      throw new RuleError('NOT_A_CORRECTION', 'errors.notACorrection', { field: 'correction', params: { from, to } });
    }
  } else if (!canTransition(from, to)) {
    const allowed = allowedTransitions(from).filter((s) => roleMaySetStatus(actor.role, s));
    throw new RuleError('ILLEGAL_TRANSITION', 'errors.illegalTransition', {
      field: 'status',
      params: { from, to, allowed: allowed.join(', ') || '—' },
      details: { from, to, allowed },
    });
  }

  const reasonType = REASON_REQUIRED[to];
  if (reasonType) {
    if (!input.reasonCode) {
      throw new ValidationError('reasonCode', 'errors.reasonRequired', { params: { status: to, type: reasonType } });
    }
    const reason = await findReasonCode(tx, input.reasonCode);
    if (!reason || reason.type !== reasonType) {
      throw new RuleError('REASON_CODE', 'errors.reasonInvalid', {
        field: 'reasonCode',
        params: { code: input.reasonCode, type: reasonType },
        details: { expectedType: reasonType },
      });
    }
    if (!reason.isActive) {
      throw new RuleError('REASON_CODE', 'errors.reasonInactive', {
        field: 'reasonCode',
        params: { code: input.reasonCode },
        details: { expectedType: reasonType },
      });
    }
  } else if (input.reasonCode) {
    throw new ValidationError('reasonCode', 'errors.reasonNotExpected', { params: { status: to } });
  }

  const changes: OrderChanges = { status: to };
  if (to === '연기') {
    if (!input.appointmentDate) throw new ValidationError('appointmentDate', 'errors.appointmentRequired');
    changes.appointmentDate = input.appointmentDate;
    changes.appointmentTimeWindow = input.appointmentTimeWindow ?? null;
  } else if (input.appointmentDate !== undefined || input.appointmentTimeWindow !== undefined) {
    const field = input.appointmentDate !== undefined ? 'appointmentDate' : 'appointmentTimeWindow';
    throw new ValidationError(field, 'errors.appointmentNotExpected');
  }
  if (to === '미배정') changes.installerId = null;
  if (to === '배정') {
    // 배정 through this endpoint keeps the order's installer (e.g. back from 연기); choosing one is /assign.
    if (!order.installerId) throw new RuleError('NEEDS_INSTALLER', 'errors.needsInstaller', { field: 'status' });
    // Coming back into the installer's day (from 연기) takes a slot again: the assignment rules apply.
    if (!CAPACITY_STATUSES.includes(from)) await checkAssignment(tx, order, order.installerId, { override: false });
  }
  // 부분인수: the undelivered lines (or parts) go to a new child order in this same transaction (split).
  if (to === '부분인수') {
    const undelivered = requireUndelivered(input.undelivered, 'undelivered');
    await splitOffLines(tx, actor, order, undelivered, { appointment: 'clear', field: 'undelivered' });
  } else if (input.undelivered !== undefined) {
    throw new ValidationError('undelivered', 'errors.split.undeliveredNotExpected', { params: { status: to } });
  }
  // 인수 (and the delivered part of 부분인수) needs a serial for every unit of a serialised item.
  if (to === '인수' || to === '부분인수') await requireSerialsForDelivery(tx, order);

  const changed = await withTriggerNotes(
    tx,
    {
      reasonCode: input.reasonCode ?? null,
      statusNote: input.notes ?? null,
      changeReason: to === '연기' ? [input.reasonCode, input.notes].filter(Boolean).join(' ') : null,
    },
    () => applyOrderChanges(tx, order.id, input.version, changes),
  );
  // FR-11: 부재/연기/취소 tell the branch managers; back to 배정 (from 연기) tells the installer again
  await notifyOrderStatusChanged(tx, changed, { from, reasonCode: input.reasonCode });
  if (to === '배정') await notifyOrderAssigned(tx, changed);
  return changed;
}

/**
 * POST /api/orders/:id/appointment {version, date, timeWindow?, reason}: the trigger logs it in appointments.
 * An order holding a slot of its installer's day needs a free slot on the new day.
 */
export async function changeAppointment(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<Order> {
  authorize(actor, 'orders.appointment');
  const orderId = parseId(id);
  const input = parse(appointmentChange, body);
  const order = await requireOrder(tx, orderId, { lock: true });
  requireVersion(order, input.version);
  if (TERMINAL_STATUSES.includes(order.status)) {
    throw new RuleError('ORDER_CLOSED', 'errors.orderClosed', { field: 'date', params: { status: order.status } });
  }
  if (input.date !== order.appointmentDate) await checkCapacityOnDate(tx, order, input.date);
  const changes: OrderChanges = { appointmentDate: input.date };
  if (input.timeWindow !== undefined) changes.appointmentTimeWindow = input.timeWindow;
  return withTriggerNotes(tx, { changeReason: input.reason }, () =>
    applyOrderChanges(tx, order.id, input.version, changes),
  );
}
