import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server/start.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createOrder, createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let w: World;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
  w = await createWorld(db.owner);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('request ids and the request log', () => {
  const lines: Record<string, unknown>[] = [];
  let logged: RunningServer;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    logged = await startServer({
      ownerUrl: db.ownerUrl,
      appUrl: db.appUrl,
      migrate: false,
      port: 0,
      host: '127.0.0.1',
      poolMax: 4,
      logger: pino({ level: 'info' }, sink),
      config: {
        jwtSecret: randomBytes(32).toString('base64url'),
        throttle: { keyPrefix: `test:${randomBytes(6).toString('hex')}` },
        opsOpen: true,
      },
    });
  });
  afterAll(async () => {
    await logged?.stop();
  });

  it('echoes the caller’s X-Request-Id, makes one up otherwise, and logs every request as JSON with it', async () => {
    const given = await fetch(`${logged.url}/api/openapi.json`, { headers: { 'x-request-id': 'lb-7f3a.42' } });
    expect(given.headers.get('x-request-id')).toBe('lb-7f3a.42');
    const fresh = await fetch(`${logged.url}/api/openapi.json`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // not an id: spaces, or longer than 128 characters, or a header injection attempt
    for (const junk of ['two words', 'x'.repeat(129), 'a\tb']) {
      const res = await fetch(`${logged.url}/api/openapi.json`, { headers: { 'x-request-id': junk } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'lb-7f3a.42');
    expect(line).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/api/openapi.json' },
      res: { statusCode: 200 },
    });
    expect(typeof line?.responseTime).toBe('number');
  });

  it('never writes an access token from the URL into the log', async () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.not-a-real-token.sig';
    await (await fetch(`${logged.url}/api/notifications/stream?access_token=${secret}&x=1`)).text();
    const line = lines.find((l) =>
      String((l.req as { url?: string } | undefined)?.url).startsWith('/api/notifications/stream'),
    );
    expect(line?.req).toMatchObject({ url: '/api/notifications/stream?access_token=[REDACTED]&x=1' });
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

describe('GET /api/health', () => {
  it('reports the database, Redis and the notification fan-out', async () => {
    const res = await api.request('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      checks: {
        database: { status: 'up' },
        redis: { status: process.env.REDIS_URL ? 'up' : 'disabled' },
        notifications: { status: 'up' },
      },
    });
    expect(typeof res.body.checks.database.latencyMs).toBe('number');
  });

  it('is 503 when the database cannot be reached (the instance still starts and answers)', async () => {
    const down = await startTestServer({ ...db, appUrl: 'postgres://dispatch_app:x@127.0.0.1:1/nowhere' });
    try {
      const res = await down.request('GET', '/api/health');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('down');
      expect(res.body.checks.database).toMatchObject({ status: 'down' });
      expect(res.body.checks.database.error).toContain('ECONNREFUSED');
      expect(res.body.checks.notifications.status).toBe(process.env.REDIS_URL ? 'up' : 'down');
    } finally {
      await down.stop();
    }
  });

  it.runIf(process.env.REDIS_URL)('is degraded (200) when Redis is down but the database is up', async () => {
    const noRedis = await startTestServer(db, { config: { redisUrl: 'redis://127.0.0.1:1' } });
    try {
      const res = await noRedis.request('GET', '/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'degraded',
        checks: { database: { status: 'up' }, redis: { status: 'down' } },
      });
    } finally {
      await noRedis.stop();
    }
  });
});

describe('GET /metrics', () => {
  it('exposes request latency per route template, pool usage and job queue depth in Prometheus format', async () => {
    const order = await createOrder(db.owner, { branchId: w.branch.id });
    const token = await api.login(w.manager.username);
    expect((await api.request('GET', `/api/orders/${order.id}`, { token })).status).toBe(200);
    expect((await api.request('GET', '/api/orders/0190a3c2-0000-7000-8000-000000000000', { token })).status).toBe(404);

    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/orders\/:id",status_code="200"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/orders\/:id",status_code="404"\} 1/,
    );
    expect(text).not.toContain(order.id); // ids never become labels
    expect(text).toMatch(/db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/db_pool_connections\{state="idle"\} \d+/);
    expect(text).toMatch(/db_pool_connections\{state="waiting"\} 0/);
    expect(text).toMatch(/job_queue_depth\{queue="export-build"\} \d+/);
    expect(text).toMatch(/notification_streams \d+/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('counts the jobs waiting in a queue', async () => {
    // an instance that enqueues but runs no workers: what it sends stays queued
    const idle = await startTestServer(db, { config: { jobs: { workers: false }, metricsToken: 'scrape-me' } });
    try {
      await idle.runtime.jobs.send('notification-email', {});
      await idle.runtime.jobs.send('notification-email', {});
      expect((await fetch(`${idle.url}/metrics`)).status).toBe(401);
      const res = await fetch(`${idle.url}/metrics`, { headers: { authorization: 'Bearer scrape-me' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/job_queue_depth\{queue="notification-email"\} 2/);
    } finally {
      await idle.stop();
    }
  });
});
