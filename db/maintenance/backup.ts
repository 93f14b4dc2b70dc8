// Backups (seed "Backup & Recovery"): a nightly pg_dump -Fc with retention, and a restore drill that proves a
// backup restores: the dump is taken from an exported snapshot in which the row counts of the main tables are
// recorded, so the drill can compare the restored database with exactly what was dumped.
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { withDatabase } from '../pg/embedded.js';
import { runPgTool } from './pg-tools.js';

export const COUNTED_TABLES = [
  'orders',
  'order_lines',
  'order_status_history',
  'appointments',
  'waste_pickups',
  'serial_numbers',
  'users',
  'installers',
  'audit_logs',
] as const;

export interface BackupResult {
  file: string;
  bytes: number;
  counts: Record<string, number>;
  seconds: number;
}

async function countRows(client: pg.ClientBase): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of COUNTED_TABLES) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`);
    counts[t] = Number(r.rows[0]!.n);
  }
  return counts;
}

export async function backupDatabase(ownerUrl: string, backupDir: string, now = new Date()): Promise<BackupResult> {
  mkdirSync(backupDir, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const file = join(backupDir, `dispatch-${stamp}.dump`);
  const started = performance.now();
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snap = await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s');
    const counts = await countRows(client);
    // pg_dump reads the same snapshot while this transaction keeps it alive.
    await runPgTool('pg_dump', ['-Fc', `--snapshot=${snap.rows[0]!.s}`, '-f', file, '-d', ownerUrl]);
    await client.query('COMMIT');
    writeFileSync(`${file}.json`, `${JSON.stringify({ counts, createdAt: now.toISOString() }, null, 2)}\n`);
    return { file, bytes: statSync(file).size, counts, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

/** Deletes backups older than `retentionDays`, always keeping the newest `keepAtLeast`. */
export function pruneBackups(backupDir: string, retentionDays = 30, keepAtLeast = 1, now = Date.now()): string[] {
  const dumps = readdirSync(backupDir)
    .filter((f) => /^dispatch-\d{8}-\d{6}\.dump$/.test(f))
    .sort()
    .reverse();
  const removed: string[] = [];
  dumps.forEach((f, i) => {
    const full = join(backupDir, f);
    if (i >= keepAtLeast && now - statSync(full).mtimeMs > retentionDays * 86_400_000) {
      unlinkSync(full);
      try {
        unlinkSync(`${full}.json`);
      } catch {}
      removed.push(f);
    }
  });
  return removed;
}

export interface DrillResult {
  database: string;
  expected: Record<string, number>;
  restored: Record<string, number>;
  ok: boolean;
  seconds: number;
}

/**
 * Restores a backup into a new scratch database on the same server, compares row counts with the backup's
 * manifest, and drops the scratch database (unless keep).
 */
export async function restoreDrill(
  ownerUrl: string,
  file: string,
  opts: { keep?: boolean } = {},
): Promise<DrillResult> {
  const expected = JSON.parse(readFileSync(`${file}.json`, 'utf8')).counts as Record<string, number>;
  const database = `restore_drill_${Date.now()}`;
  const started = performance.now();
  const admin = new pg.Client({ connectionString: ownerUrl });
  await admin.connect();
  try {
    // The application role is cluster-wide; a fresh instance needs it before the dump's GRANTs.
    await admin.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dispatch_app') THEN
        CREATE ROLE dispatch_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$`);
    await admin.query(`CREATE DATABASE ${database}`);
    const target = withDatabase(ownerUrl, database);
    await runPgTool('pg_restore', ['--exit-on-error', '-d', target, file]);
    const c = new pg.Client({ connectionString: target });
    await c.connect();
    let restored: Record<string, number>;
    try {
      restored = await countRows(c);
    } finally {
      await c.end();
    }
    const ok = COUNTED_TABLES.every((t) => restored[t] === expected[t]);
    return { database, expected, restored, ok, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (!opts.keep) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}
