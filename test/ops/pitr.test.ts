// Point-in-time recovery on an embedded cluster of this test's own (archiving, unlike the shared test cluster):
// base backups, the drill that restores to a moment between two writes, and the pruning of backups and WAL.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseBackup, listBaseBackups, pitrDrill, pruneBaseBackups } from '../../db/maintenance/pitr.js';
import { migrate } from '../../db/migrate.js';
import { dataRoot } from '../../db/pg/data-dir.js';
import { type RunningDatabase, startEmbedded } from '../../db/pg/embedded.js';
import { freePort } from '../../db/pg/postgres-process.js';

const root = join(dataRoot, `pitr-test-${process.pid}`);
const archiveDir = join(root, 'wal-archive');
const backupDir = join(root, 'backups');
let db: RunningDatabase;

beforeAll(async () => {
  db = await startEmbedded({ dir: join(root, 'data'), port: await freePort(), archiveDir });
  await migrate(db.url);
});
afterAll(async () => {
  await db?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('point-in-time recovery', () => {
  it('a base backup is a compressed copy of the cluster that names the first WAL segment it needs', async () => {
    const b = await baseBackup(db.url, backupDir);
    expect(existsSync(join(b.dir, 'base.tar.gz'))).toBe(true);
    expect(existsSync(join(b.dir, 'pg_wal.tar.gz'))).toBe(true);
    expect(b.startWal).toMatch(/^[0-9A-F]{24}$/);
    expect(b.bytes).toBeGreaterThan(1_000_000);
    expect(listBaseBackups(backupDir).map((x) => x.name)).toEqual([b.name]);
  });

  it('the drill restores the newest base backup to a moment between two writes: the first is there, the second not', async () => {
    const r = await pitrDrill({ ownerUrl: db.url, backupDir, archiveDir });
    expect(r).toMatchObject({ firstMarkRestored: true, secondMarkRestored: false, ok: true });
    expect(r.archiveTimeoutSeconds).toBeLessThanOrEqual(60);
    // the scratch cluster is gone and the live one untouched: both marks are there
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query('SELECT count(*)::int AS n FROM pitr_drill_marks');
      expect(rows[0].n).toBe(2);
    } finally {
      await c.end();
    }
  });

  it('pruning removes base backups past retention, keeps the newest, and the archived WAL only they needed', async () => {
    const old = await baseBackup(db.url, backupDir, new Date('2026-01-01T02:00:00Z'));
    const newest = listBaseBackups(backupDir).at(-1)!;
    const walBefore = readdirSync(archiveDir).filter((f) => /^[0-9A-F]{24}$/.test(f));
    const pruned = pruneBaseBackups(backupDir, 14, { archiveDir });
    expect(pruned.removed).toEqual([old.name]);
    const kept = listBaseBackups(backupDir).map((b) => b.name);
    expect(kept).toContain(newest.name);
    const walAfter = readdirSync(archiveDir).filter((f) => /^[0-9A-F]{24}$/.test(f));
    const oldestKept = listBaseBackups(backupDir)[0]!.startWal;
    expect(walAfter.every((f) => f.slice(8) >= oldestKept.slice(8))).toBe(true);
    expect(walAfter.length).toBe(walBefore.filter((f) => f.slice(8) >= oldestKept.slice(8)).length);
    // the drill still works from what is left
    expect((await pitrDrill({ ownerUrl: db.url, backupDir, archiveDir })).ok).toBe(true);
  });
});
