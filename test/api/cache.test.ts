// The cache (server/cache, docs/cache.md): both implementations, the commit → bump ordering against a real
// PostgreSQL, freshness of every cached endpoint after writes, a read/write race, and two app instances on one
// PostgreSQL and one Redis.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache, CacheQuery } from '../../server/cache/index.js';
import { MemoryCache } from '../../server/cache/memory-cache.js';
import { RedisCache } from '../../server/cache/redis-cache.js';
import { orderDataScopes } from '../../server/cache/scopes.js';
import { setCommitListener, withRequestTransaction } from '../../server/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, createOrder, createWorld, seoulToday, uniq, type World } from '../support/fixtures.js';
import { stopTestRedis, testRedisUrl } from '../support/redis.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { enterAs, openSession } from '../support/session.js';

const redisUrl = await testRedisUrl();
const clients: Redis[] = [];
function redisClient(url = redisUrl!): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await createTestDatabase();
  world = await createWorld(db.owner);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await db?.drop();
  stopTestRedis();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Backend = 'memory' | 'redis';
const BACKENDS: Backend[] = redisUrl ? ['memory', 'redis'] : ['memory'];

function makeCache(backend: Backend, prefix = uniq('t:cache:', 6)): Cache {
  return backend === 'memory'
    ? new MemoryCache({ keyPrefix: prefix })
    : new RedisCache(redisClient(), { keyPrefix: prefix });
}

function query<T>(load: () => Promise<T>, over: Partial<CacheQuery<T>> = {}): CacheQuery<T> {
  return { namespace: 'test', key: ['k'], scopes: ['s1'], ttlSeconds: 60, load, ...over };
}

describe.each(BACKENDS)('%s cache', (backend) => {
  it('loads once, answers from the cache, and loads again after a scope it names is invalidated', async () => {
    const cache = makeCache(backend);
    let n = 0;
    const q = query(async () => ({ n: ++n, at: new Date(0) }), { scopes: ['s1', 's2'] });
    expect(await cache.get(q)).toEqual({ n: 1, at: new Date(0).toISOString() });
    expect(await cache.get(q)).toEqual({ n: 1, at: new Date(0).toISOString() });
    await cache.invalidate(['other']);
    expect((await cache.get(q)).n).toBe(1);
    await cache.invalidate(['s2']);
    expect((await cache.get(q)).n).toBe(2);
    await cache.invalidate(['*']);
    expect((await cache.get(q)).n).toBe(3);
    expect(cache.stats()).toMatchObject({ hits: 2, loads: 3 });
  });

  it('single-flight: 25 concurrent misses of one key run the loader once', async () => {
    const cache = makeCache(backend);
    let loads = 0;
    const q = query(async () => {
      loads++;
      await sleep(50);
      return 'v';
    });
    const answers = await Promise.all(Array.from({ length: 25 }, () => cache.get(q)));
    expect(answers).toEqual(Array(25).fill('v'));
    expect(loads).toBe(1);
  });

  it('different keys and namespaces do not share answers', async () => {
    const cache = makeCache(backend);
    expect(await cache.get(query(async () => 'a', { key: ['HQ', 1] }))).toBe('a');
    expect(await cache.get(query(async () => 'b', { key: ['BM:x', 1] }))).toBe('b');
    expect(await cache.get(query(async () => 'c', { key: ['HQ', 1], namespace: 'other' }))).toBe('c');
    expect(await cache.get(query(async () => 'z', { key: ['HQ', 1] }))).toBe('a');
  });

  it('a loader error reaches the caller and is not cached', async () => {
    const cache = makeCache(backend);
    await expect(cache.get(query(async () => Promise.reject(new Error('db down'))))).rejects.toThrow('db down');
    expect(await cache.get(query(async () => 'ok'))).toBe('ok');
  });
});

describe('memory cache', () => {
  it('a forgotten generation never falls back to a number old answers were stored under', async () => {
    const cache = new MemoryCache({ keyPrefix: 'mem', maxScopes: 2 });
    let n = 0;
    const q = query(async () => ++n, { scopes: ['s1'] });
    expect(await cache.get(q)).toBe(1);
    // s1 is bumped, then pushed out of the generations map by two other scopes
    await cache.invalidate(['s1']);
    expect(await cache.get(q)).toBe(2);
    await cache.invalidate(['x1', 'x2']);
    expect(await cache.get(q)).toBe(3);
  });
});

describe.skipIf(!redisUrl)('redis cache across instances', () => {
  it('two instances share answers and invalidations; concurrent misses on both load once (fill lock)', async () => {
    const prefix = uniq('t:shared:', 6);
    // a waiter's bound (fillWaitMs, 2 s by default) is not what this test is about: on a machine busy enough to
    // stall a process that long, the waiter would rightly load on its own
    const a = new RedisCache(redisClient(), { keyPrefix: prefix, fillWaitMs: 15_000 });
    const b = new RedisCache(redisClient(), { keyPrefix: prefix, fillWaitMs: 15_000 });
    let loads = 0;
    const q = (v: string) =>
      query(async () => {
        loads++;
        // long enough that the other instance asks while this load runs, even on a loaded machine
        await sleep(400);
        return v;
      });
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => a.get(q('first'))),
      ...Array.from({ length: 10 }, () => b.get(q('first'))),
    ]);
    expect(new Set(answers)).toEqual(new Set(['first']));
    expect(loads).toBe(1);
    expect(a.stats().waits + b.stats().waits).toBe(1);
    await a.invalidate(['s1']);
    expect(await b.get(q('second'))).toBe('second');
    expect(await a.get(q('third'))).toBe('second');
  });

  it('without Redis the answer still comes from the database', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const cache = new RedisCache(dead, { keyPrefix: 'dead' });
    expect(await cache.get(query(async () => 'from db'))).toBe('from db');
    expect(cache.stats().errors).toBeGreaterThan(0);
    await cache.invalidate(['s1']); // logged, not thrown: the write it follows is committed
    dead.disconnect();
  });
});

// ---- ordering against PostgreSQL: bump after COMMIT ----

describe.each(BACKENDS)('%s cache and committed writes', (backend) => {
  let pool: pg.Pool;
  let cache: Cache;
  let sessionId: string;
  const ctx = () => ({ userId: world.hq.id, role: 'HQ_ADMIN' as const, branchId: null, partnerId: null, sessionId });

  beforeAll(async () => {
    sessionId = await openSession(db.owner, world.hq.id);
    pool = new pg.Pool({ connectionString: db.appUrl, max: 12 });
    cache = makeCache(backend);
    setCommitListener(pool, (touched) => cache.invalidate(touched));
  });
  afterAll(async () => {
    await pool.end();
  });

  const countQuery = (load?: () => Promise<number>): CacheQuery<number> => ({
    namespace: 'count',
    key: [world.branch.id],
    scopes: orderDataScopes(world.branch.id),
    ttlSeconds: 300,
    load:
      load ??
      (() =>
        withRequestTransaction(pool, ctx(), async (tx) => {
          const r = await tx.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM orders WHERE branch_id = $1 AND deleted_at IS NULL',
            [world.branch.id],
          );
          return r.rows[0]!.n;
        })),
  });
  const dbCount = async () =>
    (
      await db.owner.query('SELECT count(*)::int AS n FROM orders WHERE branch_id = $1 AND deleted_at IS NULL', [
        world.branch.id,
      ])
    ).rows[0].n as number;
  const writeOrder = () =>
    withRequestTransaction(pool, ctx(), (tx) =>
      tx.query(`INSERT INTO orders(order_no, customer_name, branch_id) VALUES ($1, '캐시', $2)`, [
        uniq('C-', 5).toUpperCase(),
        world.branch.id,
      ]),
    );

  it('a load that read before the commit is stored under the old generation: the next read sees the write', async () => {
    const before = await cache.get(countQuery());
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let loaded!: () => void;
    const loadedBefore = new Promise<void>((r) => {
      loaded = r;
    });
    // a fresh generation, so the next read is a miss …
    await cache.invalidate(orderDataScopes(world.branch.id));
    // … by a reader whose query runs before the write and whose store comes after the write's commit and bump
    const overlapping = cache.get(
      countQuery(async () => {
        const v = await dbCount();
        loaded();
        await gate;
        return v;
      }),
    );
    await loadedBefore;
    await writeOrder();
    release();
    expect(await overlapping).toBe(before); // it overlapped the write: the old count is a fair answer for it
    expect(await cache.get(countQuery())).toBe(before + 1);
    expect(await dbCount()).toBe(before + 1);
  });

  it('(why the order matters) a bump BEFORE the commit would let a reader cache pre-commit data for good', async () => {
    const before = await cache.get(countQuery());
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await enterAs(client, db.owner, { id: world.hq.id, role: 'HQ_ADMIN' });
      await client.query(`INSERT INTO orders(order_no, customer_name, branch_id) VALUES ($1, '캐시', $2)`, [
        uniq('W-', 5).toUpperCase(),
        world.branch.id,
      ]);
      await cache.invalidate(orderDataScopes(world.branch.id)); // too early
      expect(await cache.get(countQuery())).toBe(before); // a reader loads pre-commit data under the new generation
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await dbCount()).toBe(before + 1);
    expect(await cache.get(countQuery())).toBe(before); // stale: this is what bumping after COMMIT prevents
    await cache.invalidate(orderDataScopes(world.branch.id));
    expect(await cache.get(countQuery())).toBe(before + 1);
  });

  it('race: readers running all along never see an old count once the write that changed it has returned', async () => {
    let stop = false;
    const readers = Array.from({ length: 4 }, async () => {
      let reads = 0;
      while (!stop) {
        await cache.get(countQuery());
        reads++;
        // an in-process hit never waits for I/O: let the writer's I/O in
        await new Promise((r) => setImmediate(r));
      }
      return reads;
    });
    const stale: string[] = [];
    for (let i = 0; i < 25; i++) {
      await writeOrder();
      const expected = await dbCount();
      const seen = await cache.get(countQuery());
      if (seen !== expected) stale.push(`write ${i}: read ${seen}, database ${expected}`);
    }
    stop = true;
    const reads = await Promise.all(readers);
    expect(stale).toEqual([]);
    expect(reads.reduce((a, b) => a + b, 0)).toBeGreaterThan(25);
  });
});

// ---- through the API: every cached endpoint is fresh after the writes that change it ----

describe.each(BACKENDS)('cached endpoints after writes (%s)', (backend) => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startTestServer(db, { config: { redisUrl: backend === 'redis' ? redisUrl : undefined } });
    expect(api.cache.backend).toBe(backend);
  });
  afterAll(async () => {
    await api?.stop();
  });

  function newOrder(extra: Record<string, unknown> = {}) {
    return {
      orderNo: uniq('CA-', 5).toUpperCase(),
      customerName: '캐시고객',
      customerPhone: '010-7777-8888',
      address: { line1: '강남대로 10', city: '서울' },
      branchId: world.branch.id,
      appointmentDate: seoulToday(),
      lines: [{ itemCode: 'GEN-1', itemName: '소형 가전', quantity: 1 }],
      ...extra,
    };
  }

  it('dashboard progress (KPI): a created order is counted at once; an unchanged repeat is a cache hit', async () => {
    const token = await api.login(world.manager.username);
    const path = `/api/dashboard/progress?from=${seoulToday()}&to=${seoulToday()}`;
    const first = await api.request('GET', path, { token });
    expect(first.status).toBe(200);
    const hitsBefore = api.cache.stats().hits;
    expect((await api.request('GET', path, { token })).body).toEqual(first.body);
    expect(api.cache.stats().hits).toBe(hitsBefore + 1);
    const created = await api.request('POST', '/api/orders', { token, body: newOrder() });
    expect(created.status).toBe(201);
    const after = await api.request('GET', path, { token });
    expect(after.body.total).toBe(first.body.total + 1);
    expect(after.body.totals['미배정']).toBe(first.body.totals['미배정'] + 1);
  });

  it('customer history: a new order of the customer and a renamed one show at once', async () => {
    const token = await api.login(world.manager.username);
    const name = uniq('고객', 3);
    const path = `/api/customers/history?name=${encodeURIComponent(name)}`;
    const o1 = await api.request('POST', '/api/orders', { token, body: newOrder({ customerName: name }) });
    expect((await api.request('GET', path, { token })).body.items).toHaveLength(1);
    await api.request('POST', '/api/orders', { token, body: newOrder({ customerName: name }) });
    expect((await api.request('GET', path, { token })).body.items).toHaveLength(2);
    const renamed = await api.request('PATCH', `/api/orders/${o1.body.id}`, {
      token,
      body: { version: o1.body.version, customerName: `${name}X` },
    });
    expect(renamed.status).toBe(200);
    expect((await api.request('GET', path, { token })).body.items).toHaveLength(1);
  });

  it('customer history by phone: an order given the number as its second phone shows at once', async () => {
    const token = await api.login(world.manager.username);
    const phone = `02-${Math.floor(100 + Math.random() * 899)}-${Math.floor(1000 + Math.random() * 8999)}`;
    const path = `/api/customers/history?phone=${encodeURIComponent(phone)}`;
    await api.request('POST', '/api/orders', { token, body: newOrder({ customerPhone: phone }) });
    expect((await api.request('GET', path, { token })).body.items).toHaveLength(1);
    const other = await api.request('POST', '/api/orders', { token, body: newOrder() });
    const edited = await api.request('PATCH', `/api/orders/${other.body.id}`, {
      token,
      body: { version: other.body.version, customerPhone2: phone },
    });
    expect(edited.status).toBe(200);
    expect((await api.request('GET', path, { token })).body.items).toHaveLength(2);
  });

  it('assignable installers: an assignment takes the slot, a deactivation removes the installer, at once', async () => {
    const token = await api.login(world.manager.username);
    const date = addDays(seoulToday(), 2);
    const created = await api.request('POST', '/api/installers', {
      token,
      body: { name: uniq('캐시기사 '), capacityPerDay: 1 },
    });
    expect(created.status).toBe(201);
    const path = `/api/installers/assignable?date=${date}`;
    const ids = async () =>
      ((await api.request('GET', path, { token })).body.items as { id: string }[]).map((i) => i.id);
    expect(await ids()).toContain(created.body.id);
    const o = await createOrder(db.owner, { branchId: world.branch.id, appointmentDate: date });
    const assigned = await api.request('POST', `/api/orders/${o.id}/assign`, {
      token,
      body: { version: o.version, installerId: created.body.id },
    });
    expect(assigned.status).toBe(200);
    expect(await ids()).not.toContain(created.body.id); // its only slot is taken
    const other = await api.request('POST', '/api/installers', { token, body: { name: uniq('캐시기사 ') } });
    expect(await ids()).toContain(other.body.id);
    const off = await api.request('POST', `/api/installers/${other.body.id}/deactivate`, {
      token,
      body: { version: other.body.version },
    });
    expect(off.status).toBe(200);
    expect(await ids()).not.toContain(other.body.id);
  });

  it('waste codes: a new code and an admin deactivation show at once', async () => {
    const hq = await api.login(world.hq.username);
    const codes = async () =>
      ((await api.request('GET', '/api/waste/codes', { token: hq })).body.items as { code: string }[]).map(
        (c) => c.code,
      );
    const before = await codes(); // cached now
    expect(before.length).toBeGreaterThan(0);
    // both cache variants run in one database: each makes its own code
    let code: string;
    do code = `Z${String(Math.floor(Math.random() * 900) + 100)}`;
    while (before.includes(code));
    const created = await api.request('POST', '/api/admin/waste-codes', {
      token: hq,
      body: { code, nameKo: '테스트', nameEn: 'Test' },
    });
    expect(created.status).toBe(201);
    expect(await codes()).toContain(code);
    const off = await api.request('POST', `/api/admin/waste-codes/${code}/deactivate`, {
      token: hq,
      body: { version: created.body.version },
    });
    expect(off.status).toBe(200);
    expect(await codes()).not.toContain(code);
  });

  it('race through HTTP: concurrent progress reads never outlive a write that has answered', async () => {
    const token = await api.login(world.manager.username);
    const path = `/api/dashboard/progress?from=${seoulToday()}&to=${seoulToday()}`;
    let stop = false;
    const readers = Array.from({ length: 3 }, async () => {
      while (!stop) await api.request('GET', path, { token });
    });
    const stale: string[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const before = (await api.request('GET', path, { token })).body.total as number;
        const created = await api.request('POST', '/api/orders', { token, body: newOrder() });
        expect(created.status).toBe(201);
        const after = (await api.request('GET', path, { token })).body.total as number;
        if (after !== before + 1) stale.push(`write ${i}: ${before} → ${after}`);
      }
    } finally {
      stop = true;
      await Promise.all(readers);
    }
    expect(stale).toEqual([]);
  });
});

describe.skipIf(!redisUrl)('two app instances on one PostgreSQL and one Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const shared = { redisUrl, cacheKeyPrefix: uniq('t:two:', 6), jwtSecret: uniq('secret-', 24) };
    a = await startTestServer(db, { config: shared });
    b = await startTestServer(db, { config: shared });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('a write on one instance invalidates what the other cached', async () => {
    expect(a.cache.backend).toBe('redis');
    const token = await a.login(world.manager.username);
    const path = `/api/dashboard/progress?from=${seoulToday()}&to=${seoulToday()}`;
    const onB = await b.request('GET', path, { token });
    expect(onB.status).toBe(200);
    // B's answer is shared: A reads it from Redis without loading
    const loadsA = a.cache.stats().loads;
    expect((await a.request('GET', path, { token })).body).toEqual(onB.body);
    expect(a.cache.stats().loads).toBe(loadsA);
    const created = await a.request('POST', '/api/orders', {
      token,
      body: {
        orderNo: uniq('TWO-', 5).toUpperCase(),
        customerName: '두인스턴스',
        address: { line1: '1', city: '서울' },
        branchId: world.branch.id,
        appointmentDate: seoulToday(),
        lines: [{ itemCode: 'GEN-1', itemName: '소형 가전', quantity: 1 }],
      },
    });
    expect(created.status).toBe(201);
    expect((await b.request('GET', path, { token })).body.total).toBe(onB.body.total + 1);
    // and the other way round: B writes, A reads fresh
    const patched = await b.request('POST', `/api/orders/${created.body.id}/status`, {
      token,
      body: { version: created.body.version, status: '취소', reasonCode: 'C01' },
    });
    expect(patched.status).toBe(200);
    const onA = await a.request('GET', path, { token });
    expect(onA.body.totals['취소']).toBe(onB.body.totals['취소'] + 1);
  });
});
