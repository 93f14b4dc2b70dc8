// The order workflow: status changes along domain/order-status.ts TRANSITIONS by the roles of
// domain/roles.ts STATUS_TARGETS_BY_ROLE, with the reason codes they need, and appointment changes.
// The triggers write order_status_history / appointments / audit_logs from the notes set here.
import { nextWindow, windowChoiceProblem } from '../../domain/appointment-slots.js';
import type { TimeWindow } from '../../domain/field-types.js';
import { appointmentChange, statusChange } from '../../domain/order-schemas.js';
import {
  appointmentDateProblem,
  roleMaySetStatus,
  type StatusProblem,
  statusChangeProblem,
  statusRule,
  TERMINAL_STATUSES,
} from '../../domain/order-status.js';
import { checkAssignment, checkCapacityOnDate } from '../assignment/assignment.service.js';
import { authorize } from '../auth/authorize.js';
import { findBranchSlots } from '../branches/branches.repository.js';
import { type Tx, withTriggerNotes } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { type AppError, ForbiddenError, RuleError, ValidationError } from '../http/errors.js';
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
  const rule = statusRule(to);
  const problem = statusChangeProblem({
    role: actor.role,
    from,
    to,
    correction: input.correction,
    reasonCode: input.reasonCode,
    appointmentDate: input.appointmentDate,
    appointmentTimeWindow: input.appointmentTimeWindow,
    undelivered: input.undelivered,
    hasInstaller: order.installerId !== null,
    reason: rule.reason && input.reasonCode ? await reasonLookup(tx, input.reasonCode) : undefined,
  });
  if (problem) throw statusProblemError(problem);
  // 연기's new date: no earlier than the day the order was received
  if (rule.newAppointment && input.appointmentDate) {
    const dateProblem = appointmentDateProblem({
      status: from,
      date: input.appointmentDate,
      createdAt: order.createdAt,
      field: 'appointmentDate',
    });
    if (dateProblem && dateProblem.code !== 'ORDER_CLOSED') throw statusProblemError(dateProblem);
  }

  const changes: OrderChanges = { status: to };
  if (rule.newAppointment && input.appointmentDate) {
    changes.appointmentDate = input.appointmentDate;
    changes.appointmentTimeWindow = await chosenWindow(
      tx,
      order,
      input.appointmentTimeWindow,
      input.appointmentDate,
      'appointmentTimeWindow',
    );
  }
  if (rule.clearsInstaller) changes.installerId = null;
  // Coming back into the installer's day (e.g. 배정 from 연기) takes a slot again: the assignment rules apply.
  if (rule.needsInstaller && order.installerId && rule.holdsCapacity && !statusRule(from).holdsCapacity) {
    await checkAssignment(tx, order, order.installerId, { override: false });
  }
  // 부분인수: the undelivered lines (or parts) go to a new child order in this same transaction (split), which keeps
  // the appointment (date and window) so it shows on that day's board to be assigned or postponed.
  if (rule.needsUndelivered) {
    const undelivered = requireUndelivered(input.undelivered, 'undelivered');
    await splitOffLines(tx, actor, order, undelivered, { field: 'undelivered' });
  }
  // 인수 (and the delivered part of 부분인수) needs a serial for every unit of a serialised item.
  if (rule.needsSerials) await requireSerialsForDelivery(tx, order);

  const changed = await withTriggerNotes(
    tx,
    {
      reasonCode: input.reasonCode ?? null,
      statusNote: input.notes ?? null,
      changeReason: rule.newAppointment ? [input.reasonCode, input.notes].filter(Boolean).join(' ') : null,
    },
    () => applyOrderChanges(tx, order.id, input.version, changes),
  );
  // FR-11: 부재/연기/취소 tell the branch managers; back to 배정 (from 연기) tells the installer again
  await notifyOrderStatusChanged(tx, changed, { from, reasonCode: input.reasonCode });
  if (rule.needsInstaller) await notifyOrderAssigned(tx, changed);
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
  const dateProblem = appointmentDateProblem({
    status: order.status,
    date: input.date,
    createdAt: order.createdAt,
    field: 'date',
  });
  if (dateProblem) throw statusProblemError(dateProblem);
  if (input.date !== order.appointmentDate) await checkCapacityOnDate(tx, order, input.date);
  const changes: OrderChanges = { appointmentDate: input.date };
  changes.appointmentTimeWindow = await chosenWindow(tx, order, input.timeWindow, input.date, 'timeWindow');
  return withTriggerNotes(tx, { changeReason: input.reason }, () =>
    applyOrderChanges(tx, order.id, input.version, changes),
  );
}

/**
 * The window an appointment change leaves (domain/appointment-slots.ts): the one chosen, which must be one of the
 * branch's slots on the date (400 naming `field`), or the current one moved to the new date.
 */
async function chosenWindow(
  tx: Tx,
  order: Order,
  chosen: TimeWindow | null | undefined,
  date: string,
  field: string,
): Promise<TimeWindow | null> {
  const { timezone, appointmentSlots } = await findBranchSlots(tx, order.branchId);
  const current = order.appointmentTimeWindow;
  const problem = windowChoiceProblem({ chosen, current, date, slots: appointmentSlots, timeZone: timezone, field });
  if (problem) throw statusProblemError(problem);
  return nextWindow(current, chosen, date, timezone);
}

/** A status change's refusal (domain/order-status.ts) as the head office answers it. */
function statusProblemError(p: StatusProblem): AppError {
  const key = `errors.${p.key}`;
  if (p.kind === 'forbidden') return new ForbiddenError(key, { field: p.field, params: p.params, details: p.details });
  if (p.kind === 'validation') return new ValidationError(p.field, key, { params: p.params });
  return new RuleError(p.code, key, { field: p.field, params: p.params, details: p.details });
}

async function reasonLookup(tx: Tx, code: string) {
  const found = await findReasonCode(tx, code);
  return (c: string) => (found && c === code ? { type: found.type, isActive: found.isActive } : undefined);
}
