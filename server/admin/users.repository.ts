import type { Role } from '../../domain/roles.js';
import { queryParams } from '../db/query-params.js';
import type { Tx } from '../db/transaction.js';
import { likeEscape } from '../orders/order-search.js';
import type { KeysetPosition } from '../shared/keyset.js';

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

// A user has one role; should several rows exist, the widest one is shown.
const COLUMNS = `u.id, u.username, u.full_name AS "fullName", u.email, u.locale,
  (SELECT r.role_code FROM user_roles r WHERE r.user_id = u.id
    ORDER BY array_position(ARRAY['HQ_ADMIN','BRANCH_MANAGER','PARTNER_COORDINATOR','INSTALLER']::text[], r.role_code) LIMIT 1) AS role,
  u.branch_id AS "branchId", u.partner_id AS "partnerId",
  (SELECT i.id FROM installers i WHERE i.user_id = u.id) AS "installerId",
  u.is_active AS "isActive", u.version, u.password_changed_at AS "passwordChangedAt",
  u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

export async function findUser(tx: Tx, id: string, lock = false): Promise<AdminUser | undefined> {
  const { rows } = await tx.query<AdminUser>(
    `SELECT ${COLUMNS} FROM users u WHERE u.id = $1 ${lock ? 'FOR UPDATE OF u' : ''}`,
    [id],
  );
  return rows[0];
}

export interface UserFilter {
  /** part of the username or full name */
  q?: string;
  role?: Role;
  branchId?: string;
  partnerId?: string;
  active?: boolean;
  after?: KeysetPosition;
  limit: number;
}

/** Users in (username, id) order after `after`. */
export async function listUsers(tx: Tx, f: UserFilter): Promise<AdminUser[]> {
  const { values, p } = queryParams();
  const where: string[] = [];
  if (f.q) {
    const like = p(`%${likeEscape(f.q)}%`);
    where.push(`(u.username ILIKE ${like} OR u.full_name ILIKE ${like})`);
  }
  if (f.role) where.push(`EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_code = ${p(f.role)})`);
  if (f.branchId) where.push(`u.branch_id = ${p(f.branchId)}`);
  if (f.partnerId) where.push(`u.partner_id = ${p(f.partnerId)}`);
  if (f.active !== undefined) where.push(`u.is_active = ${p(f.active)}`);
  if (f.after) where.push(`(u.username, u.id) > (${p(f.after.key)}, ${p(f.after.id)}::uuid)`);
  const { rows } = await tx.query<AdminUser>(
    `SELECT ${COLUMNS} FROM users u ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY u.username, u.id LIMIT ${p(f.limit)}`,
    values,
  );
  return rows;
}

export interface NewUser {
  username: string;
  passwordHash: string;
  fullName: string;
  email: string | null;
  locale: 'ko' | 'en';
  role: Role;
  branchId: string | null;
  partnerId: string | null;
}

/** The user and its role; answers the new id. */
export async function insertUser(tx: Tx, u: NewUser): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO users(username, password_hash, full_name, email, locale, branch_id, partner_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [u.username, u.passwordHash, u.fullName, u.email, u.locale, u.branchId, u.partnerId],
  );
  const id = rows[0]!.id;
  await tx.query('INSERT INTO user_roles(user_id, role_code) VALUES ($1, $2)', [id, u.role]);
  return id;
}

export interface UserChanges {
  /** undefined: unchanged */
  fullName?: string;
  /** undefined: unchanged; null: cleared */
  email?: string | null;
  /** undefined: unchanged */
  locale?: 'ko' | 'en';
  branchId: string | null;
  partnerId: string | null;
  /** the role is replaced (by replaceRole): the version moves even when nothing else does */
  roleChanged: boolean;
}

/** Writes at `version` (the caller holds the row locked and has compared it). */
export async function updateUser(tx: Tx, id: string, version: number, c: UserChanges): Promise<void> {
  await tx.query(
    `UPDATE users SET full_name = coalesce($3, full_name),
                      email = CASE WHEN $4 THEN $5 ELSE email END,
                      locale = coalesce($6, locale), branch_id = $7, partner_id = $8,
                      -- a role change alone still bumps the version (user_roles has no version of its own)
                      version = CASE WHEN $9 THEN version + 1 ELSE version END
      WHERE id = $1 AND version = $2`,
    [
      id,
      version,
      c.fullName ?? null,
      c.email !== undefined,
      c.email ?? null,
      c.locale ?? null,
      c.branchId,
      c.partnerId,
      c.roleChanged,
    ],
  );
}

export async function replaceRole(tx: Tx, id: string, role: Role): Promise<void> {
  await tx.query('DELETE FROM user_roles WHERE user_id = $1', [id]);
  await tx.query('INSERT INTO user_roles(user_id, role_code) VALUES ($1, $2)', [id, role]);
}

export async function setUserActive(tx: Tx, id: string, version: number, active: boolean): Promise<void> {
  await tx.query('UPDATE users SET is_active = $3 WHERE id = $1 AND version = $2', [id, version, active]);
}
