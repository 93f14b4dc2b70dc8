// Assigning an order to an installer (FR-03): the installer must be active, of the order's branch, have the
// skills the order's items need (item_skill_rules) and a free slot of capacity_per_day on the appointment date.
// A role with orders.assign.override may exceed the capacity with a reason, which the audit log keeps.
import { z } from 'zod';
import { assign, isoDate, unassign, uuid } from '../../domain/order-schemas.js';
import { CAPACITY_STATUSES, canTransition, type OrderStatus } from '../../domain/order-status.js';
import { can } from '../../domain/roles.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import { CACHE_TTL, type Cache, cached, orderDataScopes, visibilityKey } from '../cache/index.js';
import { type Tx, withTriggerNotes } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ForbiddenError, RuleError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { notifyOrderAssigned } from '../notifications/notifications.service.js';
import type { Order } from '../orders/orders.repository.js';
import { applyOrderChanges, requireOrder, requireVersion } from '../orders/orders.service.js';
import * as repo from './assignment.repository.js';

export type AssignmentRule = 'status' | 'branch' | 'active' | 'skills' | 'capacity';

function ruleError(rule: AssignmentRule, params: Record<string, string | number>, details: object = {}) {
  return new RuleError('ASSIGNMENT_RULE', `errors.assign.${rule}`, {
    field: rule === 'status' ? 'status' : 'installerId',
    params,
    details: { rule, ...details },
  });
}

/** Statuses from which an order can be (re)assigned: those that may move to 배정, and 배정 itself. */
function assignableFrom(status: OrderStatus): boolean {
  return status === '배정' || canTransition(status, '배정');
}

export interface AssignmentCheck {
  installer: repo.InstallerRecord;
  /** the day is full and the caller overrides it */
  overCapacity: boolean;
}

/**
 * Checks the assignment rules for `installerId` on `order` (422 naming the failed rule). The installer row stays
 * locked until the transaction ends, so the capacity seen here holds until the write commits.
 */
export async function checkAssignment(
  tx: Tx,
  order: Order,
  installerId: string,
  opts: { override: boolean; date?: string | null },
): Promise<AssignmentCheck> {
  const installer = await repo.lockInstaller(tx, installerId);
  // An installer the caller cannot see is reported like one of another branch: nothing to learn by guessing.
  if (!installer || installer.branchId !== order.branchId) throw ruleError('branch', {});
  if (!installer.isActive) throw ruleError('active', { name: installer.name });
  const required = await repo.requiredSkills(tx, order.id);
  const missing = required.filter((s) => !installer.skillTags.includes(s));
  if (missing.length) throw ruleError('skills', { missing: missing.join(', ') }, { required, missing });
  const date = opts.date === undefined ? order.appointmentDate : opts.date;
  let overCapacity = false;
  if (date) {
    const assigned = await repo.dayLoad(tx, installer.id, date, order.id);
    if (assigned >= installer.capacityPerDay) {
      if (!opts.override) {
        throw ruleError(
          'capacity',
          { date, capacity: installer.capacityPerDay, assigned },
          { date, capacity: installer.capacityPerDay, assigned },
        );
      }
      overCapacity = true;
    }
  }
  return { installer, overCapacity };
}

/** Capacity only, for moving an assigned order to another day (the installer is already checked). */
export async function checkCapacityOnDate(tx: Tx, order: Order, date: string): Promise<void> {
  if (!order.installerId || !CAPACITY_STATUSES.includes(order.status)) return;
  const installer = await repo.lockInstaller(tx, order.installerId);
  if (!installer) return;
  const assigned = await repo.dayLoad(tx, installer.id, date, order.id);
  if (assigned >= installer.capacityPerDay) {
    throw ruleError(
      'capacity',
      { date, capacity: installer.capacityPerDay, assigned },
      { date, capacity: installer.capacityPerDay, assigned },
    );
  }
}

/** POST /api/orders/:id/assign {version, installerId, override?, reason?} → status 배정 */
export async function assignOrder(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<Order> {
  authorize(actor, 'orders.assign');
  const orderId = parseId(id);
  const input = parse(assign, body);
  if (input.override && !can(actor.role, 'orders.assign.override')) {
    throw new ForbiddenError('errors.forbiddenOverride', { field: 'override' });
  }
  const order = await requireOrder(tx, orderId, { lock: true });
  requireVersion(order, input.version);
  if (!assignableFrom(order.status)) throw ruleError('status', { status: order.status }, { status: order.status });
  const { installer, overCapacity } = await checkAssignment(tx, order, input.installerId, {
    override: input.override === true,
  });
  const assigned = await withTriggerNotes(
    tx,
    { auditNote: overCapacity ? `CAPACITY_OVERRIDE: ${input.reason}` : null },
    () =>
      applyOrderChanges(tx, order.id, input.version, {
        installerId: installer.id,
        // the order goes to the partner the installer works for
        partnerId: installer.partnerId ?? order.partnerId,
        status: '배정',
      }),
  );
  // FR-11: the installer and the partner's coordinators learn of it in the same transaction
  await notifyOrderAssigned(tx, assigned);
  return assigned;
}

/** POST /api/orders/:id/unassign {version} → status 미배정, no installer */
export async function unassignOrder(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<Order> {
  authorize(actor, 'orders.assign');
  const orderId = parseId(id);
  const input = parse(unassign, body);
  const order = await requireOrder(tx, orderId, { lock: true });
  requireVersion(order, input.version);
  if (!canTransition(order.status, '미배정'))
    throw ruleError('status', { status: order.status }, { status: order.status });
  return applyOrderChanges(tx, order.id, input.version, { installerId: null, status: '미배정' });
}

export const assignableQuery = z
  .object({ branchId: uuid.optional(), date: isoDate, orderId: uuid.optional() })
  .strict();

/** GET /api/installers/assignable?branchId&date[&orderId]: who still has a free slot that day (and the skills). */
export async function assignableInstallers(tx: Tx, actor: Actor, query: unknown, cache?: Cache) {
  authorize(actor, 'installers.read');
  const q = parse(assignableQuery, query);
  const branch = (await branchInScope(tx, actor, q.branchId, { required: true }))!;
  const requiredSkills = q.orderId ? await repo.requiredSkills(tx, (await requireOrder(tx, q.orderId)).id) : [];
  // assignable-installers cache (docs/cache.md, 1 min): installer and order writes of the branch invalidate it
  const installers = await cached(cache, {
    namespace: 'assignable',
    key: [visibilityKey(actor), branch.id, q.date],
    scopes: orderDataScopes(branch.id),
    ttlSeconds: CACHE_TTL.assignableInstallers,
    load: () => repo.installersWithLoad(tx, branch.id, q.date),
  });
  return {
    branchId: branch.id,
    date: q.date,
    requiredSkills,
    items: installers.filter((i) => i.remaining > 0 && requiredSkills.every((s) => i.skillTags.includes(s))),
  };
}
