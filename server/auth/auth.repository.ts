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

/**
 * The stored hash's salt and parameters (`$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash length>`), to recompute the
 * hash from a typed password; undefined for an unknown username (migration 0073). Only for the server's key
 * (0074): dispatch_app's password alone reads no salt.
 */
export async function passwordSalt(tx: Tx, username: string, serverKey: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ s: string | null }>('SELECT auth_password_salt($1, $2) AS s', [
    username,
    serverKey,
  ]);
  return rows[0]?.s ?? undefined;
}

/**
 * Records a login attempt with the recomputed hash, throttled by the database (migration 0075: DS429 → 429); its
 * id. It tells nothing about the password: commit it, then ask finishLogin in another transaction.
 */
export async function attemptLogin(
  tx: Tx,
  a: { username: string; proof: string; address: string; serverKey: string },
): Promise<string> {
  const { rows } = await tx.query<{ id: string }>('SELECT auth_login($1, $2, $3, $4) AS id', [
    a.username,
    a.proof,
    a.address,
    a.serverKey,
  ]);
  return rows[0]!.id;
}

/**
 * The result of a committed attempt: the database compared the recomputed hash with the stored one (which
 * dispatch_app cannot read); on a match the user becomes readable in this transaction and a session may be
 * opened for it. Its id, or undefined.
 */
export async function finishLogin(tx: Tx, attempt: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string | null }>('SELECT auth_login_finish($1) AS id', [attempt]);
  return rows[0]?.id ?? undefined;
}

/** A new session for the user this transaction proved, or for the caller itself (password change). */
export async function openSession(
  tx: Tx,
  t: { tokenHash: string; ttlSeconds: number },
): Promise<{ familyId: string; expiresAt: Date }> {
  const { rows } = await tx.query<{ familyId: string; expiresAt: Date }>(
    'SELECT family_id AS "familyId", expires_at AS "expiresAt" FROM auth_open_session($1, $2)',
    [t.tokenHash, t.ttlSeconds],
  );
  return rows[0]!;
}

export type RefreshOutcome =
  | { outcome: 'invalid' }
  | { outcome: 'reused'; userId: string; familyId: string }
  | { outcome: 'inactive'; userId: string; familyId: string }
  | { outcome: 'ok'; userId: string; familyId: string; expiresAt: Date };

/**
 * One use of a refresh token, decided in the database (migration 0073 auth_refresh; with the client's retry key,
 * 0062 auth_refresh_retry: a retry after a lost answer gets a new token instead of revoking the family).
 */
export async function useRefreshToken(
  tx: Tx,
  t: { oldHash: string; newHash: string; ttlSeconds: number; retryKeyHash?: string | null },
): Promise<RefreshOutcome> {
  const { rows } = await tx.query<{ outcome: string; userId: string; familyId: string; expiresAt: Date }>(
    `SELECT outcome, out_user AS "userId", out_family AS "familyId", out_expires AS "expiresAt"
       FROM auth_refresh_retry($1, $4, $2, $3)`,
    [t.oldHash, t.newHash, t.ttlSeconds, t.retryKeyHash ?? null],
  );
  return rows[0] as RefreshOutcome;
}

/** Ends the session (family) of a token; its id, or undefined for an unknown token. */
export async function endSessionOfToken(tx: Tx, tokenHash: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string | null }>('SELECT auth_logout($1) AS id', [tokenHash]);
  return rows[0]?.id ?? undefined;
}

/** Ends every session of the user: the user itself or HQ. */
export async function revokeRefreshTokensOfUser(tx: Tx, userId: string): Promise<void> {
  await tx.query('SELECT auth_end_sessions($1)', [userId]);
}
