// Two head-office instances as separate processes behind nginx (deploy/nginx/dispatch.conf) on one PostgreSQL
// and one Redis, started by scripts/cluster/cluster.ts as `npm run cluster:demo` starts them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Cluster, startCluster } from '../../scripts/cluster/cluster.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createOrder, createWorld, DEFAULT_PASSWORD, seoulToday, uniq, type World } from '../support/fixtures.js';
import { openSse } from '../support/sse.js';
import { clientChecksums, connectClient, differences, serverChecksums, syncUntil } from '../sync/support.js';

let db: TestDatabase;
let w: World;
let cluster: Cluster;
let work: string;
const metricsToken = randomBytes(12).toString('hex');
const metrics = (url: string) =>
  fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } }).then((r) => r.text());

beforeAll(async () => {
  db = await createTestDatabase();
  w = await createWorld(db.owner);
  work = mkdtempSync(join(tmpdir(), 'dispatch-cluster-'));
  const tag = randomBytes(6).toString('hex');
  cluster = await startCluster({
    databaseUrl: db.ownerUrl,
    workDir: work,
    redisUrl: process.env.REDIS_URL,
    env: {
      JWT_SECRET: randomBytes(32).toString('base64url'),
      DISPATCH_APP_PASSWORD: inject('appPassword'),
      CACHE_KEY_PREFIX: `test:${tag}:cache`,
      THROTTLE_KEY_PREFIX: `test:${tag}`,
      LOGIN_MAX_FAILURES_PER_USER: '5',
      JOB_POLLING_INTERVAL_SECONDS: '1',
      PG_POOL_MAX: '4',
      LOG_LEVEL: 'warn',
      METRICS_TOKEN: metricsToken,
    },
  });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
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

async function login(base: string, username: string, password = DEFAULT_PASSWORD): Promise<string> {
  const res = await call(base, 'POST', '/api/auth/login', undefined, { username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

describe('two instances behind nginx', () => {
  it('nginx spreads requests over both instances', async () => {
    // each instance counts the requests it served (GET /metrics, asked of it directly)
    const served = async () => {
      const counts: number[] = [];
      for (const inst of cluster.instances) {
        const text = await metrics(inst.url);
        const me = text
          .split('\n')
          .filter((l) => l.startsWith('http_request_duration_seconds_count') && l.includes('/api/me'));
        counts.push(me.reduce((n, l) => n + Number(l.split(' ').pop()), 0));
      }
      return counts;
    };
    const before = await served();
    const token = await login(cluster.url, w.manager.username);
    for (let i = 0; i < 4; i++) expect((await call(cluster.url, 'GET', '/api/me', token)).status).toBe(200);
    const after = await served();
    expect(after.map((n, i) => n - before[i]!)).toEqual([2, 2]);
  });

  it('a notification made through A reaches an SSE client on B, and one connected through nginx', async () => {
    const [a, b] = cluster.instances as [Cluster['instances'][0], Cluster['instances'][0]];
    const installerToken = await login(b.url, w.installerUser.username);
    const onB = await openSse(`${b.url}/api/notifications/stream`, { authorization: `Bearer ${installerToken}` });
    const viaNginx = await openSse(`${cluster.url}/api/notifications/stream`, {
      authorization: `Bearer ${installerToken}`,
    });
    try {
      expect([onB.status, viaNginx.status]).toEqual([200, 200]);
      await onB.next('ready');
      await viaNginx.next('ready');
      const order = await createOrder(db.owner, { branchId: w.branch.id });
      const assigned = await call(
        a.url,
        'POST',
        `/api/orders/${order.id}/assign`,
        await login(a.url, w.manager.username),
        {
          version: order.version,
          installerId: w.installer.id,
        },
      );
      expect(assigned.status).toBe(200);
      for (const stream of [onB, viaNginx]) {
        const n = await stream.next('notification');
        expect(n.data).toMatchObject({ category: 'ASSIGNMENT', orderId: order.id });
      }
    } finally {
      onB.close();
      viaNginx.close();
    }
  });

  it('a write through A invalidates the answers B cached, at once', async () => {
    const [a, b] = cluster.instances as [Cluster['instances'][0], Cluster['instances'][0]];
    const token = await login(a.url, w.manager.username);
    const path = `/api/dashboard/progress?from=${seoulToday()}&to=${seoulToday()}`;
    const before = await call(b.url, 'GET', path, token);
    expect(before.status).toBe(200);
    expect((await call(b.url, 'GET', path, token)).body).toEqual(before.body); // cached on B
    const created = await call(a.url, 'POST', '/api/orders', token, {
      orderNo: uniq('CL-', 5).toUpperCase(),
      customerName: '두인스턴스',
      address: { line1: '1', city: '서울' },
      branchId: w.branch.id,
      appointmentDate: seoulToday(),
      lines: [{ itemCode: 'GEN-1', itemName: '소형 가전', quantity: 1 }],
    });
    expect(created.status).toBe(201);
    const after = await call(b.url, 'GET', path, token);
    expect(after.body.total).toBe(before.body.total + 1);
  });

  it('the login throttle counts failures made on both instances together', async () => {
    const [a, b] = cluster.instances as [Cluster['instances'][0], Cluster['instances'][0]];
    const statuses: number[] = [];
    for (const base of [a.url, b.url, a.url, b.url, a.url]) {
      statuses.push(
        (
          await call(base, 'POST', '/api/auth/login', undefined, {
            username: w.coordinator.username,
            password: 'wrong',
          })
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // five failures in all, never more than three on one instance: the right password is refused now, on B too
    const blocked = await call(b.url, 'POST', '/api/auth/login', undefined, {
      username: w.coordinator.username,
      password: DEFAULT_PASSWORD,
    });
    expect(blocked.status).toBe(429);
  });

  it('export jobs queued through both instances each run once', async () => {
    const token = await login(cluster.url, w.manager.username);
    const ids: string[] = [];
    for (const inst of [...cluster.instances, ...cluster.instances]) {
      const res = await call(inst.url, 'POST', '/api/exports', token, { type: 'orders', filters: {} });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    for (const id of ids) {
      for (let i = 0; ; i++) {
        const res = await call(cluster.url, 'GET', `/api/exports/${id}`, token);
        if (res.body.status === 'DONE') break;
        expect(res.body.status).not.toBe('FAILED');
        if (i > 600) throw new Error(`export ${id} not done: ${JSON.stringify(res.body)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // each export's progress ended at its row count (one run per export is proved by the job rows below)
    const rows = await db.owner.query('SELECT rows_done, rows_total, row_count FROM exports WHERE id = ANY($1)', [ids]);
    for (const r of rows.rows) expect([r.rows_done, r.rows_total]).toEqual([r.row_count, r.row_count]);
    const jobs = await db.owner.query(
      `SELECT data->>'exportId' AS id, state, retry_count FROM pgboss.job WHERE name = 'export-build' AND data->>'exportId' = ANY($1)`,
      [ids],
    );
    expect(jobs.rows.map((j) => j.id).sort()).toEqual([...ids].sort());
    expect(jobs.rows.every((j) => j.state === 'completed' && j.retry_count === 0)).toBe(true);
  });

  it('a sync client through nginx, its requests taking turns on A and B, pulls everything and pushes each op once', async () => {
    const pushesServed = async () => {
      const out: number[] = [];
      for (const inst of cluster.instances) {
        const text = await metrics(inst.url);
        out.push(
          text
            .split('\n')
            .filter((l) => l.startsWith('http_request_duration_seconds_count') && l.includes('route="/api/sync/push"'))
            .reduce((n, l) => n + Number(l.split(' ').pop()), 0),
        );
      }
      return out;
    };
    const before = await pushesServed();
    const orders: Awaited<ReturnType<typeof createOrder>>[] = [];
    for (let i = 0; i < 4; i++) orders.push(await createOrder(db.owner, { branchId: w.branch.id }));
    const c = await connectClient(cluster.url, w.manager, join(work, 'client.sqlite'));
    try {
      await syncUntil(c, () => orders.every((o) => c.store.getOrder(o.id) !== null), 'the orders');
      // rounds of local edits, each round one push (and a pull) through nginx: round robin takes turns
      for (let round = 1; round <= 4; round++) {
        for (const o of orders) {
          c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: `round ${round}` } });
        }
        await createOrder(db.owner, { branchId: w.branch.id }); // something new to pull each round
        await c.engine.syncNow();
        expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
        // a push and a pull are two requests: one more request shifts round robin, so the next push lands on
        // the other instance
        await fetch(`${cluster.url}/api/health`);
      }
      const after = await pushesServed();
      expect(after.every((n, i) => n > before[i]!)).toBe(true); // both instances took pushes
      // four edits of each order, each applied once
      const now = await db.owner.query('SELECT id, version, remarks FROM orders WHERE id = ANY($1)', [
        orders.map((o) => o.id),
      ]);
      for (const o of orders) {
        expect(now.rows.find((r) => r.id === o.id)).toMatchObject({ version: o.version + 4, remarks: 'round 4' });
      }
      // and the client's copy is exactly what the manager may see on the head office
      await syncUntil(c, () => true, 'a last pull');
      const user = {
        id: w.manager.id,
        role: w.manager.role,
        branchId: w.manager.branchId,
        partnerId: w.manager.partnerId,
      };
      expect(differences(clientChecksums(c.store), await serverChecksums(db, user, c.store))).toEqual({});
    } finally {
      await c.close();
    }
  });

  it('idle pulls through nginx are answered from memory on both instances; a write is delivered, a logout refused on both', async () => {
    const memoryAnswers = async () => {
      const out: number[] = [];
      for (const inst of cluster.instances) {
        const line = (await metrics(inst.url))
          .split('\n')
          .find((l) => l.startsWith('sync_idle_pulls{answer="memory"}'));
        out.push(Number(line?.split(' ').pop() ?? 0));
      }
      return out;
    };
    const res = await call(cluster.url, 'POST', '/api/auth/login', undefined, {
      username: w.manager.username,
      password: DEFAULT_PASSWORD,
    });
    const token: string = res.body.accessToken;
    const refreshToken: string = res.body.refreshToken;
    let cursor: string | undefined;
    const run = async () => {
      const got: { id: string }[] = [];
      for (;;) {
        const q = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
        const page = await call(cluster.url, 'GET', `/api/sync/changes?${q}`, token);
        if (page.status !== 200) return { status: page.status, got };
        got.push(...page.body.changes);
        cursor = page.body.cursor;
        if (!page.body.hasMore) return { status: 200, got };
      }
    };
    await run();
    await run();
    const before = await memoryAnswers();
    for (let i = 0; i < 6; i++) expect((await run()).status).toBe(200);
    const after = await memoryAnswers();
    expect(after.every((n, i) => n > before[i]!)).toBe(true); // both instances answered from memory

    const o = await createOrder(db.owner, { branchId: w.branch.id });
    let seen = false;
    for (let i = 0; i < 50 && !seen; i++) {
      seen = (await run()).got.some((c) => c.id === o.id);
      if (!seen) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe(true);

    expect((await call(cluster.url, 'POST', '/api/auth/logout', undefined, { refreshToken })).status).toBe(204);
    // the next pulls, whichever instance takes them, are refused
    expect((await run()).status).toBe(401);
    expect((await run()).status).toBe(401);
  });

  // last: A stays dead
  it('A killed in the middle of a push: the client resends through nginx, B applies every op once', async () => {
    const a = cluster.instances[0]!;
    const orders = [];
    for (let i = 0; i < 10; i++) orders.push(await createOrder(db.owner, { branchId: w.branch.id }));
    const body = {
      clientId: 'branch-pc-cluster',
      ops: orders.map((o) => ({
        opId: uuidv7(),
        entity: 'orders',
        entityId: o.id,
        kind: 'order.update',
        payload: { remarks: `pushed ${o.orderNo}` },
        expectedVersion: o.version,
      })),
    };
    const token = await login(a.url, w.manager.username);
    // hold one order so that A's push is caught inside its transaction, having written part of it
    const holder = new pg.Client({ connectionString: db.ownerUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orders[orders.length - 1]!.id]);
      const first = call(a.url, 'POST', '/api/sync/push', token, body).then(
        (r) => r.status,
        () => 'connection lost',
      );
      for (let i = 0; ; i++) {
        const waiting = await db.owner.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if (waiting.rows[0].n > 0) break;
        if (i > 300) throw new Error('the push on A never reached the held order');
        await new Promise((r) => setTimeout(r, 50));
      }
      await a.kill();
      expect(await first).toBe('connection lost');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // the client sends the same ops again; nginx finds A down and passes the request to B
    const again = await call(cluster.url, 'POST', '/api/sync/push', token, body);
    expect(again.status).toBe(200);
    expect(again.body.results.map((r: { status: string }) => r.status)).toEqual(orders.map(() => 'SYNCED'));
    const now = await db.owner.query('SELECT id, version, remarks FROM orders WHERE id = ANY($1)', [
      orders.map((o) => o.id),
    ]);
    for (const o of orders) {
      expect(now.rows.find((r) => r.id === o.id)).toMatchObject({
        version: o.version + 1,
        remarks: `pushed ${o.orderNo}`,
      });
    }
    const recorded = await db.owner.query('SELECT op_id FROM offline_sync_queue WHERE op_id = ANY($1::uuid[])', [
      body.ops.map((op) => op.opId),
    ]);
    expect(recorded.rows.length).toBe(10);
    // sent a third time (an answer lost on the way back): the first answers, no second effect
    const third = await call(cluster.url, 'POST', '/api/sync/push', token, body);
    expect(third.body.results.map((r: { status: string }) => r.status)).toEqual(orders.map(() => 'SYNCED'));
    const still = await db.owner.query('SELECT max(version) AS v FROM orders WHERE id = ANY($1)', [
      orders.map((o) => o.id),
    ]);
    expect(still.rows[0].v).toBe(Math.max(...orders.map((o) => o.version)) + 1);
  });
});
