// The rules of splitting an order and recording serials that need the order's current lines, written once: the
// head office (server/splits, server/serials) checks them against PostgreSQL, the branch client against its local
// copy before a write enters the outbox. A problem names the request field it is about; the server turns it into
// its localized error (the message key), the client into its own error of the same code and field.
import { type OrderStatus, TERMINAL_STATUSES } from './order-status.js';

/** Orders in these statuses never got their goods: no serial or waste pick-up can be recorded against them. */
export const CANCELLED_STATUSES: readonly OrderStatus[] = ['취소', '의뢰취소'];

export function acceptsParts(status: OrderStatus): boolean {
  return !CANCELLED_STATUSES.includes(status);
}

/** Statuses an order can be split in: not closed, and not delivered (인수: its goods are with the customer). */
export function splittable(status: OrderStatus): boolean {
  return !TERMINAL_STATUSES.includes(status) && status !== '인수';
}

export interface PartProblem {
  code: string;
  /** the server's i18n key (server/i18n) */
  messageKey: string;
  /** the request field, e.g. `lines.0.quantity` */
  field: string;
  params: Record<string, string | number>;
  details?: Record<string, unknown>;
}

/** What the rules need to know of a line. */
export interface LineState {
  id: string;
  itemCode: string;
  quantity: number;
  /** serials recorded on the line */
  serialCount: number;
}

/** Serials to add to a line: at most one per unit. */
export function serialCountProblem(
  line: Pick<LineState, 'id' | 'quantity' | 'serialCount'>,
  adding: number,
): PartProblem | null {
  if (line.serialCount + adding <= line.quantity) return null;
  const params = { quantity: line.quantity, recorded: line.serialCount, adding };
  return {
    code: 'SERIAL_COUNT',
    messageKey: 'errors.serial.tooMany',
    field: 'serials',
    params,
    details: { lineId: line.id, ...params },
  };
}

/**
 * The first problem of moving `request` off an order whose lines are `lines`: a line not of the order, more than
 * the line holds, serials that would not fit the part that stays, or nothing left behind. `field` is the request
 * field the list came in (lines, undelivered).
 */
export function splitProblem(
  lines: readonly LineState[],
  request: readonly { lineId: string; quantity: number }[],
  field: string,
): PartProblem | null {
  const byId = new Map(lines.map((l) => [l.id, l]));
  let movedUnits = 0;
  for (const [i, req] of request.entries()) {
    const line = byId.get(req.lineId);
    if (!line)
      return {
        code: 'LINE_NOT_IN_ORDER',
        messageKey: 'errors.split.lineNotInOrder',
        field: `${field}.${i}.lineId`,
        params: {},
      };
    if (req.quantity > line.quantity)
      return {
        code: 'SPLIT_QUANTITY',
        messageKey: 'errors.split.quantity',
        field: `${field}.${i}.quantity`,
        params: { quantity: req.quantity, available: line.quantity, item: line.itemCode },
        details: { lineId: line.id, requested: req.quantity, available: line.quantity },
      };
    const remaining = line.quantity - req.quantity;
    if (remaining > 0 && line.serialCount > remaining)
      return {
        code: 'SPLIT_SERIALS',
        messageKey: 'errors.split.serials',
        field: `${field}.${i}.quantity`,
        params: { item: line.itemCode, serials: line.serialCount, remaining },
        details: { lineId: line.id, serials: line.serialCount, remaining },
      };
    movedUnits += req.quantity;
  }
  const totalUnits = lines.reduce((n, l) => n + l.quantity, 0);
  if (movedUnits >= totalUnits) return { code: 'SPLIT_ALL', messageKey: 'errors.split.everything', field, params: {} };
  return null;
}
