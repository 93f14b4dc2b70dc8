import type { Role } from '../../domain/roles.js';
import type { Tx } from '../db/transaction.js';
import type { Locale } from '../i18n/index.js';

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  fullName: string;
  email: string | null;
  locale: Locale;
  branchId: string | null;
  partnerId: string | null;
  isActive: boolean;
  roles: Role[];
  installerId: string | null;
}

const USER_COLUMNS = `
  u.id, u.username, auth_password_hash(u.id) AS "passwordHash", u.full_name AS "fullName", u.email, u.locale,
  u.branch_id AS "branchId", u.partner_id AS "partnerId", u.is_active AS "isActive",
  ARRAY(SELECT r.role_code FROM user_roles r WHERE r.user_id = u.id ORDER BY r.role_code)::text[] AS roles,
  -- installers is under row-level security; this only finds the record for the caller itself
  (SELECT i.id FROM installers i WHERE i.user_id = u.id) AS "installerId"`;

export async function findUserByUsername(tx: Tx, username: string): Promise<UserRecord | undefined> {
  const { rows } = await tx.query<UserRecord>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.username = $1`, [username]);
  return rows[0];
}

export async function findUserById(tx: Tx, id: string): Promise<UserRecord | undefined> {
  const { rows } = await tx.query<UserRecord>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  return rows[0];
}

export async function updatePasswordHash(tx: Tx, userId: string, passwordHash: string): Promise<void> {
  await tx.query('UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1', [
    userId,
    passwordHash,
  ]);
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  /** decided by the database clock, like expires_at itself */
  expired: boolean;
  /** the token this one was exchanged for */
  replacedBy: string | null;
  /** hash of the retry key sent with the refresh that used this token */
  retryKeyHash: string | null;
}

export async function insertRefreshToken(
  tx: Tx,
  t: { userId: string; familyId: string | null; tokenHash: string; ttlSeconds: number },
): Promise<{ id: string; familyId: string; expiresAt: Date }> {
  const { rows } = await tx.query<{ id: string; familyId: string; expiresAt: Date }>(
    `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
     VALUES ($1, coalesce($2::uuid, gen_random_uuid()), $3, now() + make_interval(secs => $4))
     RETURNING id, family_id AS "familyId", expires_at AS "expiresAt"`,
    [t.userId, t.familyId, t.tokenHash, t.ttlSeconds],
  );
  return rows[0]!;
}

/** The token row, locked so two refreshes with the same token are decided one after the other. */
export async function lockRefreshToken(tx: Tx, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const { rows } = await tx.query<RefreshTokenRecord>(
    `SELECT id, user_id AS "userId", family_id AS "familyId", expires_at AS "expiresAt", used_at AS "usedAt",
            revoked_at AS "revokedAt", expires_at <= now() AS expired, replaced_by AS "replacedBy",
            retry_key_hash AS "retryKeyHash"
       FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
    [tokenHash],
  );
  return rows[0];
}

/** Revokes the successor of a used token if nobody has used it yet (locked); false when it was used. */
export async function revokeUnusedSuccessor(tx: Tx, successorId: string): Promise<boolean> {
  const { rows } = await tx.query<{ usedAt: Date | null; revokedAt: Date | null }>(
    `SELECT used_at AS "usedAt", revoked_at AS "revokedAt" FROM refresh_tokens WHERE id = $1 FOR UPDATE`,
    [successorId],
  );
  const s = rows[0];
  if (!s || s.usedAt) return false;
  if (!s.revokedAt) await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1', [successorId]);
  return true;
}

export async function setRefreshSuccessor(tx: Tx, id: string, successorId: string): Promise<void> {
  await tx.query('UPDATE refresh_tokens SET replaced_by = $2 WHERE id = $1', [id, successorId]);
}

export async function markRefreshTokenUsed(tx: Tx, id: string, retryKeyHash: string | null): Promise<void> {
  await tx.query('UPDATE refresh_tokens SET used_at = now(), retry_key_hash = $2 WHERE id = $1', [id, retryKeyHash]);
}

export async function revokeRefreshFamily(tx: Tx, familyId: string): Promise<void> {
  await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [
    familyId,
  ]);
}

export async function revokeRefreshTokensOfUser(tx: Tx, userId: string): Promise<void> {
  await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
}
