// The WAL archive through the storage adapter (db/cli/wal.ts as archive_command and restore_command), on an
// embedded cluster of this test's own; the adapter's local driver stands in for S3 (same interface).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseBackup, pitrDrill } from '../../db/maintenance/pitr.js';
import { createStorage, fetchWal, pushWal, walCommands, walStorageConfig } from '../../db/maintenance/wal-archive.js';
import { migrate } from '../../db/migrate.js';
import { dataRoot } from '../../db/pg/data-dir.js';
import { type RunningDatabase, startEmbedded } from '../../db/pg/embedded.js';
import { freePort } from '../../db/pg/postgres-process.js';

const root = join(dataRoot, `wal-storage-test-${process.pid}`);
const store = join(root, 'wal-store');
const commands = walCommands({ WAL_ARCHIVE_DIR: store });
let db: RunningDatabase;

beforeAll(async () => {
  db = await startEmbedded({
    dir: join(root, 'data'),
    port: await freePort(),
    archiveDir: store,
    archiveCommand: commands.archive,
  });
  await migrate(db.url);
}, 120_000);
afterAll(async () => {
  await db?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('WAL archive through the storage adapter', () => {
  it('the PITR drill restores from what archive_command stored and restore_command fetches', async () => {
    await baseBackup(db.url, join(root, 'backups'));
    const r = await pitrDrill({ ownerUrl: db.url, backupDir: join(root, 'backups'), restoreCommand: commands.restore });
    expect(r).toMatchObject({ ok: true, firstMarkRestored: true, secondMarkRestored: false });
  });

  it('an archived segment is never overwritten with other bytes; the same bytes again are fine; a missing one is no file', async () => {
    const dir = join(root, 'unit');
    mkdirSync(dir, { recursive: true });
    const storage = createStorage(walStorageConfig({ WAL_ARCHIVE_DIR: join(dir, 'archive') }));
    writeFileSync(join(dir, 'seg'), 'first bytes');
    expect(await pushWal(storage, join(dir, 'seg'), '000000010000000000000099')).toBe('stored');
    expect(await pushWal(storage, join(dir, 'seg'), '000000010000000000000099')).toBe('already');
    writeFileSync(join(dir, 'other'), 'other bytes');
    await expect(pushWal(storage, join(dir, 'other'), '000000010000000000000099')).rejects.toThrow(/overwrite/);
    expect(await fetchWal(storage, '000000010000000000000099', join(dir, 'back'))).toBe(true);
    expect(await fetchWal(storage, '0000000100000000000000FF', join(dir, 'none'))).toBe(false);
    expect(() => walStorageConfig({})).toThrow(/WAL_S3_BUCKET or WAL_ARCHIVE_DIR/);
  });
});
