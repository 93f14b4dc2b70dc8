// A live session for a test that opens request transactions itself (without logging in over HTTP): the
// database accepts a request context only for a live session of that user (migration 0071).
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';

/** Inserts (as the owner) a refresh token of a new family for the user; returns the family, the session id. */
export async function openSession(owner: pg.ClientBase | pg.Pool, userId: string): Promise<string> {
  const sessionId = randomUUID();
  await owner.query(
    `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + interval '1 day')`,
    [userId, sessionId, randomBytes(32).toString('hex')],
  );
  return sessionId;
}

/**
 * Enters, in the open transaction of `client` (dispatch_app), the sealed request context of the user with a
 * fresh session, as the server does for a request (migrations 0071, 0072). A context set with set_config alone
 * is not one the database honours.
 */
export async function enterAs(
  client: pg.ClientBase,
  owner: pg.ClientBase | pg.Pool,
  user: { id: string; role: string; branchId?: string | null; partnerId?: string | null },
): Promise<void> {
  const sessionId = await openSession(owner, user.id);
  await client.query('SELECT app_enter_request($1, $2, $3, $4, NULL, $5)', [
    user.id,
    user.role,
    user.branchId ?? '',
    user.partnerId ?? '',
    sessionId,
  ]);
}
