// The order list's cache (FR-03, server/orders/order-list-cache.ts, docs/cache.md "The order list"): a write in
// the branch invalidates (read-your-writes, also on another instance through Redis); another branch's write leaves
// a manager's entry alone; every role sees only its rows through the cache; after logout, deactivation or a branch
// change the cached answer is refused (the request check of every hit), also with SYNC_MARKS_POLL_MS=0. Against the in-process cache and Redis (REDIS_URL or a throwaway server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenPair } from '../../server/auth/auth.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  createInstaller,
  createOrder,
  createUser,
  createWorld,
  type UserFixture,
  uniq,
  type World,
} from '../support/fixtures.js';
import { stopTestRedis, testRedisUrl } from '../support/redis.js';
import { startTestServer, type TestServer } from '../support/server.js';

const redisUrl = await testRedisUrl();
const BACKENDS = redisUrl ? (['memory', 'redis'] as const) : (['memory'] as const);

afterAll(() => stopTestRedis());

interface Listed {
  status: number;
  cache: string | null;
  ids: string[];
  byId: Map<string, { version: number; remarks: string | null }>;
  text: string;
}

async function list(api: TestServer, token: TokenPair, query: string): Promise<Listed> {
  const res = await fetch(`${api.url}/api/orders?${query}`, {
    headers: { authorization: `Bearer ${token.accessToken}` },
  });
  const text = await res.text();
  const body =
    res.status === 200
      ? (JSON.parse(text) as { items: { id: string; version: number; remarks: string | null }[] })
      : undefined;
  return {
    status: res.status,
    cache: res.headers.get('x-cache'),
    ids: (body?.items ?? []).map((o) => o.id).sort(),
    byId: new Map((body?.items ?? []).map((o) => [o.id, o])),
    text,
  };
}

async function patchRemarks(api: TestServer, token: TokenPair, id: string, version: number, remarks: string) {
  const r = await api.request('PATCH', `/api/orders/${id}`, { token, body: { version, remarks } });
  expect(r.status).toBe(200);
  return r.body as { version: number };
}

describe.each(BACKENDS)('order list cache (%s)', (backend) => {
  let db: TestDatabase;
  let api: TestServer;
  let api2: TestServer | undefined;
  let a: World;
  let b: World;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await createWorld(db.owner);
    b = await createWorld(db.owner);
    const shared = {
      redisUrl: backend === 'redis' ? redisUrl : undefined,
      cacheKeyPrefix: uniq('t:ol:', 6),
      jwtSecret: uniq('secret-', 24),
    };
    api = await startTestServer(db, { config: shared });
    // a second instance on the same database and Redis: read-your-writes across instances
    if (backend === 'redis') api2 = await startTestServer(db, { config: shared });
  });
  afterAll(async () => {
    await api2?.stop();
    await api?.stop();
    await db?.drop();
  });

  it('serves a repeated list from the cache, and a write in the branch invalidates it (read-your-writes)', async () => {
    const vendor = uniq('V');
    const mine = await createOrder(db.owner, { branchId: a.branch.id, vendor });
    const manager = await api.login(a.manager.username);
    const q = `vendor=${vendor}`;
    const first = await list(api, manager, q);
    expect(first.status).toBe(200);
    expect(first.ids).toEqual([mine.id]);
    expect(first.cache).toBe('miss');
    const second = await list(api, manager, q);
    expect(second.cache).toBe('hit');
    expect(second.text).toBe(first.text);

    const v = await patchRemarks(api, manager, mine.id, first.byId.get(mine.id)!.version, 'edited once');
    const after = await list(api, manager, q);
    expect(after.cache).toBe('miss');
    expect(after.byId.get(mine.id)).toMatchObject({ remarks: 'edited once', version: v.version });

    if (api2) {
      // the other instance reads the bumped generation from Redis: the write is there too
      const elsewhere = await list(api2, await api2.login(a.manager.username), q);
      expect(elsewhere.byId.get(mine.id)).toMatchObject({ remarks: 'edited once' });
      expect(elsewhere.cache).toBe('hit');
      // and a write through the other instance is seen by this one at once
      const v2 = await patchRemarks(api2, await api2.login(a.manager.username), mine.id, v.version, 'edited twice');
      const back = await list(api, manager, q);
      expect(back.byId.get(mine.id)).toMatchObject({ remarks: 'edited twice', version: v2.version });
    }
  });

  it('answers a hit with the session check alone: no transaction, no list', async () => {
    const vendor = uniq('V');
    await createOrder(db.owner, { branchId: a.branch.id, vendor });
    const manager = await api.login(a.manager.username);
    const q = `vendor=${vendor}`;
    await list(api, manager, q);
    // every statement a pool client is asked for from now on, by prepared name or text
    const asked: string[] = [];
    const wrapped = new WeakSet<object>();
    const watch = (client: { query: (...args: unknown[]) => unknown }) => {
      if (wrapped.has(client)) return;
      wrapped.add(client);
      const query = client.query.bind(client);
      client.query = (...args: unknown[]) => {
        const c = args[0] as string | { name?: string; text?: string };
        asked.push(typeof c === 'string' ? c : (c?.name ?? c?.text ?? '?'));
        return query(...args);
      };
    };
    api.pool.on('acquire', watch);
    try {
      for (let i = 0; i < 5; i++) expect((await list(api, manager, q)).cache).toBe('hit');
    } finally {
      api.pool.off('acquire', watch);
    }
    expect(asked).toEqual(Array(5).fill('sync_idle_session'));
  });

  it("keeps a manager's entry when another branch writes, and drops HQ's list of every branch", async () => {
    const vendor = uniq('V');
    const mine = await createOrder(db.owner, { branchId: a.branch.id, vendor });
    const theirs = await createOrder(db.owner, { branchId: b.branch.id, vendor });
    const manager = await api.login(a.manager.username);
    const other = await api.login(b.manager.username);
    const hq = await api.login(a.hq.username);
    const q = `vendor=${vendor}`;
    const before = await list(api, manager, q);
    expect(before.ids).toEqual([mine.id]);
    const hqBefore = await list(api, hq, q);
    expect(hqBefore.ids).toEqual([mine.id, theirs.id].sort());
    const hqOfBranch = await list(api, hq, `branchId=${a.branch.id}&${q}`);
    expect(hqOfBranch.ids).toEqual([mine.id]);

    const theirsListed = await list(api, other, q);
    expect(theirsListed.ids).toEqual([theirs.id]);
    await patchRemarks(api, other, theirs.id, theirsListed.byId.get(theirs.id)!.version, 'their edit');

    const still = await list(api, manager, q);
    expect(still.cache).toBe('hit');
    expect(still.text).toBe(before.text);
    expect((await list(api, hq, `branchId=${a.branch.id}&${q}`)).cache).toBe('hit');
    const hqAfter = await list(api, hq, q);
    expect(hqAfter.cache).toBe('miss');
    expect(hqAfter.byId.get(theirs.id)).toMatchObject({ remarks: 'their edit' });
    const theirsAfter = await list(api, other, q);
    expect(theirsAfter.byId.get(theirs.id)).toMatchObject({ remarks: 'their edit' });
  });

  it('shows every role only its rows, from the cache as from the database', async () => {
    const vendor = uniq('V');
    // a second installer of branch a and partner a: the same query must not give it the first one's orders
    const inst2User = await createUser(db.owner, { role: 'INSTALLER', branchId: a.branch.id, partnerId: a.partner.id });
    const inst2 = await createInstaller(db.owner, {
      branchId: a.branch.id,
      partnerId: a.partner.id,
      userId: inst2User.id,
    });
    const o = {
      a1: await createOrder(db.owner, {
        branchId: a.branch.id,
        partnerId: a.partner.id,
        installerId: a.installer.id,
        vendor,
      }),
      a2: await createOrder(db.owner, {
        branchId: a.branch.id,
        partnerId: a.partner.id,
        installerId: inst2.id,
        vendor,
      }),
      a3: await createOrder(db.owner, { branchId: a.branch.id, vendor }),
      b1: await createOrder(db.owner, {
        branchId: b.branch.id,
        partnerId: b.partner.id,
        installerId: b.installer.id,
        vendor,
      }),
    };
    const expected: [UserFixture, string[]][] = [
      [a.hq, [o.a1.id, o.a2.id, o.a3.id, o.b1.id]],
      [a.manager, [o.a1.id, o.a2.id, o.a3.id]],
      [b.manager, [o.b1.id]],
      [a.coordinator, [o.a1.id, o.a2.id]],
      [b.coordinator, [o.b1.id]],
      [a.installerUser, [o.a1.id]],
      [inst2User, [o.a2.id]],
      [b.installerUser, [o.b1.id]],
      [b.hq, [o.a1.id, o.a2.id, o.a3.id, o.b1.id]],
    ];
    const q = `vendor=${vendor}`;
    for (const [user, ids] of expected) {
      const token = await api.login(user.username);
      const first = await list(api, token, q);
      const second = await list(api, token, q);
      expect({ user: user.role, ids: first.ids }).toEqual({ user: user.role, ids: [...ids].sort() });
      expect({ user: user.role, ids: second.ids }).toEqual({ user: user.role, ids: [...ids].sort() });
      expect(second.cache).toBe('hit');
    }
    // a manager naming another branch is refused, also after that branch's list was cached for HQ
    const manager = await api.login(a.manager.username);
    await list(api, await api.login(a.hq.username), `branchId=${b.branch.id}&${q}`);
    expect((await list(api, manager, `branchId=${b.branch.id}&${q}`)).status).toBe(404);
    expect((await list(api, manager, `branchId=${b.branch.id}&${q}`)).status).toBe(404);
  });

  it.each([
    [
      'logout',
      async (api: TestServer, _u: UserFixture, t: TokenPair) => {
        const r = await api.request('POST', '/api/auth/logout', { body: { refreshToken: t.refreshToken } });
        expect(r.status).toBe(204);
      },
    ],
    [
      'deactivation',
      async (_api: TestServer, u: UserFixture) => {
        await db.owner.query('UPDATE users SET is_active = false WHERE id = $1', [u.id]);
      },
    ],
    [
      'a branch change',
      async (_api: TestServer, u: UserFixture) => {
        await db.owner.query('UPDATE users SET branch_id = $2 WHERE id = $1', [u.id, b.branch.id]);
      },
    ],
    [
      'the role taken away',
      async (_api: TestServer, u: UserFixture) => {
        await db.owner.query('DELETE FROM user_roles WHERE user_id = $1', [u.id]);
      },
    ],
  ] as const)('refuses the cached answer after %s', async (_name, change) => {
    const vendor = uniq('V');
    await createOrder(db.owner, { branchId: a.branch.id, vendor });
    const user = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: a.branch.id });
    const token = await api.login(user.username);
    const q = `vendor=${vendor}`;
    expect((await list(api, token, q)).status).toBe(200);
    expect((await list(api, token, q)).cache).toBe('hit');
    await change(api, user, token);
    const refused = await list(api, token, q);
    expect(refused.status).toBe(401);
    if (api2) expect((await list(api2, token, q)).status).toBe(401);
    // the entry is still there for the branch's other manager, whose session is live
    expect((await list(api, await api.login(a.manager.username), q)).status).toBe(200);
  });
});

describe('order list cache without the idle pull’s marks (SYNC_MARKS_POLL_MS=0)', () => {
  let db: TestDatabase;
  let api: TestServer;
  let a: World;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await createWorld(db.owner);
    api = await startTestServer(db, { config: { redisUrl: undefined, syncMarksPollMs: 0 } });
  });
  afterAll(async () => {
    await api?.stop();
    await db?.drop();
  });

  it('answers hits and refuses them after logout', async () => {
    const vendor = uniq('V');
    const order = await createOrder(db.owner, { branchId: a.branch.id, vendor });
    const token = await api.login(a.manager.username);
    const q = `vendor=${vendor}`;
    expect((await list(api, token, q)).ids).toEqual([order.id]);
    const hit = await list(api, token, q);
    expect(hit.cache).toBe('hit');
    expect(hit.ids).toEqual([order.id]);
    await api.request('POST', '/api/auth/logout', { body: { refreshToken: token.refreshToken } });
    expect((await list(api, token, q)).status).toBe(401);
  });

  it('is off with ORDER_LIST_CACHE=0: every list runs its query', async () => {
    const off = await startTestServer(db, { config: { orderListCache: false } });
    try {
      const vendor = uniq('V');
      await createOrder(db.owner, { branchId: a.branch.id, vendor });
      const token = await off.login(a.manager.username);
      expect((await list(off, token, `vendor=${vendor}`)).cache).toBeNull();
      expect((await list(off, token, `vendor=${vendor}`)).cache).toBeNull();
    } finally {
      await off.stop();
    }
  });
});
