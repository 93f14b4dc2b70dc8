// What the order-part ops (serials, waste pick-ups, splits) do to rows other than their own entity: the serial
// rows recorded, the pick-up added, the split's child order and the lines that move. Computed once when the user
// makes the change and stored with the op (op_rows, db/client/004_op_rows.sql), so a rebase can replay them on
// the head office's rows. Like order-ops.ts these only need to be right enough to show the user until the
// head office's rows arrive; they never claim a version the head office has not reached (new rows are version 1,
// changed rows keep theirs), so a pulled row always replaces the prediction.
import { fieldDef, fieldsWhere } from '../../domain/order-fields.js';
import type { SyncEntity, SyncRow } from '../../domain/sync-protocol.js';
import { newOrderRow } from './mirror-order-row.js';

/** put: the whole row (a new row); patch: columns set on the row; remove: the row goes. */
export type RowEffect = { put: SyncRow } | { patch: SyncRow } | { remove: true };

export interface RowChange {
  entity: SyncEntity;
  id: string;
  effect: RowEffect;
}

export function applyEffect(effect: RowEffect, row: SyncRow | null): SyncRow | null {
  if ('remove' in effect) return null;
  if ('put' in effect) return row ?? effect.put; // already on the head office: its row wins
  return row ? { ...row, ...effect.patch } : null;
}

/**
 * Marks an op as belonging to an order it does not otherwise change (a pick-up edited or removed), so the order
 * shows the pending badge and a pull leaves it alone until the op is answered.
 */
export function orderMark(orderId: string): RowChange {
  return { entity: 'orders', id: orderId, effect: { patch: {} } };
}

export function serialRows(
  order: SyncRow,
  p: { lineId: string; serials: string[]; ids: string[] },
  userId: string,
  now: string,
): RowChange[] {
  return p.serials.map((serial, i) => ({
    entity: 'serial_numbers',
    id: p.ids[i]!,
    effect: {
      put: {
        id: p.ids[i],
        order_line_id: p.lineId,
        order_id: order.id,
        order_created_at: order.created_at,
        serial,
        recorded_by: userId,
        recorded_at: now,
        version: 1,
        updated_at: now,
      },
    },
  }));
}

export interface WasteAddPayload {
  id: string;
  code: string;
  quantity: number;
  status: string;
  collectedBy?: string | null;
  collectedAt?: string;
}

export function wasteRow(order: SyncRow, p: WasteAddPayload, now: string): RowChange {
  return {
    entity: 'waste_pickups',
    id: p.id,
    effect: {
      put: {
        id: p.id,
        order_id: order.id,
        order_created_at: order.created_at,
        code: p.code,
        quantity: p.quantity,
        status: p.status,
        // as the head office does it: the order's installer unless named; collected now unless only planned
        collected_by: p.collectedBy === undefined ? (order.installer_id ?? null) : p.collectedBy,
        collected_at: p.status === 'PLANNED' ? (p.collectedAt ?? null) : (p.collectedAt ?? now),
        branch_id: order.branch_id,
        partner_id: order.partner_id ?? null,
        version: 1,
        created_at: now,
        updated_at: now,
      },
    },
  };
}

/** A pick-up edit (waste.update), payload names → columns; the version moves like the head office's will. */
export function applyWastePatch(row: SyncRow, payload: Record<string, unknown>, now: string): SyncRow {
  const next: SyncRow = { ...row, version: ((row.version as number | null) ?? 0) + 1, updated_at: now };
  const columns: Record<string, string> = {
    code: 'code',
    quantity: 'quantity',
    status: 'status',
    collectedBy: 'collected_by',
    collectedAt: 'collected_at',
  };
  for (const [field, column] of Object.entries(columns)) if (field in payload) next[column] = payload[field] ?? null;
  if (payload.status && payload.status !== 'PLANNED' && payload.collectedAt === undefined)
    next.collected_at = row.collected_at ?? now;
  return next;
}

export interface SplitPayload {
  childId: string;
  lines: { lineId: string; quantity: number; childLineId?: string }[];
}

/**
 * A split as the head office will make it (server/splits): a child order copying the parent's customer and
 * address, 미배정 without an installer, keeping a future appointment; whole lines move with their serials, part
 * of a line becomes a new child line. The child's number is the head office's to give: `provisionalNo` is shown
 * until the pull brings the real one.
 */
export function splitRows(args: {
  parent: SyncRow;
  lines: SyncRow[];
  serialsOfLine: (lineId: string) => string[];
  payload: SplitPayload;
  provisionalNo: string;
  today: string;
  now: string;
}): RowChange[] {
  const { parent, payload, now } = args;
  const keep = typeof parent.appointment_date === 'string' && parent.appointment_date >= args.today;
  const copied = fieldsWhere((d) => d.splitCopy !== undefined).map((f) => {
    const column = fieldDef(f).sqlite!;
    const ifFuture = fieldDef(f).splitCopy === 'ifFuture';
    return [f, ifFuture && !keep ? null : (parent[column] ?? null)] as const;
  });
  const child = newOrderRow({ id: payload.childId, orderNo: args.provisionalNo }, now);
  // copied columns hold the parent's mirror values as they are (no conversion)
  for (const [f, v] of copied) child[fieldDef(f).sqlite!] = v;
  const out: RowChange[] = [{ entity: 'orders', id: payload.childId, effect: { put: child } }];
  const byId = new Map(args.lines.map((l) => [l.id as string, l]));
  for (const req of payload.lines) {
    const line = byId.get(req.lineId);
    if (!line) continue;
    if (req.quantity >= (line.quantity as number)) {
      const moved = { order_id: payload.childId, order_created_at: now };
      out.push({ entity: 'order_lines', id: req.lineId, effect: { patch: moved } });
      for (const sid of args.serialsOfLine(req.lineId))
        out.push({ entity: 'serial_numbers', id: sid, effect: { patch: moved } });
    } else if (req.childLineId) {
      out.push({
        entity: 'order_lines',
        id: req.lineId,
        effect: { patch: { quantity: (line.quantity as number) - req.quantity } },
      });
      out.push({
        entity: 'order_lines',
        id: req.childLineId,
        effect: {
          put: {
            ...line,
            id: req.childLineId,
            order_id: payload.childId,
            order_created_at: now,
            quantity: req.quantity,
            version: 1,
            created_at: now,
            updated_at: now,
          },
        },
      });
    }
  }
  return out;
}

/**
 * The child's number until the head office gives it: the family's root number (the split links the copy holds)
 * and the next -S<n> this copy knows of. Usually what the head office picks; the pull corrects it when not.
 */
export function provisionalSplitNo(rootNo: string, taken: readonly string[]): string {
  const re = new RegExp(`^${rootNo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-S([0-9]{1,6})$`);
  const max = taken.reduce((m, no) => Math.max(m, Number(re.exec(no)?.[1] ?? 0)), 0);
  return `${rootNo}-S${max + 1}`;
}
