// 폐가전 (waste appliances) taken back at delivery: one row per waste code per order, the code from the ECOAS
// category table (waste_codes); FR-07 totals; the codes list (cached 1 h).
import { z } from 'zod';
import { WASTE_STATUSES, wasteAdd, wastePatch, wasteRemove } from '../../domain/order-parts.js';
import { isoDate, uuid } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import { CACHE_TTL, type Cache, cached, scopes } from '../cache/index.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { AppError, NotFoundError, RuleError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import {
  type OrderRef,
  requireNotCancelled,
  requireNotLocked,
  requireOrderRef,
  requireOrderVersion,
} from '../shared/order-ref.js';
import * as repo from './waste.repository.js';

export const wasteAddBody = wasteAdd;
export const wastePatchBody = wastePatch;
const wasteStatus = z.enum(WASTE_STATUSES);

export const versionQuery = wasteRemove;

/** 409: the order already has a pick-up of this code (one row per code per order). */
export class WasteDuplicateError extends AppError {
  constructor(code: string, existingId: string | undefined) {
    super(409, {
      code: 'DUPLICATE',
      messageKey: 'errors.waste.duplicate',
      field: 'code',
      params: { code },
      details: { code, existingId: existingId ?? null },
    });
  }
}

async function requireUsableCode(tx: Tx, code: string): Promise<repo.WasteCode> {
  const found = await repo.findWasteCode(tx, code);
  if (!found) throw new RuleError('WASTE_CODE', 'errors.waste.unknownCode', { field: 'code', params: { code } });
  if (!found.isActive) {
    throw new RuleError('WASTE_CODE', 'errors.waste.inactiveCode', { field: 'code', params: { code } });
  }
  return found;
}

async function requireCollector(tx: Tx, order: OrderRef, installerId: string): Promise<void> {
  if (!(await repo.installerOfBranch(tx, installerId, order.branchId))) {
    throw new RuleError('WASTE_COLLECTOR', 'errors.waste.collector', { field: 'collectedBy' });
  }
}

/** GET /api/orders/:id/waste */
export async function listOrderWaste(tx: Tx, actor: Actor, id: unknown) {
  authorize(actor, 'orders.read');
  const order = await requireOrderRef(tx, id);
  return { orderId: order.id, items: await repo.listPickups(tx, order.id) };
}

/**
 * POST /api/orders/:id/waste {code, quantity, status?, collectedBy?, collectedAt?, id?, version?} → 201. With
 * `version` the order must still be at it; the order's version does not change.
 */
export async function addWaste(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<repo.WasteRow> {
  authorize(actor, 'orders.waste');
  const orderId = parseId(id);
  const input = parse(wasteAddBody, body);
  const order = await requireOrderRef(tx, orderId, { lock: true });
  if (input.version !== undefined) requireOrderVersion(order, input.version);
  requireNotCancelled(order);
  await requireNotLocked(tx, order);
  await requireUsableCode(tx, input.code);
  const existing = await repo.pickupOfCode(tx, order.id, input.code);
  if (existing) throw new WasteDuplicateError(input.code, existing.id);
  const collectedBy = input.collectedBy === undefined ? order.installerId : input.collectedBy;
  if (input.collectedBy) await requireCollector(tx, order, input.collectedBy);
  const { id: wasteId } = await repo.insertPickup(tx, {
    id: input.id,
    orderId: order.id,
    code: input.code,
    quantity: input.quantity,
    status: input.status,
    collectedBy,
    collectedAt: input.collectedAt ?? null,
  });
  return (await repo.findPickup(tx, order.id, wasteId))!;
}

/** The order a pick-up belongs to (a sync op names only the pick-up), or 404 like a missing pick-up. */
export async function orderOfPickup(tx: Tx, wasteId: unknown): Promise<string> {
  const orderId = await repo.orderIdOfPickup(tx, parseId(wasteId, 'wasteId'));
  if (!orderId) throw new NotFoundError('waste', { field: 'wasteId' });
  return orderId;
}

async function requirePickup(tx: Tx, order: OrderRef, wasteId: unknown): Promise<repo.WasteRow> {
  const pickup = await repo.findPickup(tx, order.id, parseId(wasteId, 'wasteId'));
  if (!pickup) throw new NotFoundError('waste', { field: 'wasteId' });
  return pickup;
}

/** PATCH /api/orders/:id/waste/:wasteId {version, code?, quantity?, status?, collectedBy?, collectedAt?} */
export async function editWaste(tx: Tx, actor: Actor, id: unknown, wasteId: unknown, body: unknown) {
  authorize(actor, 'orders.waste');
  const orderId = parseId(id);
  parseId(wasteId, 'wasteId');
  const { version: v, ...changes } = parse(wastePatchBody, body);
  if (Object.values(changes).every((x) => x === undefined)) throw new ValidationError('body', 'errors.emptyPatch');
  const order = await requireOrderRef(tx, orderId, { lock: true });
  const pickup = await requirePickup(tx, order, wasteId);
  if (pickup.version !== v) throw new VersionConflictError(pickup);
  requireNotCancelled(order);
  await requireNotLocked(tx, order);
  if (changes.code !== undefined && changes.code !== pickup.code) {
    await requireUsableCode(tx, changes.code);
    const existing = await repo.pickupOfCode(tx, order.id, changes.code);
    if (existing) throw new WasteDuplicateError(changes.code, existing.id);
  }
  if (changes.collectedBy) await requireCollector(tx, order, changes.collectedBy);
  if (!(await repo.updatePickup(tx, pickup.id, v, changes))) throw new VersionConflictError(pickup);
  return (await repo.findPickup(tx, order.id, pickup.id))!;
}

/** DELETE /api/orders/:id/waste/:wasteId?version=N */
export async function removeWaste(tx: Tx, actor: Actor, id: unknown, wasteId: unknown, query: unknown) {
  authorize(actor, 'orders.waste');
  const orderId = parseId(id);
  parseId(wasteId, 'wasteId');
  const { version: v } = parse(versionQuery, query);
  const order = await requireOrderRef(tx, orderId, { lock: true });
  const pickup = await requirePickup(tx, order, wasteId);
  if (pickup.version !== v) throw new VersionConflictError(pickup);
  await requireNotLocked(tx, order);
  if (!(await repo.deletePickup(tx, pickup.id, v))) throw new VersionConflictError(pickup);
}

export const MAX_SUMMARY_DAYS = 366;

const manyStatuses = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',') : v),
  z.array(wasteStatus).min(1).max(WASTE_STATUSES.length),
);

export const summaryQuery = z
  .object({
    from: isoDate,
    to: isoDate,
    branchId: uuid.optional(),
    partnerId: uuid.optional(),
    groupBy: z.enum(['code', 'day', 'partner']).default('code'),
    /** default: what was actually collected (COLLECTED, REPORTED) */
    status: manyStatuses.optional(),
  })
  .strict();

/** The partner a query names: a partner coordinator only ever gets its own (another is a 404, like an unknown one). */
function partnerInScope(actor: Actor, partnerId: string | undefined): string | undefined {
  if (actor.role !== 'PARTNER_COORDINATOR') return partnerId;
  if (partnerId && partnerId !== actor.partnerId) throw new NotFoundError('partner', { field: 'partnerId' });
  return actor.partnerId ?? undefined;
}

/** GET /api/waste/summary?from&to&branchId&partnerId&groupBy=code|day|partner (FR-07) */
export async function wasteSummary(tx: Tx, actor: Actor, query: unknown) {
  authorize(actor, 'waste.report');
  const q = parse(summaryQuery, query);
  if (q.from > q.to) throw new ValidationError('to', 'errors.rangeReversed');
  if ((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1 > MAX_SUMMARY_DAYS) {
    throw new ValidationError('to', 'errors.rangeTooLong', { params: { max: MAX_SUMMARY_DAYS } });
  }
  const branch = await branchInScope(tx, actor, q.branchId);
  const partnerId = partnerInScope(actor, q.partnerId);
  const statuses = q.status ?? ['COLLECTED', 'REPORTED'];
  const groups = await repo.summary(
    tx,
    { from: q.from, to: q.to, branchId: branch?.id, partnerId, statuses },
    q.groupBy,
  );
  return {
    from: q.from,
    to: q.to,
    groupBy: q.groupBy,
    branchId: branch?.id ?? null,
    partnerId: partnerId ?? null,
    statuses,
    groups,
    total: {
      quantity: groups.reduce((n, g) => n + g.quantity, 0),
      pickups: groups.reduce((n, g) => n + g.pickups, 0),
    },
  };
}

export const codesQuery = z.object({ active: z.enum(['true', 'false']).default('true') }).strict();

/** GET /api/waste/codes[?active=false]: the ECOAS categories (cached 1 h; any admin change invalidates it). */
export async function wasteCodes(tx: Tx, actor: Actor, query: unknown, cache?: Cache) {
  authorize(actor, 'orders.read');
  const q = parse(codesQuery, query);
  const activeOnly = q.active === 'true';
  const items = await cached(cache, {
    namespace: 'waste-codes',
    key: [activeOnly],
    scopes: [scopes.reference],
    ttlSeconds: CACHE_TTL.wasteCodes,
    load: () => repo.listWasteCodes(tx, activeOnly),
  });
  return { items };
}
