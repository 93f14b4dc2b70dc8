// User administration (HQ_ADMIN, admin.users): create with role, branch, partner and locale; edit; reset the
// password; deactivate (its refresh tokens are revoked at once; an access token it holds runs out within
// ACCESS_TOKEN_TTL_SECONDS). Passwords are hashed with Argon2id exactly like server/auth, outside the transaction.
import type pg from 'pg';
import { z } from 'zod';
import { uuid, version } from '../../domain/order-schemas.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { revokeRefreshTokensOfUser } from '../auth/auth.repository.js';
import { authorize } from '../auth/authorize.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords.js';
import { type Tx, withRequestTransaction } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, RuleError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { decodeKeyset, encodeKeyset } from '../shared/keyset.js';

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
export const versionBody = z.object({ version }).strict();

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

export interface AdminUser {
  id: string;
  username: string;
  fullName: string;
  email: string | null;
  locale: 'ko' | 'en';
  role: Role | null;
  branchId: string | null;
  partnerId: string | null;
  installerId: string | null;
  isActive: boolean;
  version: number;
  passwordChangedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `u.id, u.username, u.full_name AS "fullName", u.email, u.locale,
  (SELECT r.role_code FROM user_roles r WHERE r.user_id = u.id
    ORDER BY array_position(ARRAY['HQ_ADMIN','BRANCH_MANAGER','PARTNER_COORDINATOR','INSTALLER']::text[], r.role_code) LIMIT 1) AS role,
  u.branch_id AS "branchId", u.partner_id AS "partnerId",
  (SELECT i.id FROM installers i WHERE i.user_id = u.id) AS "installerId",
  u.is_active AS "isActive", u.version, u.password_changed_at AS "passwordChangedAt",
  u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

async function findUser(tx: Tx, id: string, lock = false): Promise<AdminUser | undefined> {
  const { rows } = await tx.query<AdminUser>(
    `SELECT ${COLUMNS} FROM users u WHERE u.id = $1 ${lock ? 'FOR UPDATE OF u' : ''}`,
    [id],
  );
  return rows[0];
}

async function requireUser(tx: Tx, id: unknown, lock = false): Promise<AdminUser> {
  const user = await findUser(tx, parseId(id), lock);
  if (!user) throw new NotFoundError('user');
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
  if (u.branchId) {
    const { rows } = await tx.query<{ isActive: boolean }>(
      'SELECT is_active AS "isActive" FROM branches WHERE id = $1',
      [u.branchId],
    );
    if (!rows[0]) throw new RuleError('UNKNOWN_REFERENCE', 'errors.admin.unknownBranch', { field: 'branchId' });
    if (!rows[0].isActive)
      throw new RuleError('INACTIVE_REFERENCE', 'errors.admin.inactiveBranch', { field: 'branchId' });
  }
  if (u.partnerId) {
    const { rows } = await tx.query<{ isActive: boolean }>(
      'SELECT is_active AS "isActive" FROM partners WHERE id = $1',
      [u.partnerId],
    );
    if (!rows[0]) throw new RuleError('UNKNOWN_REFERENCE', 'errors.admin.unknownPartner', { field: 'partnerId' });
    if (!rows[0].isActive) {
      throw new RuleError('INACTIVE_REFERENCE', 'errors.admin.inactivePartner', { field: 'partnerId' });
    }
  }
}

/** GET /api/admin/users */
export async function listUsers(tx: Tx, actor: Actor, query: unknown) {
  authorize(actor, 'admin.users');
  const q = parse(userListQuery, query);
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.q) {
    const like = p(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(u.username ILIKE ${like} OR u.full_name ILIKE ${like})`);
  }
  if (q.role) where.push(`EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_code = ${p(q.role)})`);
  if (q.branchId) where.push(`u.branch_id = ${p(q.branchId)}`);
  if (q.partnerId) where.push(`u.partner_id = ${p(q.partnerId)}`);
  if (q.active) where.push(`u.is_active = ${p(q.active === 'true')}`);
  if (q.cursor) {
    const after = decodeKeyset(q.cursor, 'users');
    where.push(`(u.username, u.id) > (${p(after.key)}, ${p(after.id)}::uuid)`);
  }
  const { rows } = await tx.query<AdminUser>(
    `SELECT ${COLUMNS} FROM users u ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY u.username, u.id LIMIT ${p(q.limit + 1)}`,
    params,
  );
  const more = rows.length > q.limit;
  const items = more ? rows.slice(0, q.limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeKeyset('users', { key: last.username, id: last.id }) : null };
}

/** GET /api/admin/users/:id */
export async function getUser(tx: Tx, actor: Actor, id: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  return requireUser(tx, id);
}

/** POST /api/admin/users → 201. Hashes before opening the transaction (Argon2id takes tens of ms). */
export async function createUser(pool: pg.Pool, actor: Actor, body: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  const input = parse(userCreateBody, body);
  const hash = await hashPassword(input.password);
  return withRequestTransaction(pool, actor, async (tx) => {
    const u = { role: input.role, branchId: input.branchId ?? null, partnerId: input.partnerId ?? null };
    await checkAssignment(tx, u);
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO users(username, password_hash, full_name, email, locale, branch_id, partner_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [input.username, hash, input.fullName, input.email ?? null, input.locale, u.branchId, u.partnerId],
    );
    const id = rows[0]!.id;
    await tx.query('INSERT INTO user_roles(user_id, role_code) VALUES ($1, $2)', [id, input.role]);
    return (await findUser(tx, id))!;
  });
}

/** PATCH /api/admin/users/:id {version, …}: a role change replaces the user's role. */
export async function updateUser(tx: Tx, actor: Actor, id: unknown, body: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  const userId = parseId(id);
  const { version: v, ...changes } = parse(userPatchBody, body);
  if (Object.values(changes).every((x) => x === undefined)) throw new ValidationError('body', 'errors.emptyPatch');
  const user = await requireUser(tx, userId, true);
  if (user.version !== v) throw new VersionConflictError(user);
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
  await tx.query(
    `UPDATE users SET full_name = coalesce($3, full_name),
                      email = CASE WHEN $4 THEN $5 ELSE email END,
                      locale = coalesce($6, locale), branch_id = $7, partner_id = $8,
                      -- a role change alone still bumps the version (user_roles has no version of its own)
                      version = CASE WHEN $9 THEN version + 1 ELSE version END
      WHERE id = $1 AND version = $2`,
    [
      user.id,
      v,
      changes.fullName ?? null,
      changes.email !== undefined,
      changes.email ?? null,
      changes.locale ?? null,
      next.branchId,
      next.partnerId,
      roleChanged,
    ],
  );
  if (roleChanged) {
    await tx.query('DELETE FROM user_roles WHERE user_id = $1', [user.id]);
    await tx.query('INSERT INTO user_roles(user_id, role_code) VALUES ($1, $2)', [user.id, next.role]);
    // the sessions carry the old role in their tokens: they end
    await revokeRefreshTokensOfUser(tx, user.id);
  }
  return (await findUser(tx, user.id))!;
}

/** POST /api/admin/users/:id/password {password, version?}: a new password, every session of the user ends. */
export async function resetPassword(pool: pg.Pool, actor: Actor, id: unknown, body: unknown): Promise<AdminUser> {
  authorize(actor, 'admin.users');
  const userId = parseId(id);
  const input = parse(passwordResetBody, body);
  const hash = await hashPassword(input.password);
  return withRequestTransaction(pool, actor, async (tx) => {
    const user = await requireUser(tx, userId, true);
    if (input.version !== undefined && user.version !== input.version) throw new VersionConflictError(user);
    await tx.query('UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1', [user.id, hash]);
    await revokeRefreshTokensOfUser(tx, user.id);
    return (await findUser(tx, user.id))!;
  });
}

/** POST /api/admin/users/:id/deactivate|activate {version} */
export async function setUserActive(tx: Tx, actor: Actor, id: unknown, body: unknown, active: boolean) {
  authorize(actor, 'admin.users');
  const userId = parseId(id);
  const { version: v } = parse(versionBody, body);
  const user = await requireUser(tx, userId, true);
  if (user.version !== v) throw new VersionConflictError(user);
  if (!active && user.id === actor.userId) throw new RuleError('SELF_DEACTIVATE', 'errors.admin.ownAccount');
  await tx.query('UPDATE users SET is_active = $3 WHERE id = $1 AND version = $2', [user.id, v, active]);
  if (!active) await revokeRefreshTokensOfUser(tx, user.id);
  return (await findUser(tx, user.id))!;
}
