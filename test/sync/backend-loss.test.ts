// Finding 4 of issue 17: PostgreSQL backends terminated under a running head office (a failover, a restart,
// pg_terminate_backend) cost the requests in flight a 503 and nothing else: the process lives on and the next
// requests are answered. The head office runs in this process, so an uncaught 'error' event of a checked-out
// connection would surface here as an uncaught exception, which the test records and asserts away.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makeOrder } from './support.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await server?.stop();
  await db?.drop();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The pid of the server's backend waiting for a row lock, once there is one. */
function lockedServerBackend(): Promise<number> {
  return waitFor('a server backend waiting for the row lock', async () => {
    const { rows } = await db.owner.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'dispatch-server' AND wait_event_type = 'Lock'`,
    );
    return rows[0]?.pid;
  });
}

/** Holds a row lock on the order from the owner connection until release() is called. */
async function lockOrder(orderId: string) {
  const c = await db.owner.connect();
  await c.query('BEGIN');
  await c.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
  return {
    async release() {
      await c.query('ROLLBACK');
      c.release();
    },
  };
}

describe('backend terminated under the head office', () => {
  it('a busy checked-out connection terminated: that request gets 503, the process lives, the next succeed', async () => {
    const tokens = await server.login(world.manager.username);
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const lock = await lockOrder(o.id);
    const inFlight = server.request('PATCH', `/api/orders/${o.id}`, {
      token: tokens,
      body: { version: 1, remarks: '잠긴 행' },
    });
    const pid = await lockedServerBackend();
    await db.owner.query('SELECT pg_terminate_backend($1)', [pid]);
    const res = await inFlight;
    await lock.release();
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');

    // the next requests are answered, and the edit that got the 503 changed nothing
    const next = await server.request('PATCH', `/api/orders/${o.id}`, {
      token: tokens,
      body: { version: 1, remarks: '다시' },
    });
    expect(next.status).toBe(200);
    expect(next.body.remarks).toBe('다시');
    expect(uncaught).toEqual([]);
  });

  it('every backend of the database terminated (pool, LISTEN, job queue) mid-request: the process lives', async () => {
    const tokens = await server.login(world.manager.username);
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const lock = await lockOrder(o.id);
    const inFlight = server.request('PATCH', `/api/orders/${o.id}`, {
      token: tokens,
      body: { version: 1, remarks: '잠긴 행' },
    });
    await lockedServerBackend();
    const { rows } = await db.owner.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename = 'dispatch_app'`,
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(3); // the request's, the LISTEN connection, pg-boss
    const res = await inFlight;
    await lock.release();
    expect(res.status).toBe(503);

    const read = await server.request('GET', `/api/orders/${o.id}`, { token: tokens });
    expect(read.status).toBe(200);
    const edit = await server.request('PATCH', `/api/orders/${o.id}`, {
      token: tokens,
      body: { version: read.body.version, remarks: '복구 후' },
    });
    expect(edit.status).toBe(200);
    // the LISTEN connection and the job queue come back by themselves
    await waitFor('health ok again', async () => {
      const h = await server.request('GET', '/api/health');
      return h.status === 200 && h.body.status === 'ok' ? true : undefined;
    });
    expect(uncaught).toEqual([]);
  });

  it('every Redis connection of the head office killed (cache, pub/sub): the process lives, requests succeed', async () => {
    // a Redis of its own, so killing its clients touches no other test's connections
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const url = `redis://127.0.0.1:${port}`;
    const admin = new Redis(url, { maxRetriesPerRequest: 20 });
    admin.on('error', () => {}); // refused until redis-server listens
    let withRedis: TestServer | undefined;
    try {
      await waitFor('redis-server up', async () =>
        (await admin.ping().catch(() => '')) === 'PONG' ? true : undefined,
      );
      withRedis = await startTestServer(db, { config: { redisUrl: url } });
      const srv = withRedis;
      const tokens = await srv.login(world.manager.username);
      const o = await makeOrder(db.owner, { branchId: world.branch.id });
      expect((await srv.request('GET', `/api/orders/${o.id}`, { token: tokens })).status).toBe(200);
      for (const type of ['normal', 'pubsub']) await admin.client('KILL', 'TYPE', type, 'SKIPME', 'yes');
      const edit = await srv.request('PATCH', `/api/orders/${o.id}`, {
        token: tokens,
        body: { version: 1, remarks: 'R' },
      });
      expect([200, 503]).toContain(edit.status);
      await waitFor('requests answered again', async () => {
        const r = await srv.request('GET', `/api/orders/${o.id}`, { token: tokens });
        return r.status === 200 ? true : undefined;
      });
      await waitFor('health ok again', async () => {
        const h = await srv.request('GET', '/api/health');
        return h.status === 200 && h.body.status === 'ok' ? true : undefined;
      });
      expect(uncaught).toEqual([]);
    } finally {
      await withRedis?.stop();
      admin.disconnect();
      proc.kill();
    }
  });
});
