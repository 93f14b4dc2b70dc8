// Installers (기사): HQ manages all, a branch manager those of its own branch (installers.manage; row-level
// security on installers enforces the same). Skills, daily capacity, regions served, active flag, login link.
import { z } from 'zod';
import { phone, uuid, version } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, RuleError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { skillTag } from './reference.js';

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

const versionBody = z.object({ version }).strict();

export interface InstallerRow {
  id: string;
  branchId: string;
  partnerId: string | null;
  partnerName: string | null;
  userId: string | null;
  username: string | null;
  name: string;
  phone: string | null;
  skillTags: string[];
  regions: string[];
  capacityPerDay: number;
  isActive: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `i.id, i.branch_id AS "branchId", i.partner_id AS "partnerId", p.name AS "partnerName",
  i.user_id AS "userId", u.username, i.name, i.phone, i.skill_tags AS "skillTags", i.regions,
  i.capacity_per_day AS "capacityPerDay", i.is_active AS "isActive", i.version,
  i.created_at AS "createdAt", i.updated_at AS "updatedAt"`;
const FROM = 'installers i LEFT JOIN partners p ON p.id = i.partner_id LEFT JOIN users u ON u.id = i.user_id';

async function findInstaller(tx: Tx, id: string, lock = false): Promise<InstallerRow | undefined> {
  const { rows } = await tx.query<InstallerRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE i.id = $1 ${lock ? 'FOR UPDATE OF i' : ''}`,
    [id],
  );
  return rows[0];
}

async function requireInstaller(tx: Tx, id: unknown, lock = false): Promise<InstallerRow> {
  const row = await findInstaller(tx, parseId(id), lock);
  if (!row) throw new NotFoundError('installer');
  return row;
}

/** The partner exists and is active (422 naming partnerId). */
async function checkPartner(tx: Tx, partnerId: string): Promise<void> {
  const { rows } = await tx.query<{ isActive: boolean }>('SELECT is_active AS "isActive" FROM partners WHERE id = $1', [
    partnerId,
  ]);
  if (!rows[0]) throw new RuleError('UNKNOWN_REFERENCE', 'errors.admin.unknownPartner', { field: 'partnerId' });
  if (!rows[0].isActive)
    throw new RuleError('INACTIVE_REFERENCE', 'errors.admin.inactivePartner', { field: 'partnerId' });
}

/** The login linked to an installer record: an active INSTALLER user of the same branch (422 naming userId). */
async function checkUserLink(tx: Tx, userId: string, branchId: string): Promise<void> {
  const { rows } = await tx.query<{ branchId: string | null; installer: boolean }>(
    `SELECT u.branch_id AS "branchId",
            EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_code = 'INSTALLER') AS installer
       FROM users u WHERE u.id = $1`,
    [userId],
  );
  const u = rows[0];
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
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (branch) where.push(`i.branch_id = ${p(branch.id)}`);
  if (q.partnerId) where.push(`i.partner_id = ${p(q.partnerId)}`);
  if (q.active) where.push(`i.is_active = ${p(q.active === 'true')}`);
  if (q.skill) where.push(`${p(q.skill)} = ANY(i.skill_tags)`);
  if (q.q) where.push(`i.name ILIKE ${p(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  const { rows } = await tx.query<InstallerRow>(
    `SELECT ${COLUMNS} FROM ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.name, i.id`,
    params,
  );
  return { items: rows };
}

/** GET /api/installers/:id */
export async function getInstaller(tx: Tx, actor: Actor, id: unknown): Promise<InstallerRow> {
  authorize(actor, 'installers.read');
  return requireInstaller(tx, id);
}

/** POST /api/installers → 201 */
export async function createInstaller(tx: Tx, actor: Actor, body: unknown): Promise<InstallerRow> {
  authorize(actor, 'installers.manage');
  const input = parse(installerCreateBody, body);
  const branch = (await branchInScope(tx, actor, input.branchId, { required: true }))!;
  if (input.partnerId) await checkPartner(tx, input.partnerId);
  if (input.userId) await checkUserLink(tx, input.userId, branch.id);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO installers(branch_id, partner_id, user_id, name, phone, skill_tags, regions, capacity_per_day)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      branch.id,
      input.partnerId ?? null,
      input.userId ?? null,
      input.name,
      input.phone ?? null,
      input.skillTags,
      input.regions,
      input.capacityPerDay,
    ],
  );
  return (await findInstaller(tx, rows[0]!.id))!;
}

const PATCH_COLUMNS = {
  branchId: 'branch_id',
  partnerId: 'partner_id',
  userId: 'user_id',
  name: 'name',
  phone: 'phone',
  skillTags: 'skill_tags',
  regions: 'regions',
  capacityPerDay: 'capacity_per_day',
} as const;

/** PATCH /api/installers/:id {version, …} */
export async function updateInstaller(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<InstallerRow> {
  authorize(actor, 'installers.manage');
  const installerId = parseId(id);
  const { version: v, ...changes } = parse(installerPatchBody, body);
  const fields = (Object.keys(changes) as (keyof typeof changes)[]).filter((f) => changes[f] !== undefined);
  if (fields.length === 0) throw new ValidationError('body', 'errors.emptyPatch');
  const row = await requireInstaller(tx, installerId, true);
  if (row.version !== v) throw new VersionConflictError(row);
  const branchId = changes.branchId ?? row.branchId;
  if (changes.branchId && changes.branchId !== row.branchId) {
    await branchInScope(tx, actor, changes.branchId, { required: true });
  }
  if (changes.partnerId) await checkPartner(tx, changes.partnerId);
  const userId = changes.userId === undefined ? row.userId : changes.userId;
  if (userId && (changes.userId !== undefined || changes.branchId !== undefined)) {
    await checkUserLink(tx, userId, branchId);
  }
  await tx.query(
    `UPDATE installers SET ${fields.map((f, i) => `${PATCH_COLUMNS[f]} = $${i + 3}`).join(', ')}
      WHERE id = $1 AND version = $2`,
    [row.id, v, ...fields.map((f) => changes[f])],
  );
  return (await findInstaller(tx, row.id))!;
}

/** POST /api/installers/:id/deactivate|activate {version} */
export async function setInstallerActive(tx: Tx, actor: Actor, id: unknown, body: unknown, active: boolean) {
  authorize(actor, 'installers.manage');
  const installerId = parseId(id);
  const { version: v } = parse(versionBody, body);
  const row = await requireInstaller(tx, installerId, true);
  if (row.version !== v) throw new VersionConflictError(row);
  await tx.query('UPDATE installers SET is_active = $3 WHERE id = $1 AND version = $2', [row.id, v, active]);
  return (await findInstaller(tx, row.id))!;
}
