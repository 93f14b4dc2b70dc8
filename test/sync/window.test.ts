// The client's window (issue 16, docs/sync-protocol.md "The window"): a branch client mirrors the open orders and
// those written in the last N months, with their children, and nothing older. Orders enter it when written at the
// head office (with all their children, whose stamps are old) and leave it when the bound passes them — but never
// while a local op holds them. Every copy is compared with PostgreSQL under row-level security ∩ the window
// (serverChecksums reads the window from the copy).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_STATUSES, ORDER_STATUSES, type OrderStatus } from '../../domain/order-status.js';
import { SYNC_WINDOW_DEFAULT_MONTHS } from '../../domain/sync-protocol.js';
import { HttpError } from '../../main/sync/http-client.js';
import { windowStart } from '../../server/sync/sync.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  clientChecksums,
  connectClient,
  differences,
  makeAgedOrder,
  makeOrder,
  serverChecksums,
  syncUntil,
  type TestClient,
  tempDir,
} from './support.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('window-');
const clients: TestClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.stop();
  await db?.drop();
});

/** An order of the branch created and last written that many days ago, with children (support.ts). */
function oldOrder(status: OrderStatus, createdDaysAgo: number, writtenDaysAgo = createdDaysAgo) {
  return makeAgedOrder(db.owner, { branchId: world.branch.id, status, createdDaysAgo, writtenDaysAgo });
}

const user = () => ({ id: world.manager.id, role: 'BRANCH_MANAGER', branchId: world.branch.id, partnerId: null });
const held = (c: TestClient) => new Set(c.store.mirror.readAll('orders').map((r) => r.id as string));
const childCount = (c: TestClient, table: string, orderId: string) =>
  (c.store.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE order_id = ?`).get(orderId) as { n: number }).n;

async function expectEqualToHeadOffice(c: TestClient) {
  expect(differences(clientChecksums(c.store), await serverChecksums(db, user(), c.store))).toEqual({});
}

describe('the window', () => {
  it('the migrations list the domain open statuses (head office index, client index)', () => {
    const head = readFileSync(
      join(import.meta.dirname, '../../db/migrations/0138_orders_sync_open_predicate.sql'),
      'utf8',
    );
    const quoted = (list: readonly string[]) => list.map((s) => `'${s}'`).join(', ');
    expect(head).toContain(`RETURN p_status IN (${quoted(OPEN_STATUSES)});`);
    const client = readFileSync(join(import.meta.dirname, '../../db/client/009_sync_window.sql'), 'utf8');
    expect(client).toContain(`WHERE status IN (${quoted(ORDER_STATUSES.filter((s) => !OPEN_STATUSES.includes(s)))})`);
    expect(OPEN_STATUSES).toEqual(['미배정', '배정', '배정확정', '출고확정', '출문', '연기', '부재']);
  });

  it('the bound is a KST midnight N months back, the same all day', () => {
    expect(windowStart(3, new Date('2026-12-07T21:00:00Z'))).toBe('2026-09-07T15:00:00+00:00');
    expect(windowStart(3, new Date('2026-12-07T14:59:00Z'))).toBe('2026-09-06T15:00:00+00:00');
    // from the 31st: the 28th of the month N back, never a day spilling into the month after it
    expect(windowStart(3, new Date('2026-05-31T03:00:00Z'))).toBe('2026-02-27T15:00:00+00:00');
  });

  let recentClosed: Awaited<ReturnType<typeof oldOrder>>;
  let oldClosed: Awaited<ReturnType<typeof oldOrder>>;
  let oldOpen: Awaited<ReturnType<typeof oldOrder>>;
  let oldReopened: Awaited<ReturnType<typeof oldOrder>>;
  let twoMonths: Awaited<ReturnType<typeof oldOrder>>;
  let twoMonthsWithOp: Awaited<ReturnType<typeof oldOrder>>;
  let recentNew: Awaited<ReturnType<typeof makeOrder>>;
  let c: TestClient;

  it('a first sync holds only the window: open orders of any age, orders written in the last N months', async () => {
    recentClosed = await oldOrder('인수', 20, 10);
    oldClosed = await oldOrder('인수', 200);
    oldOpen = await oldOrder('연기', 200);
    oldReopened = await oldOrder('취소', 300);
    // created long ago, written 60 days ago: in the window by its last write
    twoMonths = await oldOrder('인수', 400, 60);
    twoMonthsWithOp = await oldOrder('인수', 400, 60);
    recentNew = await makeOrder(db.owner, { branchId: world.branch.id });

    c = await connectClient(server.url, world.manager, join(dir, 'first.sqlite'), { pageSize: 20 });
    clients.push(c);
    expect(c.store.windowMonths()).toBe(SYNC_WINDOW_DEFAULT_MONTHS);
    await c.engine.syncNow();
    const ids = held(c);
    for (const o of [recentClosed, oldOpen, twoMonths, twoMonthsWithOp, recentNew])
      expect(ids, o.orderNo).toContain(o.id);
    for (const o of [oldClosed, oldReopened]) expect(ids, o.orderNo).not.toContain(o.id);
    expect(c.store.windowFrom()).toBe(windowStart(3));
    // the old open order came with its children; nothing of the orders outside
    expect(childCount(c, 'order_lines', oldOpen.id)).toBe(2);
    expect(childCount(c, 'serial_numbers', oldOpen.id)).toBe(1);
    expect(childCount(c, 'waste_pickups', oldOpen.id)).toBe(1);
    for (const t of ['order_lines', 'serial_numbers', 'waste_pickups', 'order_status_history'])
      expect(childCount(c, t, oldClosed.id), t).toBe(0);
    await expectEqualToHeadOffice(c);

    // the same user with the whole scope (no window) gets every order
    const all = await connectClient(server.url, world.manager, join(dir, 'all.sqlite'), { window: null });
    clients.push(all);
    await all.engine.syncNow();
    expect(held(all)).toContain(oldClosed.id);
    expect(all.store.windowFrom()).toBeNull();
    await expectEqualToHeadOffice(all);
  });

  it('children written at the head office to an order outside the window do not come', async () => {
    await db.owner.query(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
       SELECT id, created_at, 'P02', 1, branch_id FROM orders WHERE id = $1`,
      [oldClosed.id],
    );
    await c.engine.syncNow();
    expect(childCount(c, 'waste_pickups', oldClosed.id)).toBe(0);
    await expectEqualToHeadOffice(c);
  });

  it('an old order edited or reopened at the head office enters the window with all its children', async () => {
    await db.owner.query(`UPDATE orders SET remarks = '본사 수정' WHERE id = $1`, [oldClosed.id]);
    await db.owner.query(`UPDATE orders SET status = '미배정' WHERE id = $1`, [oldReopened.id]);
    await syncUntil(c, () => held(c).has(oldClosed.id) && held(c).has(oldReopened.id), 'the two old orders');
    expect(c.store.getOrder(oldClosed.id)?.remarks).toBe('본사 수정');
    expect(childCount(c, 'order_lines', oldClosed.id)).toBe(2);
    expect(childCount(c, 'serial_numbers', oldClosed.id)).toBe(1);
    // both pick-ups: the one of the load and the one added while it was outside
    expect(childCount(c, 'waste_pickups', oldClosed.id)).toBe(2);
    expect(childCount(c, 'order_lines', oldReopened.id)).toBe(2);
    expect(childCount(c, 'order_status_history', oldReopened.id)).toBeGreaterThan(0);
    await expectEqualToHeadOffice(c);
  });

  it('fewer months: orders that left are dropped with their children, but not while a local op holds them', async () => {
    // an op the clerk made on one of them, not sent yet
    c.store.localOrderOp({ kind: 'order.update', orderId: twoMonthsWithOp.id, payload: { remarks: '지점 메모' } });
    c.store.setWindowMonths(1);
    // pull only (the op stays in the outbox)
    let page = await c.http.pull(c.store.cursor(), 100, undefined, 1);
    c.store.applyPage(page);
    while (page.hasMore) {
      page = await c.http.pull(c.store.cursor(), 100, undefined, 1);
      c.store.applyPage(page);
    }
    expect(page.reset).toBe(false);
    expect(c.store.windowFrom()).toBe(windowStart(1));
    const ids = held(c);
    expect(ids).not.toContain(twoMonths.id);
    for (const t of ['order_lines', 'serial_numbers', 'waste_pickups', 'order_status_history'])
      expect(childCount(c, t, twoMonths.id), t).toBe(0);
    // held by its op: the order and its children stay, as the clerk left them
    expect(ids).toContain(twoMonthsWithOp.id);
    expect(c.store.getOrder(twoMonthsWithOp.id)?.remarks).toBe('지점 메모');
    expect(childCount(c, 'order_lines', twoMonthsWithOp.id)).toBe(2);
    expect(c.store.counts().pending).toBe(1);
    for (const o of [recentClosed, oldOpen, recentNew, oldClosed, oldReopened]) expect(ids, o.orderNo).toContain(o.id);

    // the checkpoint compares the window only: the held order is no divergence, and nothing is "repaired" away
    expect((await c.engine.verify()).repaired).toBe(0);
    expect(childCount(c, 'order_lines', twoMonthsWithOp.id)).toBe(2);

    // the op is sent: the head office writes the order, which brings it into the window; the copy equals it
    await syncUntil(c, () => c.store.counts().pending === 0, 'the op');
    expect(c.store.counts()).toMatchObject({ conflicts: 0, failed: 0 });
    await c.engine.syncNow();
    expect(c.store.getOrder(twoMonthsWithOp.id)?.remarks).toBe('지점 메모');
    await expectEqualToHeadOffice(c);
  });

  it('more months: a fresh snapshot brings the orders the wider window holds, with their children', async () => {
    c.store.setWindowMonths(3);
    await c.engine.syncNow();
    expect(c.store.windowFrom()).toBe(windowStart(3));
    expect(held(c)).toContain(twoMonths.id);
    expect(childCount(c, 'order_lines', twoMonths.id)).toBe(2);
    expect(childCount(c, 'waste_pickups', twoMonths.id)).toBe(1);
    await expectEqualToHeadOffice(c);
  });

  it('a windowed snapshot paged while the head office writes: orders moving ahead are still delivered, with children', async () => {
    // old open orders (part 0 of the snapshot, by id) that the head office edits after the first page: they move
    // to part 1 (written since the bound); and recent ones edited after delivery come again
    const openOld: Awaited<ReturnType<typeof oldOrder>>[] = [];
    for (let i = 0; i < 5; i++) openOld.push(await oldOrder('부재', 150 + i));
    const s = await connectClient(server.url, world.manager, join(dir, 'paged.sqlite'));
    clients.push(s);
    let page = await s.http.pull(null, 16, undefined, 3);
    expect(page.reset).toBe(true);
    s.store.applyPage(page);
    for (const o of openOld) await db.owner.query(`UPDATE orders SET remarks = '스냅샷 중' WHERE id = $1`, [o.id]);
    while (page.hasMore) {
      page = await s.http.pull(s.store.cursor(), 16, undefined, 3);
      s.store.applyPage(page);
    }
    for (const o of openOld) {
      expect(held(s), o.orderNo).toContain(o.id);
      expect(childCount(s, 'order_lines', o.id)).toBe(2);
      expect(childCount(s, 'serial_numbers', o.id)).toBe(1);
    }
    await syncUntil(s, () => openOld.every((o) => s.store.getOrder(o.id)?.remarks === '스냅샷 중'), 'the edits');
    await expectEqualToHeadOffice(s);
  });

  it('the setting is checked: months outside 1–60 are refused and change nothing', () => {
    expect(() => c.store.setWindowMonths(0)).toThrow();
    expect(() => c.store.setWindowMonths(61)).toThrow();
    expect(() => c.store.setWindowMonths(2.5)).toThrow();
    expect(c.store.windowMonths()).toBe(3);
  });

  it('a malformed window is a 400 naming it', async () => {
    const err = await c.http.request('GET', '/api/sync/changes', { query: { window: 0 } }).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(400);
    expect((err as HttpError).field).toBe('window');
  });
});
