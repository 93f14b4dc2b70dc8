// DATABASE_URL=… tsx scripts/bench/fr03-pg-parts.ts <bench database> [iterations]
//
// Where PostgreSQL's CPU of one FR-03 request goes: each part of the request's transaction run N times by itself
// on one dispatch_app connection (as the server's pool connects: force_generic_plan), the backend's CPU read from
// /proc before and after (so this script's own CPU is not counted). Parts: the opening (BEGIN, the context with
// its session check, COMMIT), the branch lookup, the list statement (a branch manager's assignment list of one
// status, newest first: the bench's FR-03) and the cache scopes' read. Prints ms of backend CPU per
// iteration and the load average. Asserts nothing.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { appRolePassword } from '../../db/migrate.js';
import { withDatabase, withUser } from '../../db/pg/embedded.js';
import type { Tx } from '../../server/db/transaction.js';
import * as repo from '../../server/orders/orders.repository.js';

const dbName = process.argv[2];
if (!dbName || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=… tsx scripts/bench/fr03-pg-parts.ts <bench database> [iterations]');
  process.exit(2);
}
const N = Number(process.argv[3] ?? 1000);
const ownerUrl = withDatabase(process.env.DATABASE_URL, dbName);
const owner = new pg.Client({ connectionString: ownerUrl });
await owner.connect();
const m = (
  await owner.query<{ id: string; branch_id: string }>(
    `SELECT u.id, u.branch_id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role_code = 'BRANCH_MANAGER'
      WHERE u.is_active ORDER BY u.username LIMIT 1`,
  )
).rows[0]!;
// a live session of that user (the bench's login makes one; else one is made here)
let session = (
  await owner.query<{ f: string }>(
    'SELECT family_id AS f FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() LIMIT 1',
    [m.id],
  )
).rows[0]?.f;
if (!session) {
  session = (
    await owner.query<{ f: string }>(
      `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
       VALUES ($1, gen_random_uuid(), md5(random()::text), now() + interval '1 day') RETURNING family_id AS f`,
      [m.id],
    )
  ).rows[0]!.f;
}
const app = new pg.Client({
  connectionString: withUser(ownerUrl, 'dispatch_app', appRolePassword()),
  options: '-c plan_cache_mode=force_generic_plan',
});
await app.connect();
const pid = (await app.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]!.p;
const cpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const enter = () =>
  app.query('SELECT app_enter_request($1, $2, $3, $4, $5::bigint, $6::uuid)', [
    m.id,
    'BRANCH_MANAGER',
    m.branch_id,
    '',
    String(Math.floor(Date.now() / 1000)),
    session,
  ]);
const list = () =>
  repo.listOrders(app as unknown as Tx, {
    branchId: m.branch_id,
    statuses: ['미배정'],
    dateField: 'created',
    sort: 'createdAt',
    descending: true,
    limit: 51,
  });

const parts: [string, () => Promise<unknown>][] = [
  ['BEGIN + COMMIT', async () => {}],
  ['BEGIN + enter + COMMIT', enter],
  [
    '… + branch lookup',
    async () => {
      await enter();
      await app.query('SELECT id, code, name, timezone FROM branches WHERE id = $1', [m.branch_id]);
    },
  ],
  [
    '… + list (50 rows)',
    async () => {
      await enter();
      await list();
    },
  ],
  [
    '… + cache_touched',
    async () => {
      await enter();
      await list();
      await app.query("SELECT current_setting('app.cache_touched', true) AS t");
    },
  ],
];
console.log(
  `${N} iterations per part on ${dbName} (load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')})`,
);
for (let round = 0; round < 2; round++) {
  for (const [name, fn] of parts) {
    for (let i = 0; i < 20; i++) {
      await app.query('BEGIN');
      await fn();
      await app.query('COMMIT');
    }
    const c0 = cpu();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      await app.query('BEGIN');
      await fn();
      await app.query('COMMIT');
    }
    const ms = (cpu() - c0) / N;
    console.log(
      `  ${name.padEnd(26)} ${ms.toFixed(3)} ms backend CPU, ${((performance.now() - t0) / N).toFixed(3)} ms wall`,
    );
  }
}
console.log(
  `load average after ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
await app.end();
await owner.end();
