// The price of the stall bound (issue 17, docs/reliability.md "Stated bounds"): a head office that works on a push
// for longer than the client's stall bound — here a row lock another transaction holds — must not have the push
// sent again. While it works it sends the answer's head early and a byte every few seconds, so only a dead
// connection reaches the bound. An error once the head (200) has gone is still that request's failure: the client
// sends the push again and it is applied once. docs/sync-protocol.md "Held answers".
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectClient, makeOrder, syncUntil, type TestClient, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('held-answer-');
const clients: TestClient[] = [];
const proxies: TcpProxy[] = [];
/** the head office's keep-alive period while it works on an answer; the clients' stall bound is 1 s */
const KEEP_ALIVE_MS = 200;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db, { config: { syncKeepAliveMs: KEEP_ALIVE_MS } });
  world = await createWorld(db.owner);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const p of proxies) await p.close();
  await server?.stop();
  await db?.drop();
});

/** Resolves with the promise's value, or rejects when it has not settled within `ms` (a liveness bound). */
function within<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The head office's push waiting for the row lock: its backend's pid. */
async function pushWaitingForLock(): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const { rows } = await db.owner.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'dispatch-server' AND wait_event_type = 'Lock'`,
    );
    if (rows[0]) return rows[0].pid;
    await sleep(20);
  }
  throw new Error('the push never reached the head office');
}

async function lockOrder(orderId: string): Promise<pg.PoolClient> {
  const lock = await db.owner.connect();
  await lock.query('BEGIN');
  await lock.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
  return lock;
}

async function unlock(lock: pg.PoolClient): Promise<void> {
  await lock.query('ROLLBACK');
  lock.release();
}

async function headOffice(id: string) {
  const { rows } = await db.owner.query('SELECT remarks, version FROM orders WHERE id = $1', [id]);
  return rows[0];
}

/** How often the head office was sent the op again (its record's retry count, as the queue monitor shows it). */
async function resends(orderId: string): Promise<number[]> {
  const { rows } = await db.owner.query<{ retry_count: number }>(
    'SELECT retry_count FROM offline_sync_queue WHERE entity_id = $1',
    [orderId],
  );
  return rows.map((r) => r.retry_count);
}

async function client(name: string, url = server.url, stallMs = 1000): Promise<TestClient> {
  const c = await connectClient(url, world.manager, join(dir, `${name}.sqlite`), {}, { stallMs });
  clients.push(c);
  return c;
}

describe('a push the head office holds longer than the stall bound', () => {
  it('is sent once and answered once: the head office keeps the connection alive while it waits', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await client('held');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    const lock = await lockOrder(o.id);
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '오래 걸린 저장' } });
    const cycle = c.engine.syncNow();
    await pushWaitingForLock();
    // three stall bounds with the push held
    await sleep(3000);
    await unlock(lock);
    const state = await within('the held push answered', cycle);

    expect(state).toMatchObject({ status: 'online', pending: 0, failed: 0, conflicts: 0, lastError: null });
    expect(await headOffice(o.id)).toEqual({ remarks: '오래 걸린 저장', version: 2 });
    expect(await resends(o.id)).toEqual([0]);
  });

  it('a failure after the answer’s head is that push’s failure: sent again, applied once', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await client('late-failure');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    const lock = await lockOrder(o.id);
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '늦은 실패 뒤 재전송' } });
    const cycle = c.engine.syncNow();
    const pid = await pushWaitingForLock();
    // the head (200) has gone by now; then the database connection under the push is lost
    await sleep(5 * KEEP_ALIVE_MS);
    await db.owner.query('SELECT pg_terminate_backend($1)', [pid]);
    const failed = await within('the push given up', cycle);
    expect(failed).toMatchObject({ status: 'offline', pending: 1 });
    expect(failed.lastError).toMatch(/^UNAVAILABLE:/);

    await unlock(lock);
    await within(
      'the outbox drained',
      syncUntil(c, () => c.engine.state().pending === 0, 'the outbox drained'),
    );
    expect(c.engine.state()).toMatchObject({ status: 'online', pending: 0, failed: 0, conflicts: 0 });
    expect(await headOffice(o.id)).toEqual({ remarks: '늦은 실패 뒤 재전송', version: 2 });
  });

  it('a held push on a link that resets silently is dropped when the link is back, not at the stall bound', async () => {
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    // a stall bound the test cannot reach: only the link-back signal can end the dead push
    const c = await client('held-reset', proxy.url, 120_000);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    const lock = await lockOrder(o.id);
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '끊긴 링크의 긴 저장' } });
    const cycle = c.engine.syncNow();
    await pushWaitingForLock();
    await sleep(5 * KEEP_ALIVE_MS);
    const linkBack = proxy.resetLink(1000);
    await unlock(lock);
    await linkBack;
    c.engine.linkBack();
    await within('the cycle after the link came back', cycle);
    await within(
      'the outbox drained',
      syncUntil(c, () => c.engine.state().pending === 0, 'the outbox drained'),
    );
    expect(await headOffice(o.id)).toEqual({ remarks: '끊긴 링크의 긴 저장', version: 2 });
    expect(c.engine.state()).toMatchObject({ status: 'online', pending: 0, failed: 0, conflicts: 0 });
  });

  it('a held push on a link that resets silently, with no word that it is back, is given up at the stall bound', async () => {
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await client('held-stall', proxy.url);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    const lock = await lockOrder(o.id);
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '끊긴 뒤 정체' } });
    const cycle = c.engine.syncNow();
    await pushWaitingForLock();
    await sleep(5 * KEEP_ALIVE_MS);
    // the head has come; now nothing more can: the body stalls
    const linkBack = proxy.resetLink(1000);
    await unlock(lock);
    await linkBack;
    const failed = await within('the stalled push given up', cycle);
    expect(failed).toMatchObject({ status: 'offline', pending: 1 });
    expect(failed.lastError).toMatch(/^nothing from .* for 1000 ms$/);
    await within(
      'the outbox drained',
      syncUntil(c, () => c.engine.state().pending === 0, 'the outbox drained'),
    );
    expect(await headOffice(o.id)).toEqual({ remarks: '끊긴 뒤 정체', version: 2 });
  });
});
