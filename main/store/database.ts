import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** db/client/NNN_*.sql, applied in order; PRAGMA user_version records how many ran. */
export const clientSchemaDir = join(import.meta.dirname, '..', '..', 'db', 'client');

function schemaFiles(): { n: number; sql: string }[] {
  return readdirSync(clientSchemaDir)
    .filter((f) => /^\d{3}_.*\.sql$/.test(f))
    .sort()
    .map((f) => ({ n: Number(f.slice(0, 3)), sql: readFileSync(join(clientSchemaDir, f), 'utf8') }));
}

/**
 * Opens (creating if needed) a client database in WAL mode and brings its schema up to date. WAL lets the UI's
 * reads go on while a pull page is being written; synchronous=NORMAL is durable across a process crash (the
 * case that matters here: a killed client) and only risks the last transactions on a power cut.
 */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = OFF');
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const { n, sql } of schemaFiles()) {
    if (n <= current) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${n}`);
    })();
  }
  return db;
}
