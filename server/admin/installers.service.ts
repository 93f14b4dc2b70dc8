// Installers (기사): HQ manages all, a branch manager those of its own branch (installers.manage; row-level
// security on installers enforces the same). Skills, daily capacity, regions served, active flag, login link.
import { z } from 'zod';
import { phone, uuid, version } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, RuleError, VersionConflictError } from '../http/errors.js';
import { parse, parseId, parsePatch } from '../http/validate.js';
import type { InstallerRow } from './installers.repository.js';
import * as repo from './installers.repository.js';
import { requireActivePartner, skillTag, versionBody } from './reference.service.js';

const tags = (item: z.ZodType<string>) =>
  z
    .array(item)
    .max(30)
    .transform((list) => [...new Set(list)]);
const region = z.string().trim().min(1).max(60);

export const installerCreateBody = z
  .object({
    /** default (and for a branch manager: only) the caller's branch */
    branchId: uuid.optional(),
    partnerId: uuid.nullable().optional(),
    userId: uuid.nullable().optional(),
    name: z.string().trim().min(1).max(120),
    phone: phone.nullable().optional(),
    skillTags: tags(skillTag).default([]),
    regions: tags(region).default([]),
    capacityPerDay: z.number().int().min(0).max(100).default(8),
  })
  .strict();

export const installerPatchBody = z
  .object({
    version,
    branchId: uuid.optional(),
    partnerId: uuid.nullable().optional(),
    userId: uuid.nullable().optional(),
    name: z.string().trim().min(1).max(120).optional(),
    phone: phone.nullable().optional(),
    skillTags: tags(skillTag).optional(),
    regions: tags(region).optional(),
    capacityPerDay: z.number().int().min(0).max(100).optional(),
  })
  .strict();

export const installerListQuery = z
  .object({
    branchId: uuid.optional(),
    partnerId: uuid.optional(),
    active: z.enum(['true', 'false']).optional(),
    skill: skillTag.optional(),
    q: z.string().trim().min(1).max(60).optional(),
  })
  .strict();

/** The installer, or 404; with `lock`, held (FOR UPDATE) and 409 unless at `lock.version`. */
async function requireInstaller(tx: Tx, id: string, lock?: { version: number }): Promise<InstallerRow> {
  const row = await repo.findInstaller(tx, id, lock !== undefined);
  if (!row) throw new NotFoundError('installer');
  if (lock && row.version !== lock.version) throw new VersionConflictError(row);
  return row;
}

/** The login linked to an installer record: an active INSTALLER user of the same branch (422 naming userId). */
async function checkUserLink(tx: Tx, userId: string, branchId: string): Promise<void> {
  const u = await repo.findUserLink(tx, userId);
  if (!u) throw new RuleError('UNKNOWN_REFERENCE', 'errors.admin.unknownUser', { field: 'userId' });
  if (!u.installer) throw new RuleError('USER_LINK', 'errors.admin.userNotInstaller', { field: 'userId' });
  if (u.branchId && u.branchId !== branchId) {
    throw new RuleError('USER_LINK', 'errors.admin.userOtherBranch', { field: 'userId' });
  }
}

/** GET /api/installers?branchId&partnerId&active&skill&q */
export async function listInstallers(tx: Tx, actor: Actor, query: unknown) {
  authorize(actor, 'installers.read');
  const q = parse(installerListQuery, query);
  const branch = await branchInScope(tx, actor, q.branchId);
  const items = await repo.listInstallers(tx, {
    branchId: branch?.id,
    partnerId: q.partnerId,
    active: q.active === undefined ? undefined : q.active === 'true',
    skill: q.skill,
    q: q.q,
  });
  return { items };
}

/** GET /api/installers/:id */
export async function getInstaller(tx: Tx, actor: Actor, id: unknown): Promise<InstallerRow> {
  authorize(actor, 'installers.read');
  return requireInstaller(tx, parseId(id));
}

/** POST /api/installers → 201 */
export async function createInstaller(tx: Tx, actor: Actor, body: unknown): Promise<InstallerRow> {
  authorize(actor, 'installers.manage');
  const input = parse(installerCreateBody, body);
  const branch = (await branchInScope(tx, actor, input.branchId, { required: true }))!;
  if (input.partnerId) await requireActivePartner(tx, input.partnerId);
  if (input.userId) await checkUserLink(tx, input.userId, branch.id);
  const id = await repo.insertInstaller(tx, {
    ...input,
    branchId: branch.id,
    partnerId: input.partnerId ?? null,
    userId: input.userId ?? null,
    phone: input.phone ?? null,
  });
  return (await repo.findInstaller(tx, id))!;
}

/** PATCH /api/installers/:id {version, …} */
export async function updateInstaller(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<InstallerRow> {
  authorize(actor, 'installers.manage');
  const installerId = parseId(id);
  const { version: v, changes } = parsePatch(installerPatchBody, body);
  const row = await requireInstaller(tx, installerId, { version: v });
  const branchId = changes.branchId ?? row.branchId;
  if (changes.branchId && changes.branchId !== row.branchId) {
    await branchInScope(tx, actor, changes.branchId, { required: true });
  }
  if (changes.partnerId) await requireActivePartner(tx, changes.partnerId);
  const userId = changes.userId === undefined ? row.userId : changes.userId;
  if (userId && (changes.userId !== undefined || changes.branchId !== undefined)) {
    await checkUserLink(tx, userId, branchId);
  }
  await repo.updateInstaller(tx, row.id, v, changes);
  return (await repo.findInstaller(tx, row.id))!;
}

/** POST /api/installers/:id/deactivate|activate {version} */
export async function setInstallerActive(tx: Tx, actor: Actor, id: unknown, body: unknown, active: boolean) {
  authorize(actor, 'installers.manage');
  const installerId = parseId(id);
  const { version: v } = parse(versionBody, body);
  const row = await requireInstaller(tx, installerId, { version: v });
  await repo.setInstallerActive(tx, row.id, v, active);
  return (await repo.findInstaller(tx, row.id))!;
}
