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

// ── serials needed for delivery ─────────────────────────────────────────────────────────────────────────────

/** An item rule of the reference data (item_skill_rules): the items whose code starts with the prefix. */
export interface SerialRule {
  itemPrefix: string;
  requiresSerial: boolean;
}

/** Whether an item needs a serial per unit: the rule with the longest prefix of its code decides (any case). */
export function itemNeedsSerial(itemCode: string, rules: readonly SerialRule[]): boolean {
  const code = itemCode.toUpperCase();
  let best: SerialRule | undefined;
  for (const r of rules) {
    if (!code.startsWith(r.itemPrefix.toUpperCase())) continue;
    if (!best || r.itemPrefix.length > best.itemPrefix.length) best = r;
  }
  return best?.requiresSerial ?? false;
}

/** A line still short of serials for delivery. */
export interface MissingSerials {
  lineId: string;
  itemCode: string;
  itemName: string;
  quantity: number;
  recorded: number;
  missing: number;
}

/**
 * The lines that keep fewer serials than units of an item that needs them, once `undelivered` (부분인수: the units
 * split off to a new order, which take no serials along) has left the order. The head office checks the order after
 * its split (no `undelivered`), the client its copy before the split.
 */
export function linesMissingSerials(
  lines: readonly (LineState & { itemName: string })[],
  rules: readonly SerialRule[],
  undelivered: readonly { lineId: string; quantity: number }[] = [],
): MissingSerials[] {
  const leaving = new Map<string, number>();
  for (const u of undelivered) leaving.set(u.lineId, (leaving.get(u.lineId) ?? 0) + u.quantity);
  const out: MissingSerials[] = [];
  for (const l of lines) {
    const quantity = l.quantity - (leaving.get(l.id) ?? 0);
    if (quantity <= 0 || !itemNeedsSerial(l.itemCode, rules) || l.serialCount >= quantity) continue;
    out.push({
      lineId: l.id,
      itemCode: l.itemCode,
      itemName: l.itemName,
      quantity,
      recorded: l.serialCount,
      missing: quantity - l.serialCount,
    });
  }
  return out;
}

/** 인수 / 부분인수 (STATUS_RULES needsSerials) refused while a delivered line lacks serials; `lines` lists them. */
export function serialsMissingProblem(missing: readonly MissingSerials[]): PartProblem | null {
  if (missing.length === 0) return null;
  return {
    code: 'SERIALS_MISSING',
    messageKey: 'errors.serial.missing',
    // the status change is what is refused (the serials are entered in their own field of the order)
    field: 'status',
    params: { lines: missing.map((m) => `${m.itemName} ${m.itemCode} (${m.recorded}/${m.quantity})`).join(', ') },
    details: { lines: missing },
  };
}
