import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { persistentSecret } from './pg/data-dir.js';

export const migrationsDir = join(import.meta.dirname, 'migrations');
export const APP_ROLE = 'dispatch_app';

export function appRolePassword(): string {
  return persistentSecret('DISPATCH_APP_PASSWORD', 'dispatch_app_password');
}

/**
 * Applies every pending migration in db/migrations (plain SQL, one transaction each) as the owner at `url`,
 * then gives the application role its password. Running it again changes nothing.
 */
export async function migrate(url: string, opts: { log?: boolean } = {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl: url,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: false,
    checkOrder: true,
    verbose: false,
    log: opts.log ? (m: string) => console.log(m) : () => {},
  });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The role is cluster-wide and created by migration 001; its password never lives in a migration file.
    await client.query(`ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD '${appRolePassword().replace(/'/g, "''")}'`);
  } finally {
    await client.end();
  }
  return applied.map((m) => m.name);
}
