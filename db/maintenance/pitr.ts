// Point-in-time recovery: base backups (pg_basebackup) plus the WAL archive, and a drill that proves they restore
// to a chosen moment. The drill writes two marks into the live database around its recovery target, restores the
// newest base backup into a scratch cluster, replays the archive up to the target, and looks for the marks: the
// first must be there, the second must not. It measures the restore time and the RPO at the moment it ran.
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, handToCluster, startPostgres } from '../pg/postgres-process.js';
import { runPgTool } from './pg-tools.js';

const run = promisify(execFile);

export interface BaseBackup {
  name: string;
  dir: string;
  createdAt: string;
  /** the first WAL segment the backup needs: older archived segments serve no kept backup */
  startWal: string;
  bytes: number;
  seconds: number;
}

const BACKUP_RE = /^base-\d{8}-\d{6}$/;
const SEGMENT_RE = /^[0-9A-F]{24}/;

function stampOf(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** pg_basebackup of the whole cluster into BACKUP_DIR/base/base-<stamp> (compressed tar, with its own WAL). */
export async function baseBackup(ownerUrl: string, backupDir: string, now = new Date()): Promise<BaseBackup> {
  const root = join(backupDir, 'base');
  mkdirSync(root, { recursive: true });
  const name = `base-${stampOf(now)}`;
  const dir = join(root, name);
  const started = performance.now();
  // -X stream: the WAL written during the copy travels with it, so the backup alone is consistent; the archive
  // carries everything after it. -c fast: start at once rather than at the next scheduled checkpoint.
  await runPgTool('pg_basebackup', ['-d', ownerUrl, '-D', dir, '-Ft', '-z', '-X', 'stream', '-c', 'fast']);
  const label = (await run('tar', ['-xzOf', join(dir, 'base.tar.gz'), 'backup_label'])).stdout;
  const startWal = /START WAL LOCATION: .*\(file ([0-9A-F]{24})\)/.exec(label)?.[1];
  if (!startWal) throw new Error(`no start WAL location in the backup label of ${dir}`);
  const backup: BaseBackup = {
    name,
    dir,
    createdAt: now.toISOString(),
    startWal,
    bytes: folderBytes(dir),
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(join(dir, 'backup.json'), `${JSON.stringify(backup, null, 2)}\n`);
  return backup;
}

/** The base backups in BACKUP_DIR/base, oldest first (only complete ones: those with their backup.json). */
export function listBaseBackups(backupDir: string): BaseBackup[] {
  const root = join(backupDir, 'base');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => BACKUP_RE.test(f) && existsSync(join(root, f, 'backup.json')))
    .sort()
    .map((f) => ({ ...JSON.parse(readFileSync(join(root, f, 'backup.json'), 'utf8')), dir: join(root, f) }));
}

export interface BasePrune {
  removed: string[];
  /** archived WAL files removed: older than the oldest kept base backup */
  walRemoved: number;
}

/**
 * Removes base backups older than `retentionDays` (always keeping the newest `keepAtLeast`), then the archived
 * WAL no kept backup needs (segments before the oldest kept backup's start; timeline history files stay).
 */
export function pruneBaseBackups(
  backupDir: string,
  retentionDays: number,
  opts: { keepAtLeast?: number; archiveDir?: string; now?: number } = {},
): BasePrune {
  const keepAtLeast = opts.keepAtLeast ?? 1;
  const now = opts.now ?? Date.now();
  const all = listBaseBackups(backupDir);
  const removed: string[] = [];
  all.forEach((b, i) => {
    const newestIndex = all.length - 1 - i;
    if (newestIndex >= keepAtLeast && now - Date.parse(b.createdAt) > retentionDays * 86_400_000) {
      rmSync(b.dir, { recursive: true, force: true });
      removed.push(b.name);
    }
  });
  let walRemoved = 0;
  const oldestKept = all.find((b) => !removed.includes(b.name));
  if (opts.archiveDir && oldestKept && existsSync(opts.archiveDir)) {
    // as pg_archivecleanup does: compare the segment part of the name, not the timeline
    const limit = oldestKept.startWal.slice(8);
    for (const f of readdirSync(opts.archiveDir)) {
      if (SEGMENT_RE.test(f) && !f.endsWith('.history') && f.slice(8, 24) < limit) {
        unlinkSync(join(opts.archiveDir, f));
        walRemoved++;
      }
    }
  }
  return { removed, walRemoved };
}

export interface PitrDrillResult {
  backup: string;
  /** the recovery target: after the first mark's commit, before the second's */
  target: string;
  firstMarkRestored: boolean;
  secondMarkRestored: boolean;
  ok: boolean;
  /** extract + replay + start of the scratch cluster */
  restoreSeconds: number;
  /** age of the newest archived WAL when the drill started (what a disaster at that moment would have lost at most) */
  rpoSeconds: number | null;
  archiveTimeoutSeconds: number;
}

export interface PitrDrillOptions {
  ownerUrl: string;
  backupDir: string;
  /** the WAL archive folder (restore_command copies from it) */
  archiveDir?: string;
  /** restore_command for another archive (e.g. S3): %f and %p as PostgreSQL expands them */
  restoreCommand?: string;
  /** how long to wait for the drill's WAL to reach the archive (default 120 s) */
  archiveWaitSeconds?: number;
  /** keep the scratch cluster's folder (for inspection) */
  keep?: boolean;
}

async function waitForArchived(owner: pg.Client, segment: string, waitSeconds: number): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const { rows } = await owner.query<{ last: string | null; failed: string | null; failedAt: Date | null }>(
      'SELECT last_archived_wal AS last, last_failed_wal AS failed, last_failed_time AS "failedAt" FROM pg_stat_archiver',
    );
    const last = rows[0]?.last;
    if (last && SEGMENT_RE.test(last) && last.slice(8, 24) >= segment.slice(8, 24)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `WAL segment ${segment} did not reach the archive within ${waitSeconds} s (last archived: ${last ?? 'none'}, ` +
          `last failed: ${rows[0]?.failed ?? 'none'}); check archive_mode and archive_command`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function pitrDrill(opts: PitrDrillOptions): Promise<PitrDrillResult> {
  const backup = listBaseBackups(opts.backupDir).pop();
  if (!backup) throw new Error(`no base backup in ${join(opts.backupDir, 'base')}: run the base-backup task first`);
  const restoreCommand = opts.restoreCommand ?? (opts.archiveDir ? `cp "${opts.archiveDir}/%f" "%p"` : undefined);
  if (!restoreCommand) throw new Error('the drill needs the WAL archive: WAL_ARCHIVE_DIR or WAL_RESTORE_COMMAND');

  const owner = new pg.Client({ connectionString: opts.ownerUrl });
  await owner.connect();
  let target: string;
  let rpoSeconds: number | null;
  let archiveTimeoutSeconds: number;
  const stamp = stampOf(new Date());
  const marks = [`drill-${stamp}-before-target`, `drill-${stamp}-after-target`];
  try {
    const arch = await owner.query<{ age: number | null; mode: string; timeout: string }>(
      `SELECT extract(epoch FROM now() - last_archived_time)::float8 AS age,
              current_setting('archive_mode') AS mode, current_setting('archive_timeout') AS timeout
         FROM pg_stat_archiver`,
    );
    if (arch.rows[0]!.mode === 'off') throw new Error('archive_mode is off: the cluster archives no WAL');
    rpoSeconds = arch.rows[0]!.age;
    archiveTimeoutSeconds = intervalSeconds(arch.rows[0]!.timeout);
    await owner.query('INSERT INTO pitr_drill_marks(label) VALUES ($1)', [marks[0]]);
    // each statement commits on its own: the target lies strictly between the two commits
    target = (await owner.query<{ t: string }>('SELECT clock_timestamp()::text AS t')).rows[0]!.t;
    await owner.query('SELECT pg_sleep(0.01)');
    await owner.query('INSERT INTO pitr_drill_marks(label) VALUES ($1)', [marks[1]]);
    const seg = await owner.query<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
    await owner.query('SELECT pg_switch_wal()');
    await waitForArchived(owner, seg.rows[0]!.f, opts.archiveWaitSeconds ?? 120);
  } finally {
    await owner.end();
  }

  const scratch = mkdtempSync(join(tmpdir(), 'dispatch-pitr-'));
  const data = join(scratch, 'data');
  const started = performance.now();
  let server: Awaited<ReturnType<typeof startPostgres>> | undefined;
  try {
    mkdirSync(join(data, 'pg_wal'), { recursive: true });
    await run('tar', ['-xzf', join(backup.dir, 'base.tar.gz'), '-C', data]);
    await run('tar', ['-xzf', join(backup.dir, 'pg_wal.tar.gz'), '-C', join(data, 'pg_wal')]);
    appendFileSync(
      join(data, 'postgresql.auto.conf'),
      [
        `restore_command = '${restoreCommand.replace(/'/g, "''")}'`,
        `recovery_target_time = '${target}'`,
        "recovery_target_action = 'promote'",
        '',
      ].join('\n'),
    );
    writeFileSync(join(data, 'recovery.signal'), '');
    handToCluster(scratch);
    const port = await freePort();
    server = await startPostgres(data, port, [
      '-c',
      'archive_mode=off', // the copy must never write into the live cluster's archive
      '-c',
      'hot_standby=off', // no queries before the target is reached (and no check of the primary's settings)
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ]);
    const restoreSeconds = (performance.now() - started) / 1000;
    const u = new URL(opts.ownerUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    const copy = new pg.Client({ connectionString: u.toString() });
    await copy.connect();
    let found: string[];
    try {
      found = (
        await copy.query<{ label: string }>('SELECT label FROM pitr_drill_marks WHERE label = ANY($1)', [marks])
      ).rows.map((r) => r.label);
    } finally {
      await copy.end();
    }
    const firstMarkRestored = found.includes(marks[0]!);
    const secondMarkRestored = found.includes(marks[1]!);
    return {
      backup: backup.name,
      target,
      firstMarkRestored,
      secondMarkRestored,
      ok: firstMarkRestored && !secondMarkRestored,
      restoreSeconds,
      rpoSeconds,
      archiveTimeoutSeconds,
    };
  } finally {
    await server?.stop();
    if (!opts.keep) rmSync(scratch, { recursive: true, force: true });
  }
}

function intervalSeconds(setting: string): number {
  const m = /^(\d+)\s*(ms|s|min|h)?$/.exec(setting.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'min' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
}
