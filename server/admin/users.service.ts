// User administration (HQ_ADMIN, admin.users): create with role, branch, partner and locale; edit; reset the
// password; deactivate (its refresh tokens are revoked at once; an access token it holds runs out within
// ACCESS_TOKEN_TTL_SECONDS). Passwords are hashed with Argon2id exactly like server/auth, outside the transaction.
import type pg from 'pg';
import { z } from 'zod';
import { uuid, version } from '../../domain/order-schemas.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { revokeRefreshTokensOfUser, updatePasswordHash } from '../auth/auth.repository.js';
import { authorize } from '../auth/authorize.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords.js';
import { type Tx, withRequestTransaction } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, RuleError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId, parsePatch } from '../http/validate.js';
import { decodeKeyset, keysetPage } from '../shared/keyset.js';
import { requireActiveBranch, requireActivePartner, versionBody } from './reference.service.js';
import type { AdminUser } from './users.repository.js';
import * as repo from './users.repository.js';

const username = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/);
const password = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);
const role = z.enum(ROLES);
const locale = z.enum(['ko', 'en']);

export const userCreateBody = z
  .object({
    username,
    password,
    fullName: z.string().trim().min(1).max(120),
    email: z.email().max(120).nullable().optional(),
    role,
    branchId: uuid.nullable().optional(),
    partnerId: uuid.nullable().optional(),
    locale: locale.default('ko'),
  })
  .strict();

export const userPatchBody = z
  .object({
    version,
    fullName: z.string().trim().min(1).max(120).optional(),
    email: z.email().max(120).nullable().optional(),
    role: role.optional(),
    branchId: uuid.nullable().optional(),
    partnerId: uuid.nullable().optional(),
    locale: locale.optional(),
  })
  .strict();

export const passwordResetBody = z.object({ password, version: version.optional() }).strict();

export const userListQuery = z
  .object({
    q: z.string().trim().min(1).max(64).optional(),
    role: role.optional(),
    branchId: uuid.optional(),
    partnerId: uuid.optional(),
    active: z.enum(['true', 'false']).optional(),
    cursor: z.string().min(1).max(400).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** The user, or 404; with `lock`, held (FOR UPDATE) and 409 unless at `lock.version` when one is given. */
async function requireUser(tx: Tx, id: string, lock?: { version: number | undefined }): Promise<AdminUser> {
  const user = await repo.findUser(tx, id, lock !== undefined);
  if (!user) throw new NotFoundError('user');
  if (lock?.version !== undefined && user.version !== lock.version) throw new VersionConflictError(user);
  return user;
}

/**
 * What each role needs: a branch manager a branch, a partner coordinator a partner, an installer a branch; HQ
 * admins belong to no branch (400 naming the field). Branch and partner must exist and be active (422).
 */
async function checkAssignment(
  tx: Tx,
  u: { role: Role; branchId: string | null; partnerId: string | null },
): Promise<void> {
  if ((u.role === 'BRANCH_MANAGER' || u.role === 'INSTALLER') && !u.branchId) {
    throw new ValidationError('branchId', 'errors.admin.branchRequired', { params: { role: u.role } });
  }
  if (u.role === 'PARTNER_COORDINATOR' && !u.partnerId) {
    throw new ValidationError('partnerId', 'errors.admin.partnerRequired', { params: { role: u.role } });
  }
  if (u.role === 'HQ_ADMIN' && (u.branchId || u.partnerId)) {
    throw new ValidationError(u.branchId ? 'branchId' : 'partnerId', 'errors.admin.hqNoScope');
  }
  if (u.branchId) await requireActiveBranch(tx, u.branchId);
  if (u.partnerId) await requireActivePartner(tx, u.partnerId);
}

/** GET /api/admin/users */
export async function listUsers(tx: Tx, actor: Actor, query: unknown) {
  authorize(actor, 'admin.users');
  const q = parse(userListQuery, query);
  const rows = await repo.listUsers(tx, {
    q: q.q,
    role: q.role,
    branchId: q.branchId,
    partnerId: q.partnerId,
    active: q.active === undefined ? undefined : q.active === 'true',
    after: q.cursor ? decodeKeyset(q.cursor, 'users') : undefined,
    limit: q.limit + 1,
  });
  return keysetPage(rows, q.limit, 'users', (u) => u.username);
}

/** GET /api/admin/users/:id */
export async function getUser(tx: Tx, actor: Actor, id: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  return requireUser(tx, parseId(id));
}

/** POST /api/admin/users → 201. Hashes before opening the transaction (Argon2id takes tens of ms). */
export async function createUser(pool: pg.Pool, actor: Actor, body: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  const input = parse(userCreateBody, body);
  const hash = await hashPassword(input.password);
  return withRequestTransaction(pool, actor, async (tx) => {
    const u = { role: input.role, branchId: input.branchId ?? null, partnerId: input.partnerId ?? null };
    await checkAssignment(tx, u);
    const id = await repo.insertUser(tx, {
      ...u,
      username: input.username,
      passwordHash: hash,
      fullName: input.fullName,
      email: input.email ?? null,
      locale: input.locale,
    });
    return (await repo.findUser(tx, id))!;
  });
}

/** PATCH /api/admin/users/:id {version, …}: a role change replaces the user's role. */
export async function updateUser(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  const userId = parseId(id);
  const { version: v, changes } = parsePatch(userPatchBody, body);
  const user = await requireUser(tx, userId, { version: v });
  const next = {
    role: changes.role ?? user.role ?? 'INSTALLER',
    branchId: changes.branchId === undefined ? user.branchId : changes.branchId,
    partnerId: changes.partnerId === undefined ? user.partnerId : changes.partnerId,
  };
  if (changes.role && changes.role !== user.role && user.id === actor.userId) {
    throw new RuleError('SELF_ROLE', 'errors.admin.ownRole', { field: 'role' });
  }
  await checkAssignment(tx, next);
  const roleChanged = changes.role !== undefined && changes.role !== user.role;
  await repo.updateUser(tx, user.id, v, {
    fullName: changes.fullName,
    email: changes.email,
    locale: changes.locale,
    branchId: next.branchId,
    partnerId: next.partnerId,
    roleChanged,
  });
  if (roleChanged) {
    await repo.replaceRole(tx, user.id, next.role);
    // the sessions carry the old role in their tokens: they end
    await revokeRefreshTokensOfUser(tx, user.id);
  }
  return (await repo.findUser(tx, user.id))!;
}

/** POST /api/admin/users/:id/password {password, version?}: a new password, every session of the user ends. */
export async function resetPassword(pool: pg.Pool, actor: Actor, id: unknown, body: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  const userId = parseId(id);
  const input = parse(passwordResetBody, body);
  const hash = await hashPassword(input.password);
  return withRequestTransaction(pool, actor, async (tx) => {
    const user = await requireUser(tx, userId, { version: input.version });
    await updatePasswordHash(tx, user.id, hash);
    await revokeRefreshTokensOfUser(tx, user.id);
    return (await repo.findUser(tx, user.id))!;
  });
}

/** POST /api/admin/users/:id/deactivate|activate {version} */
export async function setUserActive(tx: Tx, actor: Actor, id: unknown, body: unknown, active: boolean) {
  authorize(actor, 'admin.users');
  const userId = parseId(id);
  const { version: v } = parse(versionBody, body);
  const user = await requireUser(tx, userId, { version: v });
  if (!active && user.id === actor.userId) throw new RuleError('SELF_DEACTIVATE', 'errors.admin.ownAccount');
  await repo.setUserActive(tx, user.id, v, active);
  if (!active) await revokeRefreshTokensOfUser(tx, user.id);
  return (await repo.findUser(tx, user.id))!;
}
