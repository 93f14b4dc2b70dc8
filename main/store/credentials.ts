// The last online login of a database's user, for logging in while the head office is unreachable.
import type { SessionUser } from '../../domain/client-api.js';
import type { Db } from './database.js';

export interface StoredCredentials {
  username: string;
  serverUrl: string;
  user: SessionUser;
  verifier: string;
  refreshToken: string | null;
}

export function saveCredentials(db: Db, c: StoredCredentials): void {
  db.prepare(
    `INSERT INTO credentials(username, server_url, user_id, user_json, verifier, refresh_token, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(username) DO UPDATE SET server_url = excluded.server_url, user_id = excluded.user_id,
       user_json = excluded.user_json, verifier = excluded.verifier, refresh_token = excluded.refresh_token,
       updated_at = excluded.updated_at`,
  ).run(
    c.username,
    c.serverUrl,
    c.user.id,
    JSON.stringify(c.user),
    c.verifier,
    c.refreshToken,
    new Date().toISOString(),
  );
}

export function loadCredentials(db: Db, username: string): StoredCredentials | null {
  const r = db.prepare('SELECT * FROM credentials WHERE username = ?').get(username) as
    | { username: string; server_url: string; user_json: string; verifier: string; refresh_token: string | null }
    | undefined;
  if (!r) return null;
  return {
    username: r.username,
    serverUrl: r.server_url,
    user: JSON.parse(r.user_json),
    verifier: r.verifier,
    refreshToken: r.refresh_token,
  };
}

export function saveRefreshToken(db: Db, username: string, token: string | null): void {
  db.prepare('UPDATE credentials SET refresh_token = ?, updated_at = ? WHERE username = ?').run(
    token,
    new Date().toISOString(),
    username,
  );
}
