import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { loginThrottleRules } from '../domain/login-throttle.js';
import { persistentSecret } from './pg/data-dir.js';
import { dbServerKey } from './server-key.js';

export const migrationsDir = join(import.meta.dirname, 'migrations');
export const APP_ROLE = 'dispatch_app';
const MIGRATIONS_TABLE = 'pgmigrations';

/**
 * Advisory lock (per database) held while an instance sets the database up: migrations, the application role's
 * password, the job queue's schema. Instances starting together take turns; the later ones find nothing to do.
 */
const SETUP_LOCK = 724_180;

export function appRolePassword(): string {
  return persistentSecret('DISPATCH_APP_PASSWORD', 'dispatch_app_password');
}

/** The database holds migrations this code does not have: it was upgraded by a newer release. */
export class SchemaAheadError extends Error {
  constructor(
    readonly unknown: string[],
    newestKnown: string | undefined,
  ) {
    super(
      `the database has migrations this server does not know (${unknown.join(', ')}): it was migrated by a newer ` +
        `release. This release knows up to ${newestKnown ?? 'nothing'}. Start the newer release instead, or restore ` +
        'a backup taken before that upgrade.',
    );
    this.name = 'SchemaAheadError';
  }
}

/** The database lacks migrations this code needs, and this start was told not to apply them. */
export class SchemaBehindError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `the database lacks ${pending.length} migration(s) this server needs (${pending[0]}${pending.length > 1 ? ' …' : ''}): ` +
        'run `npm run db:migrate` first (or start with DB_MIGRATE_ON_START=true).',
    );
    this.name = 'SchemaBehindError';
  }
}

export interface SchemaStatus {
  /** applied migrations unknown to this code (a newer release ran them) */
  unknown: string[];
  /** known migrations not applied yet */
  pending: string[];
}

export function knownMigrations(): string[] {
  return readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
}

export async function schemaStatus(client: pg.ClientBase): Promise<SchemaStatus> {
  const known = knownMigrations();
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [MIGRATIONS_TABLE]);
  const applied = exists.rows[0]?.t
    ? (await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)).rows.map((r) => r.name)
    : [];
  const appliedSet = new Set(applied);
  const knownSet = new Set(known);
  return {
    unknown: applied.filter((n) => !knownSet.has(n)).sort(),
    pending: known.filter((n) => !appliedSet.has(n)),
  };
}

/** Runs fn while holding the database's set-up lock (waits for another instance's set-up to finish). */
export async function withSetupLock<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'dispatch-setup' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK]);
    return await fn(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [SETUP_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Refuses a database that is ahead of this code, or (unless pending is allowed) behind it. */
export async function checkSchema(url: string, opts: { allowPending?: boolean } = {}): Promise<SchemaStatus> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const status = await schemaStatus(client);
    if (status.unknown.length) throw new SchemaAheadError(status.unknown, knownMigrations().at(-1));
    if (status.pending.length && !opts.allowPending) throw new SchemaBehindError(status.pending);
    return status;
  } finally {
    await client.end();
  }
}

/**
 * Applies every pending migration in db/migrations (plain SQL, one transaction each) as the owner at `url`,
 * then gives the application role its password. Running it again changes nothing; several processes running it
 * at once take turns. A database migrated by a newer release is refused (SchemaAheadError) and left as it is.
 */
/**
 * `outOfOrder`: apply pending migrations that sort before applied ones (node-pg-migrate's checkOrder off). Only for
 * a kept benchmark data set that ran one branch's migrations before another's merged: its hour-long load is not
 * thrown away for an order the migrations do not depend on. Never for the product's own databases.
 */
export async function migrate(url: string, opts: { log?: boolean; outOfOrder?: boolean } = {}): Promise<string[]> {
  return withSetupLock(url, async (client) => {
    const status = await schemaStatus(client);
    if (status.unknown.length) throw new SchemaAheadError(status.unknown, knownMigrations().at(-1));
    const applied = status.pending.length
      ? await runner({
          databaseUrl: url,
          dir: migrationsDir,
          direction: 'up',
          migrationsTable: MIGRATIONS_TABLE,
          singleTransaction: false,
          checkOrder: !opts.outOfOrder,
          verbose: false,
          log: opts.log ? (m: string) => console.log(m) : () => {},
        })
      : [];
    await setAppRolePassword(client);
    await storeServerSettings(client);
    return applied.map((m) => m.name);
  });
}

/**
 * What the database keeps of the server's configuration, out of dispatch_app's reach (app_private): the digest of
 * the server's key (migration 0074) and the login throttle's rules (0075, domain/login-throttle.ts with the
 * LOGIN_MAX_FAILURES_* overrides of this environment). Written only when they differ, as the role's password.
 */
export async function storeServerSettings(owner: pg.ClientBase, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const rules = loginThrottleRules(env);
  await owner.query(
    `INSERT INTO app_private.server_key(digest) VALUES (sha256(convert_to($1, 'UTF8')))
     ON CONFLICT (id) DO UPDATE SET digest = excluded.digest WHERE server_key.digest <> excluded.digest`,
    [dbServerKey()],
  );
  await owner.query(
    `INSERT INTO app_private.login_throttle_rules(bucket, max_failures, window_seconds)
     VALUES ('pair', $1, $2), ('username', $3, $4), ('address', $5, $6)
     ON CONFLICT (bucket) DO UPDATE SET max_failures = excluded.max_failures, window_seconds = excluded.window_seconds
      WHERE (login_throttle_rules.max_failures, login_throttle_rules.window_seconds)
            IS DISTINCT FROM (excluded.max_failures, excluded.window_seconds)`,
    [
      rules.perUserAddress.points,
      rules.perUserAddress.durationSeconds,
      rules.perUsername.points,
      rules.perUsername.durationSeconds,
      rules.perIp.points,
      rules.perIp.durationSeconds,
    ],
  );
}

/**
 * The role is cluster-wide and created by migration 001; its password never lives in a migration file. It is
 * set only when the stored verifier does not match: every start would otherwise update the same pg_authid row,
 * and two databases of one cluster being set up at once would fail with "tuple concurrently updated".
 */
async function setAppRolePassword(owner: pg.ClientBase): Promise<void> {
  const password = appRolePassword();
  const stored = await owner
    .query<{ p: string | null }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [APP_ROLE])
    .then(
      (r) => r.rows[0]?.p ?? null,
      // pg_authid is readable by superusers only (a managed server's owner is not one): just set it
      () => null,
    );
  if (stored && verifierMatches(stored, password)) return;
  await owner.query(`ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
}

/** Whether a pg_authid verifier (SCRAM-SHA-256 or md5) is that of `password` (RFC 5802 StoredKey). */
function verifierMatches(stored: string, password: string): boolean {
  const scram = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(stored);
  if (scram) {
    const salted = pbkdf2Sync(password, Buffer.from(scram[2]!, 'base64'), Number(scram[1]), 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    return createHash('sha256').update(clientKey).digest('base64') === scram[3];
  }
  return (
    stored ===
    `md5${createHash('md5')
      .update(password + APP_ROLE)
      .digest('hex')}`
  );
}
