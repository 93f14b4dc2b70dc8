// Serial numbers per order line: at most one per unit, each serial once in the whole company (a serial on
// another order, of any branch, is a 409 naming that order's number and nothing else about it). 인수 needs a
// serial for every unit of the lines whose item requires one (requireSerialsForDelivery).
import { z } from 'zod';
import { linesMissingSerials, serialCountProblem, serialsMissingProblem } from '../../domain/order-part-rules.js';
import { serialsAdd } from '../../domain/order-parts.js';
import { version } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { AppError, NotFoundError, RuleError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import {
  type OrderRef,
  requireNotCancelled,
  requireNotLocked,
  requireOrderRef,
  requireOrderVersion,
} from '../shared/order-ref.js';
import * as repo from './serials.repository.js';

export const serialsBody = serialsAdd;

export const serialDeleteQuery = z.object({ version: z.coerce.number().pipe(version) }).strict();

/** 409: the serial is recorded on another order (or this one); names the holder's order_no. */
export class SerialTakenError extends AppError {
  constructor(field: string, serial: string, orderNo: string | undefined) {
    super(409, {
      code: 'DUPLICATE',
      messageKey: orderNo ? 'errors.serial.taken' : 'errors.serial.takenUnknown',
      field,
      params: { serial, orderNo: orderNo ?? '' },
      details: { serial, orderNo: orderNo ?? null },
    });
  }
}

/** GET /api/orders/:id/serials */
export async function listSerials(tx: Tx, actor: Actor, id: unknown) {
  authorize(actor, 'orders.read');
  const order = await requireOrderRef(tx, id);
  return { orderId: order.id, items: await repo.listSerials(tx, order.id) };
}

/**
 * POST /api/orders/:id/serials {lineId, serials: [...], ids?, version?} → 201 {items: the recorded serials}.
 * With `version` the order must still be at it (a client recording serials it showed on that version); the
 * order's version does not change.
 */
export async function addSerials(tx: Tx, actor: Actor, id: unknown, body: unknown) {
  authorize(actor, 'orders.serials');
  const orderId = parseId(id);
  const input = parse(serialsBody, body);
  const order = await requireOrderRef(tx, orderId, { lock: true });
  // with lineVersion, only the line they are counted against must be as the caller saw it (the append commutes
  // with any other change of the order); without, the whole order
  if (input.version !== undefined && input.lineVersion === undefined) requireOrderVersion(order, input.version);
  requireNotCancelled(order);
  await requireNotLocked(tx, order);
  const line = await repo.lockLine(tx, order.id, input.lineId);
  if (!line) throw new RuleError('LINE_NOT_IN_ORDER', 'errors.serial.lineNotInOrder', { field: 'lineId' });
  if (input.version !== undefined && input.lineVersion !== undefined && order.version !== input.version) {
    if (line.version !== input.lineVersion) throw new VersionConflictError(order);
  }
  const tooMany = serialCountProblem(
    { id: line.id, quantity: line.quantity, serialCount: line.recorded },
    input.serials.length,
  );
  if (tooMany) {
    throw new RuleError(tooMany.code, tooMany.messageKey, {
      field: tooMany.field,
      params: tooMany.params,
      details: tooMany.details,
    });
  }
  // Checked before the insert for a clear answer, and again by ON CONFLICT for a concurrent request.
  const holders = await repo.serialHolders(tx, input.serials);
  const firstTaken = input.serials.findIndex((s) => holders.has(s));
  if (firstTaken >= 0) {
    const serial = input.serials[firstTaken]!;
    throw new SerialTakenError(`serials.${firstTaken}`, serial, holders.get(serial));
  }
  const inserted = await repo.insertSerials(tx, line.id, input.serials, actor.userId, input.ids);
  if (inserted.length < input.serials.length) {
    const got = new Set(inserted.map((r) => r.serial));
    const i = input.serials.findIndex((s) => !got.has(s));
    const serial = input.serials[i]!;
    const holder = (await repo.serialHolders(tx, [serial])).get(serial);
    throw new SerialTakenError(`serials.${i}`, serial, holder);
  }
  return { orderId: order.id, orderVersion: order.version, lineId: line.id, items: inserted };
}

/** DELETE /api/orders/:id/serials/:serialId?version=N */
export async function deleteSerial(tx: Tx, actor: Actor, id: unknown, serialId: unknown, query: unknown) {
  authorize(actor, 'orders.serials');
  const orderId = parseId(id);
  const sid = parseId(serialId, 'serialId');
  const { version: v } = parse(serialDeleteQuery, query);
  const order = await requireOrderRef(tx, orderId, { lock: true });
  const serial = await repo.findSerial(tx, order.id, sid);
  if (!serial) throw new NotFoundError('serial', { field: 'serialId' });
  if (serial.version !== v) throw new VersionConflictError(serial);
  await requireNotLocked(tx, order);
  if (!(await repo.deleteSerial(tx, sid, v))) throw new VersionConflictError(serial);
}

/**
 * 422 listing the lines still missing serials, when `order` is to become 인수 (or 부분인수: the part that stays
 * on the order was delivered). Call it in the status change's transaction, after any split.
 */
export async function requireSerialsForDelivery(tx: Tx, order: Pick<OrderRef, 'id'>): Promise<void> {
  const lines = await repo.linesWithSerialCounts(tx, order.id);
  const p = serialsMissingProblem(linesMissingSerials(lines, await repo.serialRules(tx)));
  if (p) throw new RuleError(p.code, p.messageKey, { field: p.field, params: p.params, details: p.details });
}
