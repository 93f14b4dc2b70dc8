// Orders outside the client's window (issue 16): the real services worker against the real head office. The
// copy holds the window only; the grid's search and the customer history ask the head office for older orders
// while online and show them without storing them; offline they say older orders are not kept on this PC. The
// window's months are a setting (1–60) that changes what the copy holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserShell, startBrowserShell } from '../../main/browser-shell/shell-server.js';
import { FileStore, filesDir } from '../../main/channel-handlers/file-store.js';
import { type ServicesWorker, startServicesWorker } from '../../main/services/worker-host.js';
import { createHttpApi } from '../../renderer/platform/http-api.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createUser, type UserFixture } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makeAgedOrder, makeOrder } from '../sync/support.js';

let db: TestDatabase;
let server: TestServer;
let worker: ServicesWorker;
let browser: BrowserShell;
let api: ReturnType<typeof createHttpApi>;
let manager: UserFixture;
let recent: { id: string; orderNo: string };
let old: { id: string; orderNo: string };

beforeAll(async () => {
  db = await createTestDatabase();
  const branch = await createBranch(db.owner, { name: '창구지점' });
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  recent = await makeOrder(db.owner, { branchId: branch.id, customerName: '김단골' });
  old = await makeAgedOrder(db.owner, { branchId: branch.id, status: '인수', createdDaysAgo: 200 });
  await db.owner.query(`UPDATE orders SET customer_name = '김단골' WHERE id = $1`, [old.id]);
  // the rename stamped it: age it again, as a load would (triggers off)
  const c = await db.owner.connect();
  await c.query('BEGIN');
  await c.query('SET LOCAL session_replication_role = replica');
  await c.query(`UPDATE orders SET updated_at = now() - interval '200 days' WHERE id = $1`, [old.id]);
  await c.query('COMMIT');
  c.release();
  server = await startTestServer(db);
  const dataDir = mkdtempSync(join(tmpdir(), 'older-'));
  worker = await startServicesWorker({
    dataDir,
    engine: { pullIntervalMs: 300, backoff: { baseMs: 50, maxMs: 300 } },
    handlerModules: [new URL('../../main/channel-handlers/screen-handlers.ts', import.meta.url).href],
  });
  browser = await startBrowserShell({
    handlers: worker.handlers,
    events: worker,
    files: new FileStore(filesDir(dataDir)),
    rendererDir: '/nonexistent',
  });
  api = createHttpApi({ baseUrl: browser.origin, token: browser.token, retryMs: 50 });
}, 120_000);

afterAll(async () => {
  api?.close();
  await browser?.close();
  await worker?.close();
  await server?.stop();
  await db?.drop();
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

const copyIds = async () => {
  const r = await api['orders:list']({});
  return r.ok ? r.value.map((o) => o.id) : [];
};

describe('orders outside the window', () => {
  it('the copy holds the window: the recent order, not the one closed 200 days ago', async () => {
    const login = await api['auth:login']({
      serverUrl: server.url,
      username: manager.username,
      password: manager.password,
    });
    expect(login.ok).toBe(true);
    await until(copyIds, (ids) => ids.includes(recent.id), 'the recent order mirrored');
    expect(await copyIds()).not.toContain(old.id);
    const setting = await api['settings:syncWindow']({});
    expect(setting.ok && setting.value.months).toBe(3);
    expect(setting.ok && setting.value.from).not.toBeNull();
  });

  it("the customer's history asks the head office for older orders, and shows them without keeping them", async () => {
    const r = await api['older:search']({ name: '김단골' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.available).toBe(true);
    // the recent one is the copy's (shown from it), the old one comes from the head office
    expect(r.value.items.map((o) => o.orderNo)).toEqual([old.orderNo]);
    expect(r.value.items[0]).toMatchObject({ status: '인수', customerName: '김단골' });
    expect(r.value.items[0]!.items).toContain('에어컨');
    expect(await copyIds()).not.toContain(old.id);
    const detail = await api['detail:get']({ id: old.id });
    expect(detail.ok).toBe(false);
  });

  it("the grid's search asks the head office too (order number)", async () => {
    const r = await api['older:search']({ text: old.orderNo });
    expect(r.ok && r.value.items.map((o) => o.id)).toEqual([old.id]);
    expect(await copyIds()).not.toContain(old.id);
  });

  it('bad input is refused naming the field, and changes nothing', async () => {
    const both = await api['older:search']({ name: '김단골', text: 'x' });
    expect(!both.ok && both.error.field).toBe('text');
    const zero = await api['settings:syncWindow']({ months: 0 });
    expect(!zero.ok && zero.error.field).toBe('months');
    const r = await api['settings:syncWindow']({});
    expect(r.ok && r.value.months).toBe(3);
  });

  it('more months: the copy takes the old order in (a fresh snapshot), and the search no longer lists it as older', async () => {
    const r = await api['settings:syncWindow']({ months: 12 });
    expect(r.ok && r.value.months).toBe(12);
    await until(copyIds, (ids) => ids.includes(old.id), 'the old order in the wider window');
    const detail = await api['detail:get']({ id: old.id });
    expect(detail.ok && detail.value.lines.length).toBe(2);
    const older = await api['older:search']({ name: '김단골' });
    expect(older.ok && older.value.items).toEqual([]);
    // and back to 3: it leaves again
    await api['settings:syncWindow']({ months: 3 });
    await until(copyIds, (ids) => !ids.includes(old.id), 'the old order dropped');
  });

  it('offline: older orders are not available (the screens say so), nothing fails', async () => {
    await server.stop();
    const r = await api['older:search']({ name: '김단골' });
    expect(r).toEqual({ ok: true, value: { available: false, items: [] } });
  });
});
