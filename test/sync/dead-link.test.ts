// Finding 6 of issue 17: a link reset leaves the connections open at that moment dead without a word (no FIN, no
// RST). A push on such a connection must not hold the sync cycle until its 60 s timeout: the engine drops it when
// the link is back (the live stream reopening, or the shell's "network is back") and, without such a signal, once
// nothing has come on it for the stall bound; the op is then sent again and answered once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { runChild } from './child.js';
import { connectClient, makeOrder, syncUntil, type TestClient, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('dead-link-');
const clients: TestClient[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
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

async function waitForLockWait(): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const { rows } = await db.owner.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'dispatch-server' AND wait_event_type = 'Lock'`,
    );
    if (rows.length) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the push never reached the head office');
}

/**
 * A push in flight when the link resets: the head office holds it (a row lock) until the link is dead, then
 * answers into the dead connection. Returns the cycle that carries the push, still running.
 */
async function pushIntoResetLink(c: TestClient, proxy: TcpProxy, orderId: string, remarks: string) {
  const lock = await db.owner.connect();
  await lock.query('BEGIN');
  await lock.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
  c.store.localOrderOp({ kind: 'order.update', orderId, payload: { remarks } });
  const cycle = c.engine.syncNow();
  await waitForLockWait();
  const linkBack = proxy.resetLink(1000);
  await lock.query('ROLLBACK');
  lock.release();
  await linkBack;
  return { cycle };
}

async function headOffice(id: string) {
  const { rows } = await db.owner.query('SELECT remarks, version FROM orders WHERE id = $1', [id]);
  return rows[0];
}

describe('a push on a connection the link reset left dead', () => {
  it('is dropped when the link is back and sent again: the cycle ends, the op is applied once', async () => {
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await connectClient(proxy.url, world.manager, join(dir, 'link-back.sqlite'));
    clients.push(c);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    const { cycle } = await pushIntoResetLink(c, proxy, o.id, '링크 복구');
    // what the live stream reopening (or the shell's "network is back") tells the engine
    c.engine.linkBack();
    await within('the cycle after the link came back', cycle);
    await within(
      'the outbox drained',
      syncUntil(c, () => c.engine.state().pending === 0, 'the outbox drained'),
    );
    expect(await headOffice(o.id)).toEqual({ remarks: '링크 복구', version: 2 });
    expect(c.engine.state()).toMatchObject({ status: 'online', pending: 0, failed: 0, conflicts: 0 });
  });

  it('with no word that the link is back, the push is dropped once nothing came for the stall bound', async () => {
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    // the bound is 15 s by default; a test states a short one
    const c = await connectClient(proxy.url, world.manager, join(dir, 'stall.sqlite'), {}, { stallMs: 1000 });
    clients.push(c);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    const { cycle } = await pushIntoResetLink(c, proxy, o.id, '정체 감지');
    await within('the cycle to give the dead push up', cycle);
    await within(
      'the outbox drained',
      syncUntil(c, () => c.engine.state().pending === 0, 'the outbox drained'),
    );
    expect(await headOffice(o.id)).toEqual({ remarks: '정체 감지', version: 2 });
  });

  it('a login to a head office whose link accepts and closes falls back to the offline login, in a process with nothing else to wait on', async () => {
    // A peer that accepts a connection and closes it leaves the first POST on it without an answer or an error;
    // only the request's own bound ends it. That bound must hold even when nothing else keeps the process
    // alive (the services worker at start-up, a child process): it once ended the process instead (exit 13).
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const dataDir = tempDir('login-bound-');
    const env = {
      SERVER_URL: proxy.url,
      USERNAME: world.manager.username,
      PASSWORD: world.manager.password,
      DATA_DIR: dataDir,
    };
    await runChild({ ...env, MODE: 'login' });
    proxy.setDown(true);
    const r = await runChild({ ...env, MODE: 'login' });
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ done: true, offline: true });
  });
});
