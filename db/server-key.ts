import { persistentSecret } from './pg/data-dir.js';

/**
 * The server's key to the database (DB_SERVER_KEY): what the server shows besides dispatch_app's password to act
 * as SYSTEM (the background jobs) and to read a password's salt at login (migration 0074). The database keeps
 * only its SHA-256 (app_private.server_key, stored by db:migrate), so dispatch_app's password alone opens neither.
 * Like JWT_SECRET, it is generated under .data/ when the environment does not give it: the server and
 * `npm run db:migrate` must see the same value.
 */
export function dbServerKey(): string {
  return persistentSecret('DB_SERVER_KEY', 'db_server_key');
}
