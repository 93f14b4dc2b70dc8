// Working through a head-office outage: ops queue up, the engine retries on its own and catches up in order;
// a user logs in offline against the locally kept verifier and the session gets tokens again when the link
// returns. Also the services as the shells run them: in a worker thread.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientEvent, SyncState } from '../../domain/client-api.js';
import { createClientServices } from '../../main/services/client-services.js';
import { startServicesWorker } from '../../main/services/worker-host.js';
import { openToken } from '../../main/store/token-seal.js';
import { databaseFile } from '../../main/sync/session.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  clientChecksums,
  connectClient,
  differences,
  makeOrder,
  serverChecksums,
  syncUntil,
  type TestClient,
  tempDir,
} from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('outage-');
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await server?.stop();
  await db?.drop();
});

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('outage', () => {
  it('1,000 ops made while the head office is down are all SYNCED, in order, once it is back', async () => {
    const orders: Awaited<ReturnType<typeof makeOrder>>[] = [];
    for (let i = 0; i < 40; i++) orders.push(await makeOrder(db.owner, { branchId: world.branch.id }));
    const proxy = await TcpProxy.start(server.url);
    cleanups.push(() => proxy.close());
    const c: TestClient = await connectClient(proxy.url, world.manager, join(dir, 'thousand.sqlite'), {
      backoff: { baseMs: 20, maxMs: 200 },
      pullIntervalMs: 1000,
    });
    cleanups.push(() => c.close());
    await syncUntil(c, () => orders.every((o) => c.store.getOrder(o.id)), 'the orders');

    // the head office goes away (a new one, with another signing key, comes back later)
    await server.stop();
    proxy.setDown(true);
    c.engine.start();
    for (let i = 0; i < 100; i++) {
      const id = uuidv7();
      c.store.localOrderOp({
        kind: 'order.create',
        orderId: id,
        payload: {
          id,
          orderNo: `OUT-${i}-${id.slice(-6)}`,
          customerName: `오프라인 ${i}`,
          address: { line1: '중앙로 1', city: '대전' },
          branchId: world.branch.id,
          lines: [{ id: uuidv7(), itemCode: 'AC-100', itemName: '에어컨', quantity: 1 }],
        },
      });
      c.engine.localWrite();
    }
    for (let i = 0; i < 900; i++) {
      const o = orders[i % orders.length]!;
      c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: `편집 ${i}` } });
      c.engine.localWrite();
    }
    const sent = c.store.pendingOps().map((op) => op.opId);
    expect(sent).toHaveLength(1000);
    await until(
      'the engine to notice',
      () => c.engine.state().status === 'offline' && c.engine.state().lastError !== null,
    );
    const offline = c.engine.state();
    expect(offline).toMatchObject({ status: 'offline', pending: 1000 });
    expect(offline.offlineSince).not.toBeNull();

    server = await startTestServer(db);
    proxy.retarget(server.url);
    proxy.setDown(false);
    // no syncNow(): the engine's own retry finds the head office again
    await until('the outbox to drain', () => c.engine.state().pending === 0);
    expect(c.engine.state()).toMatchObject({ conflicts: 0, failed: 0 });

    const { rows } = await db.owner.query<{ op_id: string; status: string }>(
      'SELECT op_id, status FROM offline_sync_queue WHERE client_id = $1 ORDER BY synced_at, created_at',
      [c.store.clientId()],
    );
    expect(rows.map((r) => r.op_id)).toEqual(sent);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['SYNCED']));
    for (const [i, o] of orders.entries()) {
      const last = Math.floor((899 - i) / orders.length) * orders.length + i;
      const { rows: r } = await db.owner.query('SELECT remarks FROM orders WHERE id = $1', [o.id]);
      expect(r[0].remarks).toBe(`편집 ${last}`);
    }
    await until('the client to be online again', () => c.engine.state().status === 'online');
    await syncUntil(c, () => true, 'a last pull');
    const user = { id: world.manager.id, role: 'BRANCH_MANAGER', branchId: world.branch.id, partnerId: null };
    expect(differences(clientChecksums(c.store), await serverChecksums(db, user, c.store))).toEqual({});
  });

  it('offline login against the kept verifier; the session gets tokens again when the link returns', async () => {
    const order = await makeOrder(db.owner, { branchId: world.branch.id });
    const proxy = await TcpProxy.start(server.url);
    cleanups.push(() => proxy.close());
    const events: ClientEvent[] = [];
    const services = createClientServices({
      dataDir: join(dir, 'login'),
      emit: (e) => events.push(e),
      engine: { backoff: { baseMs: 20, maxMs: 200 }, pullIntervalMs: 500 },
      httpTimeoutMs: 3000,
    });
    cleanups.push(() => services.close());
    const h = services.handlers;
    const login = { serverUrl: proxy.url, username: world.manager.username, password: world.manager.password };

    proxy.setDown(true);
    await expect(h['auth:login'](login)).rejects.toMatchObject({ code: 'OFFLINE_LOGIN_UNAVAILABLE' });
    proxy.setDown(false);
    expect(await h['auth:login'](login)).toMatchObject({ offline: false, user: { username: world.manager.username } });
    await until('the first sync', async () => (await h['orders:list']({})).some((o) => o.id === order.id));
    await h['auth:logout']({});

    proxy.setDown(true);
    await expect(h['auth:login']({ ...login, password: 'wrong password!' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    const session = await h['auth:login'](login);
    expect(session).toMatchObject({ offline: true, user: { role: 'BRANCH_MANAGER' } });
    // work goes on against the local copy
    const [row] = (await h['orders:list']({})).filter((o) => o.id === order.id);
    const edited = await h['orders:update']({
      id: order.id,
      patch: { version: row!.version, remarks: '오프라인 작업' },
    });
    expect(edited.row).toMatchObject({ remarks: '오프라인 작업', pendingOps: 1 });
    await until('the offline state', async () => (await h['sync:state']({})).status === 'offline');
    expect(await h['sync:state']({})).toMatchObject({ status: 'offline', pending: 1 });

    proxy.setDown(false);
    await until('the push after the link returned', async () => (await h['sync:state']({})).pending === 0);
    expect(await h['auth:session']({})).toMatchObject({ offline: false });
    const { rows } = await db.owner.query('SELECT remarks FROM orders WHERE id = $1', [order.id]);
    expect(rows[0].remarks).toBe('오프라인 작업');
    const states = events.filter((e) => e.type === 'sync-state').map((e) => (e as { state: SyncState }).state.status);
    expect(states).toContain('offline');
    expect(states).toContain('online');
  });

  it('the refresh token kept on the PC is sealed with the password: an offline login opens it, nothing else does', async () => {
    const proxy = await TcpProxy.start(server.url);
    cleanups.push(() => proxy.close());
    const dataDir = join(dir, 'sealed');
    const open = () => {
      const s = createClientServices({
        dataDir,
        emit: () => {},
        engine: { backoff: { baseMs: 20, maxMs: 200 }, pullIntervalMs: 500 },
        httpTimeoutMs: 3000,
      });
      cleanups.push(() => s.close());
      return s;
    };
    const login = { serverUrl: proxy.url, username: world.manager.username, password: world.manager.password };
    const families = async () =>
      (
        await db.owner.query('SELECT count(DISTINCT family_id)::int AS n FROM refresh_tokens WHERE user_id = $1', [
          world.manager.id,
        ])
      ).rows[0].n as number;

    let services = open();
    expect(await services.handlers['auth:login'](login)).toMatchObject({ offline: false });
    await services.close(); // the app is closed without logging out: the token stays for the next login
    const loggedIn = await families();

    // the next morning the VPN is down: an offline login, then the link returns and the kept token is used
    proxy.setDown(true);
    services = open();
    expect(await services.handlers['auth:login'](login)).toMatchObject({ offline: true });
    proxy.setDown(false);
    await until('online again', async () => (await services.handlers['auth:session']({}))?.offline === false);
    await services.close();
    // refreshed, not logged in again: no new token family
    expect(await families()).toBe(loggedIn);

    const file = new Database(databaseFile(dataDir, proxy.url, world.manager.username), { readonly: true });
    const stored = (file.prepare('SELECT refresh_token FROM credentials').get() as { refresh_token: string })
      .refresh_token;
    file.close();
    expect(stored).toMatch(/^v1\./);
    expect(await openToken('wrong password!', stored)).toBeNull();
    const opened = await openToken(world.manager.password, stored);
    expect(stored).not.toContain(opened!.token);
    // what the password opens is the session's current refresh token
    const res = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: opened!.token } });
    expect(res.status).toBe(200);
  });

  it('the services run in a worker thread: login, the synced orders, local edits, sync-state events', async () => {
    const order = await makeOrder(db.owner, { branchId: world.branch.id, customerName: '워커' });
    const worker = await startServicesWorker({
      dataDir: join(dir, 'worker'),
      engine: { backoff: { baseMs: 20, maxMs: 200 }, pullIntervalMs: 500 },
    });
    cleanups.push(() => worker.close());
    const events: ClientEvent[] = [];
    worker.subscribe((e) => events.push(e));
    const login = await worker.call('auth:login', {
      serverUrl: server.url,
      username: world.manager.username,
      password: world.manager.password,
    });
    expect(login).toMatchObject({ ok: true, value: { offline: false } });
    await until('the order in the worker', async () => {
      const r = await worker.call('orders:list', { text: '워커' });
      return r.ok && (r.value as { id: string }[]).some((o) => o.id === order.id);
    });
    const bad = await worker.call('orders:update', { id: order.id, patch: { version: 1 } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'patch' } });
    await expect(
      worker.handlers['orders:update']!({ id: order.id, patch: { version: 1, remarks: 'w' } }),
    ).resolves.toMatchObject({
      row: { remarks: 'w' },
    });
    await until('the push', async () => {
      const { rows } = await db.owner.query('SELECT remarks FROM orders WHERE id = $1', [order.id]);
      return rows[0].remarks === 'w';
    });
    expect(events.some((e) => e.type === 'sync-state')).toBe(true);
    expect(events.some((e) => e.type === 'orders-changed' && e.ids.includes(order.id))).toBe(true);
  });
});
