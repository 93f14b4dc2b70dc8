// Each push op kind → the service function its REST endpoint calls (domain/sync-protocol.ts OP_KIND_INFO), so a
// sync op obeys exactly the rules of the API: the same authorization, validation, transitions, locks.
import { assignOrder, unassignOrder } from '../assignment/assignment.service.js';
import { recordHappyCall } from '../happycalls/happy-calls.service.js';
import { createOrder, patchOrder, patchOrders } from '../orders/orders.service.js';
import { addSerials } from '../serials/serials.service.js';
import { splitOrder } from '../splits/split.service.js';
import { addWaste, editWaste, orderOfPickup, removeWaste } from '../waste/waste.service.js';
import { changeAppointment, changeStatus } from '../workflow/workflow.service.js';
import type { OpBatchHandlers, OpHandlers } from './sync.push.js';

/**
 * The version the op was checked against, when the service leaves it as it was: serials and pick-ups added to an
 * order do not change the order's version. It is also the version the answer gives the client as its base when
 * the order changed meanwhile and the append was applied all the same (it commutes): the client's later ops on
 * the order are then checked against what the clerk saw, not against head-office changes it has not seen.
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
  'serial.record': async (tx, actor, id, input) => {
    await addSerials(tx, actor, id, input);
    return { version: versionOf(input) };
  },
  // a pick-up depends on nothing of the order the service does not check itself (not cancelled, week not locked,
  // one pick-up per code): it commutes with every edit of the order, so the order's version is not required
  'waste.add': async (tx, actor, id, input) => {
    await addWaste(tx, actor, id, { ...(input as object), version: undefined });
    return { version: versionOf(input) };
  },
  'waste.update': async (tx, actor, id, input) => editWaste(tx, actor, await orderOfPickup(tx, id), id, input),
  // the row is gone: its last version is the one after the delete, as for any write
  'waste.remove': async (tx, actor, id, input) => {
    await removeWaste(tx, actor, await orderOfPickup(tx, id), id, input);
    return { version: versionOf(input) + 1 };
  },
  // an outcome is an append: like a pick-up it commutes with every edit of the order, whose version stays
  'happycall.record': async (tx, actor, id, input) => {
    await recordHappyCall(tx, actor, id, { ...(input as object), version: undefined });
    return { version: versionOf(input) };
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
