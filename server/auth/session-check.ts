import type pg from 'pg';
import type { Actor } from '../http/context.js';

/** What sync_idle_session answers for a live session: when it ends, and the caller's installer record if any. */
export interface LiveSession {
  expiresAt: number;
  installerId: string | null;
}

/**
 * The request check (app_enter_request's conditions) without a transaction: sync_idle_session (migration 0127),
 * or null when the session is not live. One prepared statement per connection, shared by every caller (the idle
 * pull's session cache, the order list cache's hits): its name must always carry this text.
 */
export async function liveSession(pool: pg.Pool, actor: Actor): Promise<LiveSession | null> {
  if (!actor.sessionId) return null;
  const { rows } = await pool.query<{ s: LiveSession | null }>({
    name: 'sync_idle_session',
    text: 'SELECT sync_idle_session($1, $2, $3, $4, $5::bigint, $6::uuid) AS s',
    values: [
      actor.userId,
      actor.role,
      actor.branchId ?? '',
      actor.partnerId ?? '',
      Number.isFinite(actor.issuedAt) ? String(Math.floor(actor.issuedAt!)) : null,
      actor.sessionId,
    ],
  });
  return rows[0]?.s ?? null;
}
