// A streaming replica for report reads (REPORTS_DATABASE_URL), on a primary of this test's own: row-level security
// holds there, FR-07 / FR-08 / export reads go to it, and a replica behind the primary sends them to the primary.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRolePassword, migrate } from '../../db/migrate.js';
import { dataRoot } from '../../db/pg/data-dir.js';
import { type RunningDatabase, startEmbedded, withUser } from '../../db/pg/embedded.js';
import { freePort } from '../../db/pg/postgres-process.js';
import { type RunningReplica, startReplica } from '../../db/pg/replica.js';
import { createLogger } from '../../server/logger.js';
import { type RunningServer, startServer } from '../../server/start.js';
import { createOrder, createWorld, DEFAULT_PASSWORD, seoulToday, uniq, type World } from '../support/fixtures.js';

const root = join(dataRoot, `replica-test-${process.pid}`);
let primary: RunningDatabase;
let owner: pg.Pool;
let replica: RunningReplica;
let server: RunningServer;
let a: World;
let b: World;
let managerSession: string;

async function replicaCaughtUp(): Promise<void> {
  const lsn = (await owner.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
  const c = new pg.Client({ connectionString: replica.url });
  await c.connect();
  try {
    for (let i = 0; ; i++) {
      const r = await c.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
      if (r.rows[0].ok) return;
      if (i > 500) throw new Error('the replica does not catch up');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await c.end();
  }
}

async function onReplica<T>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: replica.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  primary = await startEmbedded({ dir: join(root, 'primary'), port: await freePort(), archiveDir: false });
  await migrate(primary.url);
  owner = new pg.Pool({ connectionString: primary.url, max: 2 });
  a = await createWorld(owner);
  b = await createWorld(owner);
  for (let i = 0; i < 3; i++) await createOrder(owner, { branchId: a.branch.id });
  for (let i = 0; i < 2; i++) await createOrder(owner, { branchId: b.branch.id });
  // a live session of the manager: the database seals a request context only for one (migrations 0071, 0072)
  const session = await owner.query(
    `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
     VALUES ($1, gen_random_uuid(), md5(random()::text), now() + interval '1 day') RETURNING family_id`,
    [a.manager.id],
  );
  managerSession = session.rows[0].family_id;
  replica = await startReplica(primary.url, join(root, 'replica'), await freePort());
  await replicaCaughtUp();
  server = await startServer({
    ownerUrl: primary.url,
    migrate: false,
    port: 0,
    host: '127.0.0.1',
    poolMax: 4,
    logger: createLogger('silent'),
    config: {
      jwtSecret: randomBytes(32).toString('base64url'),
      cacheKeyPrefix: `test:${randomBytes(6).toString('hex')}:cache`,
      throttle: { keyPrefix: `test:${randomBytes(6).toString('hex')}` },
      storage: { dir: join(root, 'files') },
      jobs: { pollingIntervalSeconds: 1 },
      reports: { databaseUrl: replica.url, maxLagSeconds: 30, maxWaitMs: 300 },
      metricsToken: 'replica-test-metrics',
    },
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await replica?.stop();
  await owner?.end();
  await primary?.stop();
  rmSync(root, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
async function call(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function login(username: string): Promise<string> {
  const res = await call('POST', '/api/auth/login', undefined, { username, password: DEFAULT_PASSWORD });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  return res.body.accessToken;
}

const progressPath = () => `/api/dashboard/progress?from=${seoulToday()}&to=${seoulToday()}`;

describe('read replica', () => {
  it('row-level security holds on the replica: dispatch_app sees nothing without a context, a manager its branch', async () => {
    const app = new pg.Client({ connectionString: withUser(replica.url, 'dispatch_app', appRolePassword()) });
    await app.connect();
    try {
      expect((await app.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
      // a context claimed by hand is no context there either
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.role', 'HQ_ADMIN', true), set_config('app.user_id', $1, true)", [
        a.hq.id,
      ]);
      expect((await app.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
      await app.query('ROLLBACK');
      await app.query('BEGIN');
      await app.query("SELECT app_enter_request($1, 'BRANCH_MANAGER', $2, '', NULL, $3)", [
        a.manager.id,
        a.branch.id,
        managerSession,
      ]);
      const seen = await app.query('SELECT branch_id, count(*)::int AS n FROM orders GROUP BY branch_id');
      expect(seen.rows).toEqual([{ branch_id: a.branch.id, n: 3 }]);
      await expect(app.query("UPDATE orders SET remarks = 'x' WHERE branch_id = $1", [a.branch.id])).rejects.toThrow(
        /read-only/,
      );
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
  });

  it('FR-08 and FR-07 are answered from the replica, in the caller’s scope', async () => {
    const reports = server.runtime.reports;
    const before = { ...reports.counts };
    const mgr = await login(a.manager.username);
    const progress = await call('GET', progressPath(), mgr);
    expect(progress.status).toBe(200);
    expect(progress.body.total).toBe(3);
    const hq = await call('GET', progressPath(), await login(a.hq.username));
    expect(hq.body.total).toBe(5);
    const waste = await call('GET', `/api/waste/summary?from=${seoulToday()}&to=${seoulToday()}`, mgr);
    expect(waste.status).toBe(200);
    expect(reports.counts).toEqual({ replica: before.replica + 3, primary: before.primary });
  });

  it('an export’s rows are read on the replica, in the creator’s scope', async () => {
    const reports = server.runtime.reports;
    const before = reports.counts.replica;
    const mgr = await login(a.manager.username);
    const created = await call('POST', '/api/exports', mgr, { type: 'orders', filters: {} });
    expect(created.status).toBe(202);
    for (let i = 0; ; i++) {
      const e = await call('GET', `/api/exports/${created.body.id}`, mgr);
      if (e.body.status === 'DONE') {
        expect(e.body.rowCount).toBe(3);
        break;
      }
      expect(e.body.status).not.toBe('FAILED');
      if (i > 600) throw new Error('export not done');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(reports.counts.replica).toBe(before + 1);
  });

  it('a replica that has not replayed the latest write sends the read to the primary, which has it', async () => {
    const reports = server.runtime.reports;
    const mgr = await login(a.manager.username);
    const newOrder = () => ({
      orderNo: uniq('RP-', 5).toUpperCase(),
      customerName: '복제고객',
      address: { line1: '1', city: '서울' },
      branchId: a.branch.id,
      appointmentDate: seoulToday(),
      lines: [{ itemCode: 'GEN-1', itemName: '소형 가전', quantity: 1 }],
    });
    await onReplica('SELECT pg_wal_replay_pause()');
    try {
      expect((await call('POST', '/api/orders', mgr, newOrder())).status).toBe(201);
      const before = { ...reports.counts };
      const progress = await call('GET', progressPath(), mgr);
      expect(progress.body.total).toBe(4);
      expect(reports.counts).toEqual({ replica: before.replica, primary: before.primary + 1 });
      // and the replica really is behind: it still counts 3 for the branch
      const onStandby = await onReplica<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE branch_id = '${a.branch.id}'`,
      );
      expect(onStandby[0]!.n).toBe(3);
    } finally {
      await onReplica('SELECT pg_wal_replay_resume()');
    }
    // caught up again: the next write's answer comes from the replica, with that write in it
    expect((await call('POST', '/api/orders', mgr, newOrder())).status).toBe(201);
    const before = { ...reports.counts };
    const progress = await call('GET', progressPath(), mgr);
    expect(progress.body.total).toBe(5);
    expect(reports.counts).toEqual({ replica: before.replica + 1, primary: before.primary });
    // what an operator watches
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer replica-test-metrics' } })
    ).text();
    expect(metrics).toContain(`report_reads{target="replica"} ${reports.counts.replica}`);
    expect(metrics).toContain(`report_reads{target="primary"} ${reports.counts.primary}`);
    expect(metrics).toMatch(/^report_replica_lag_seconds \d/m);
  });
});
