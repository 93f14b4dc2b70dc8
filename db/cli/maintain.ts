// `npm run db:maintain -- <task>…` — the head office's database upkeep, run by cron / a scheduler as the owner:
//   partitions   daily: create monthly partitions 3 months ahead (and audit years)
//   weekly       weekly: ANALYZE, unused indexes, largest tables
//   archive      monthly: order partitions older than 5 years → archive files, then out of the live database
//   audit        monthly: audit logs older than 2 years → archive files, then out of the live database
//   backup       nightly: pg_dump -Fc into BACKUP_DIR with retention (BACKUP_RETENTION_DAYS, default 30)
//   restore-drill  restores the newest backup into a scratch database and compares row counts
//   phones       once after upgrading: customer phones stored before domain/phone.ts in its written form
//   base-backup  nightly: pg_basebackup into BACKUP_DIR/base with retention (BASE_BACKUP_RETENTION_DAYS, default
//                14), then archived WAL older than the oldest kept base backup
//   pitr-drill   weekly: restores the newest base backup + WAL archive to a moment between two writes in a scratch
//                cluster and proves the first write is there and the second not; prints RPO and restore time
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { archiveOldAuditLogs } from '../maintenance/archive-audit.js';
import { archiveOldOrders } from '../maintenance/archive-orders.js';
import { backupDatabase, pruneBackups, restoreDrill } from '../maintenance/backup.js';
import { normalizeStoredPhones } from '../maintenance/normalize-phones.js';
import { defaultPartitionRows, ensurePartitions } from '../maintenance/partitions.js';
import { baseBackup, pitrDrill, pruneBaseBackups } from '../maintenance/pitr.js';
import { weeklyMaintenance } from '../maintenance/weekly-report.js';
import { dataRoot } from '../pg/data-dir.js';
import { startDatabase } from '../pg/embedded.js';

const TASKS = [
  'partitions',
  'weekly',
  'archive',
  'audit',
  'backup',
  'restore-drill',
  'phones',
  'base-backup',
  'pitr-drill',
] as const;
type Task = (typeof TASKS)[number];

const tasks = process.argv.slice(2).filter((a) => a !== '--');
const unknown = tasks.filter((t) => !(TASKS as readonly string[]).includes(t));
if (tasks.length === 0 || unknown.length) {
  console.error(
    `usage: npm run db:maintain -- ${TASKS.join('|')} [...]${unknown.length ? `\nunknown task: ${unknown.join(', ')}` : ''}`,
  );
  process.exit(2);
}
const archiveRoot = process.env.ARCHIVE_DIR ?? join(dataRoot, 'archive');
const backupDir = process.env.BACKUP_DIR ?? join(dataRoot, 'backups');
// the embedded cluster archives into .data/pg-wal-archive unless WAL_ARCHIVE_DIR says where (separate storage)
const walArchiveDir =
  process.env.WAL_ARCHIVE_DIR ?? (process.env.DATABASE_URL ? undefined : join(dataRoot, 'pg-wal-archive'));

const db = await startDatabase();
try {
  for (const task of tasks as Task[]) {
    if (task === 'partitions') {
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        console.log(
          'partitions created',
          await ensurePartitions(pool),
          'rows in DEFAULT partitions',
          await defaultPartitionRows(pool),
        );
      } finally {
        await pool.end();
      }
    } else if (task === 'phones') {
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const r = await normalizeStoredPhones(pool);
        console.log(
          `phone numbers: ${r.forms} stored forms to rewrite, ${r.rewritten} orders rewritten, ` +
            `${r.lockedLeft} left as they are (locked settlement weeks)`,
        );
      } finally {
        await pool.end();
      }
    } else if (task === 'weekly') {
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        console.log(JSON.stringify(await weeklyMaintenance(pool), null, 2));
      } finally {
        await pool.end();
      }
    } else if (task === 'archive') {
      const months = await archiveOldOrders(db.url, archiveRoot, Number(process.env.ORDER_RETENTION_MONTHS ?? 60));
      console.log(
        months.length
          ? months.map((m) => `${m.partition}: ${m.orders} orders → ${m.dir}`).join('\n')
          : 'no order partition past retention',
      );
    } else if (task === 'audit') {
      const r = await archiveOldAuditLogs(db.url, archiveRoot, Number(process.env.AUDIT_RETENTION_MONTHS ?? 24));
      console.log(
        `audit months archived: ${r.months.map((m) => `${m.month} (${m.rows})`).join(', ') || 'none'}; partitions dropped: ${r.droppedPartitions.join(', ') || 'none'}`,
      );
    } else if (task === 'backup') {
      const b = await backupDatabase(db.url, backupDir);
      const removed = pruneBackups(backupDir, Number(process.env.BACKUP_RETENTION_DAYS ?? 30));
      console.log(
        `backup ${b.file} (${(b.bytes / 1e6).toFixed(1)} MB, ${b.seconds.toFixed(1)} s); pruned: ${removed.join(', ') || 'none'}`,
      );
    } else if (task === 'base-backup') {
      const b = await baseBackup(db.url, backupDir);
      const pruned = pruneBaseBackups(backupDir, Number(process.env.BASE_BACKUP_RETENTION_DAYS ?? 14), {
        // the archive is pruned here only when it is a folder we know; another archive keeps its own retention
        archiveDir: process.env.WAL_RESTORE_COMMAND ? undefined : walArchiveDir,
      });
      console.log(
        `base backup ${b.dir} (${(b.bytes / 1e6).toFixed(1)} MB, ${b.seconds.toFixed(1)} s, from WAL ${b.startWal}); ` +
          `pruned: ${pruned.removed.join(', ') || 'none'}, ${pruned.walRemoved} archived WAL files`,
      );
    } else if (task === 'pitr-drill') {
      const r = await pitrDrill({
        ownerUrl: db.url,
        backupDir,
        archiveDir: walArchiveDir,
        restoreCommand: process.env.WAL_RESTORE_COMMAND,
      });
      console.log(
        `PITR drill from ${r.backup} to ${r.target}: ${r.ok ? 'OK' : 'FAILED'} — write before the target ` +
          `${r.firstMarkRestored ? 'restored' : 'MISSING'}, write after it ${r.secondMarkRestored ? 'PRESENT' : 'absent'}; ` +
          `restore + replay ${r.restoreSeconds.toFixed(1)} s; RPO now ${r.rpoSeconds === null ? 'unknown (nothing archived yet)' : `${r.rpoSeconds.toFixed(0)} s`} ` +
          `(archive_timeout ${r.archiveTimeoutSeconds} s)`,
      );
      if (!r.ok) process.exitCode = 1;
    } else if (task === 'restore-drill') {
      const newest = readdirSync(backupDir)
        .filter((f) => f.endsWith('.dump'))
        .sort()
        .pop();
      if (!newest) throw new Error(`no backup in ${backupDir}: run the backup task first`);
      const r = await restoreDrill(db.url, join(backupDir, newest));
      console.log(
        `restore drill of ${newest}: ${r.ok ? 'OK' : 'MISMATCH'} in ${r.seconds.toFixed(1)} s`,
        r.ok ? '' : { expected: r.expected, restored: r.restored },
      );
      if (!r.ok) process.exitCode = 1;
    }
  }
} finally {
  await db.stop();
}
