// Each push op kind → the service function its REST endpoint calls (domain/sync-protocol.ts OP_KIND_INFO), so a
// sync op obeys exactly the rules of the API: the same authorization, validation, transitions, locks.
import { assignOrder, unassignOrder } from '../assignment/assignment.service.js';
import { createOrder, patchOrder } from '../orders/orders.service.js';
import { changeAppointment, changeStatus } from '../workflow/workflow.service.js';
import type { OpHandlers } from './sync.push.js';

export const orderOpHandlers: OpHandlers = {
  'order.create': (tx, actor, _id, input) => createOrder(tx, actor, input),
  'order.update': (tx, actor, id, input) => patchOrder(tx, actor, id, input),
  'order.status': (tx, actor, id, input) => changeStatus(tx, actor, id, input),
  'order.appointment': (tx, actor, id, input) => changeAppointment(tx, actor, id, input),
  'order.assign': (tx, actor, id, input) => assignOrder(tx, actor, id, input),
  'order.unassign': (tx, actor, id, input) => unassignOrder(tx, actor, id, input),
};
