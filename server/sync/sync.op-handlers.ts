// Each push op kind → the service function its REST endpoint calls (domain/sync-protocol.ts OP_KIND_INFO), so a
// sync op obeys exactly the rules of the API: the same authorization, validation, transitions, locks.
import { assignOrder, unassignOrder } from '../assignment/assignment.service.js';
import { createOrder, patchOrder, patchOrders } from '../orders/orders.service.js';
import { addSerials } from '../serials/serials.service.js';
import { splitOrder } from '../splits/split.service.js';
import { addWaste, editWaste, orderOfPickup, removeWaste } from '../waste/waste.service.js';
import { changeAppointment, changeStatus } from '../workflow/workflow.service.js';
import type { OpBatchHandlers, OpHandlers } from './sync.push.js';

/**
 * The version the op was checked against, when the service leaves it as it was: serials and pick-ups added to an
 * order do not change the order's version (the service refused the op unless the order was at it).
 */
function versionOf(input: unknown): number {
  return (input as { version: number }).version;
}

export const orderOpHandlers: OpHandlers = {
  'order.create': (tx, actor, _id, input) => createOrder(tx, actor, input),
  'order.update': (tx, actor, id, input) => patchOrder(tx, actor, id, input),
  'order.status': (tx, actor, id, input) => changeStatus(tx, actor, id, input),
  'order.appointment': (tx, actor, id, input) => changeAppointment(tx, actor, id, input),
  'order.assign': (tx, actor, id, input) => assignOrder(tx, actor, id, input),
  'order.unassign': (tx, actor, id, input) => unassignOrder(tx, actor, id, input),
  'order.split': async (tx, actor, id, input) => ({ version: (await splitOrder(tx, actor, id, input)).parent.version }),
  'serial.record': async (tx, actor, id, input) => ({ version: (await addSerials(tx, actor, id, input)).orderVersion }),
  'waste.add': async (tx, actor, id, input) => {
    await addWaste(tx, actor, id, input);
    return { version: versionOf(input) };
  },
  'waste.update': async (tx, actor, id, input) => editWaste(tx, actor, await orderOfPickup(tx, id), id, input),
  // the row is gone: its last version is the one after the delete, as for any write
  'waste.remove': async (tx, actor, id, input) => {
    await removeWaste(tx, actor, await orderOfPickup(tx, id), id, input);
    return { version: versionOf(input) + 1 };
  },
};

/** Edits of distinct orders in one chunk: patchOrder's rules, one UPDATE per combination of edited fields. */
export const orderOpBatchHandlers: OpBatchHandlers = {
  'order.update': (tx, actor, ops) =>
    patchOrders(
      tx,
      actor,
      ops.map((op) => ({ id: op.entityId, body: op.input })),
    ),
};
