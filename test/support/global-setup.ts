import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { appRolePassword, migrate, migrationsDir, storeServerSettings } from '../../db/migrate.js';
import { dataRoot } from '../../db/pg/data-dir.js';
import { startDatabase, withDatabase } from '../../db/pg/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    appPassword: string;
  }
}

/** A template database migrated once per change of the migrations; test files clone it. */
export default async function setup(project: TestProject) {
  // Each checkout gets its own port so two checkouts can run their suites at once without DATABASE_URL.
  const port = Number(
    process.env.TEST_PG_PORT ??
      54330 + (parseInt(createHash('md5').update(dataRoot).digest('hex').slice(0, 4), 16) % 500),
  );
  const db = await startDatabase({ name: 'pg-test', port });
  const hash = createHash('sha256');
  for (const f of readdirSync(migrationsDir).sort()) hash.update(f).update(readFileSync(join(migrationsDir, f)));
  const templateDb = `dispatch_tpl_${hash.digest('hex').slice(0, 12)}`;

  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    // Several checkouts may share one PostgreSQL (DATABASE_URL): serialise template creation between them.
    await admin.query('SELECT pg_advisory_lock(724100)');
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [templateDb]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${templateDb}"`);
      try {
        await migrate(withDatabase(db.url, templateDb));
      } catch (e) {
        await admin.query(`DROP DATABASE IF EXISTS "${templateDb}" WITH (FORCE)`);
        throw e;
      }
      await admin.query(`ALTER DATABASE "${templateDb}" WITH IS_TEMPLATE true`);
    } else {
      // The role's password is cluster-wide; keep it in step with this checkout's .data secret.
      await admin.query(`ALTER ROLE dispatch_app WITH LOGIN PASSWORD '${appRolePassword()}'`);
      // and the server key's digest with this checkout's .data secret (migration 0074)
      const tpl = new pg.Client({ connectionString: withDatabase(db.url, templateDb) });
      await tpl.connect();
      try {
        await storeServerSettings(tpl);
      } finally {
        await tpl.end();
      }
    }
    // Databases left by killed runs of this machine (their process is gone).
    const orphans = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'dispatch_t\\_%'");
    for (const { datname } of orphans.rows as { datname: string }[]) {
      const pid = Number(datname.split('_')[2]);
      if (pid && !processAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock(724100)').catch(() => {});
    await admin.end();
  }
  project.provide('adminUrl', db.url);
  project.provide('templateDb', templateDb);
  project.provide('appPassword', appRolePassword());
  return async () => {
    await db.stop();
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
