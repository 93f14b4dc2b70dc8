// `npm run bench:recovery -- [--orders N]`: backup and recovery figures on generated data (docs/operations.md):
// base backup time and size, the PITR drill's restore + replay time, pg_dump time and size, the restore drill's
// time. Runs on an embedded cluster of its own under .data/bench-recovery (removed at the end) on a free port.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { backupDatabase, restoreDrill } from '../../db/maintenance/backup.js';
import { baseBackup, pitrDrill } from '../../db/maintenance/pitr.js';
import { migrate } from '../../db/migrate.js';
import { dataRoot } from '../../db/pg/data-dir.js';
import { startEmbedded } from '../../db/pg/embedded.js';
import { freePort } from '../../db/pg/postgres-process.js';
import { generate } from '../../db/seed/generate.js';

const arg = process.argv.indexOf('--orders');
const orders = arg > 0 ? Number(process.argv[arg + 1]) : 100_000;
const root = join(dataRoot, 'bench-recovery');
rmSync(root, { recursive: true, force: true });
const archiveDir = join(root, 'wal-archive');
const backupDir = join(root, 'backups');
const db = await startEmbedded({ dir: join(root, 'data'), port: await freePort(), archiveDir });
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

async function walBytes(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS b");
    return Number(r.rows[0].b);
  } finally {
    await c.end();
  }
}
try {
  // a base backup of the empty schema first: the first drill then replays the whole load from the WAL archive
  // (the worst case of a day: every row written since the last base backup)
  await migrate(db.url);
  await baseBackup(db.url, backupDir, new Date(Date.now() - 60_000));
  console.log(`generating ${orders.toLocaleString('en')} orders…`);
  const walBefore = await walBytes(db.url);
  const g = await generate(db.url, { orders, notifyDays: 60, log: () => {} });
  const wal = (await walBytes(db.url)) - walBefore;
  const replay = await pitrDrill({ ownerUrl: db.url, backupDir, archiveDir });
  console.log(
    `PITR drill replaying the whole load (${mb(wal)} of WAL) onto the empty base backup: ` +
      `${replay.ok ? 'OK' : 'FAILED'}, restore + replay ${replay.restoreSeconds.toFixed(1)} s`,
  );
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const size = Number((await c.query('SELECT pg_database_size(current_database()) AS s')).rows[0].s);
  await c.end();
  console.log(`loaded ${g.totalRows.toLocaleString('en')} rows; database ${mb(size)}`);
  const base = await baseBackup(db.url, backupDir);
  console.log(`base backup (pg_basebackup -Ft -z): ${base.seconds.toFixed(1)} s, ${mb(base.bytes)}`);
  const drill = await pitrDrill({ ownerUrl: db.url, backupDir, archiveDir });
  console.log(
    `PITR drill from that base backup: ${drill.ok ? 'OK' : 'FAILED'}, restore + replay ${drill.restoreSeconds.toFixed(1)} s ` +
      `(RPO at the start ${drill.rpoSeconds?.toFixed(0) ?? '?'} s)`,
  );
  const dump = await backupDatabase(db.url, backupDir);
  console.log(`pg_dump -Fc: ${dump.seconds.toFixed(1)} s, ${mb(dump.bytes)}`);
  const restore = await restoreDrill(db.url, dump.file);
  console.log(
    `restore drill (pg_restore + counts): ${restore.ok ? 'OK' : 'MISMATCH'}, ${restore.seconds.toFixed(1)} s`,
  );
} finally {
  await db.stop();
  rmSync(root, { recursive: true, force: true });
}
