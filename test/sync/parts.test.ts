// Serials, waste pick-ups (폐가전) and splits recorded while the head office is unreachable: local writes through
// the outbox (main/channel-handlers/part-writes.ts), pushed through the same services as the REST API once it is back.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWastePickup,
  editWastePickup,
  recordSerials,
  removeWastePickup,
  splitOrderLocally,
} from '../../main/channel-handlers/part-writes.js';
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
const dir = tempDir('parts-');
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

/** A client behind a proxy that can play the VPN going down. */
async function client(name: string): Promise<{ c: TestClient; proxy: TcpProxy }> {
  const proxy = await TcpProxy.start(server.url);
  proxies.push(proxy);
  const c = await connectClient(proxy.url, world.manager, join(dir, `${name}.sqlite`));
  clients.push(c);
  return { c, proxy };
}

const user = () => ({
  id: world.manager.id,
  role: 'BRANCH_MANAGER',
  branchId: world.branch.id,
  partnerId: null,
});

/** The client's copy equals what PostgreSQL shows its user, row for row (pulling until it does, or failing). */
async function sameAsHeadOffice(c: TestClient, what: string) {
  const until = Date.now() + 20_000;
  for (;;) {
    const diff = differences(clientChecksums(c.store), await serverChecksums(db, user(), c.store));
    if (Object.keys(diff).length === 0) return;
    if (Date.now() > until) expect(diff, what).toEqual({});
    await c.engine.syncNow();
    await new Promise((r) => setTimeout(r, 50));
  }
}

function localRows(c: TestClient, table: string, orderId: string) {
  return c.store.db.prepare(`SELECT * FROM ${table} WHERE order_id = ? ORDER BY id`).all(orderId) as Record<
    string,
    unknown
  >[];
}

describe('order parts offline', () => {
  it('serials, pick-ups added/edited/removed and a split made offline all reach the head office once it is back', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [
        { itemCode: 'AC-100', itemName: '에어컨', quantity: 3 },
        { itemCode: 'TV-55', itemName: 'TV', quantity: 2 },
      ],
    });
    const [acLine, tvLine] = o.lineIds as [string, string];
    // a pick-up the head office already has, removed offline
    const old = await db.owner.query<{ id: string }>(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
       SELECT id, created_at, 'P04', 1, branch_id FROM orders WHERE id = $1 RETURNING id`,
      [o.id],
    );
    const { c, proxy } = await client('all');
    await syncUntil(c, () => localRows(c, 'waste_pickups', o.id).length === 1, 'the order and its pick-up');

    proxy.setDown(true);
    recordSerials(c.store, world.manager.id, { id: o.id, lineId: acLine, serials: ['sn-ac-1', 'SN-AC-2'] });
    addWastePickup(c.store, { id: o.id, code: 'P01', quantity: 1 });
    const added = localRows(c, 'waste_pickups', o.id).find((w) => w.code === 'P01')!;
    editWastePickup(c.store, { wasteId: added.id as string, version: 1, quantity: 2 });
    removeWastePickup(c.store, { wasteId: old.rows[0]!.id, version: 1 });
    const childId = splitOrderLocally(c.store, {
      id: o.id,
      version: 1,
      lines: [{ lineId: tvLine, quantity: 1 }],
    });
    // an op on the row the split created, queued behind it
    c.store.localOrderOp({ kind: 'order.update', orderId: childId, payload: { remarks: '분할 후 메모' } });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ status: 'offline', pending: 6 });

    // what the clerk sees offline
    expect(localRows(c, 'serial_numbers', o.id).map((s) => s.serial)).toEqual(
      expect.arrayContaining(['SN-AC-1', 'SN-AC-2']),
    );
    expect(localRows(c, 'waste_pickups', o.id)).toMatchObject([{ code: 'P01', quantity: 2 }]);
    expect(c.store.getOrder(o.id)).toMatchObject({ pendingOps: expect.any(Number) });
    expect(c.store.getOrder(o.id)!.pendingOps).toBeGreaterThan(0);
    const child = c.store.getOrder(childId)!;
    expect(child).toMatchObject({ orderNo: `${o.orderNo}-S1`, status: '미배정', remarks: '분할 후 메모' });
    expect(child.pendingOps).toBeGreaterThan(0);
    expect(localRows(c, 'order_lines', childId)).toMatchObject([{ item_code: 'TV-55', quantity: 1 }]);
    expect(localRows(c, 'order_lines', o.id).find((l) => l.id === tvLine)).toMatchObject({ quantity: 1 });

    proxy.setDown(false);
    await syncUntil(c, () => c.store.counts().pending === 0, 'the outbox drained');
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });

    const serials = await db.owner.query('SELECT serial FROM serial_numbers WHERE order_id = $1 ORDER BY serial', [
      o.id,
    ]);
    expect(serials.rows.map((r) => r.serial)).toEqual(['SN-AC-1', 'SN-AC-2']);
    const waste = await db.owner.query('SELECT id, code, quantity, version FROM waste_pickups WHERE order_id = $1', [
      o.id,
    ]);
    expect(waste.rows).toEqual([{ id: added.id, code: 'P01', quantity: 2, version: 2 }]);
    const hqChild = await db.owner.query('SELECT order_no, remarks FROM orders WHERE id = $1', [childId]);
    expect(hqChild.rows).toEqual([{ order_no: `${o.orderNo}-S1`, remarks: '분할 후 메모' }]);
    const lines = await db.owner.query('SELECT order_id, item_code, quantity FROM order_lines WHERE item_code = $1', [
      'TV-55',
    ]);
    expect(lines.rows).toEqual(
      expect.arrayContaining([
        { order_id: o.id, item_code: 'TV-55', quantity: 1 },
        { order_id: childId, item_code: 'TV-55', quantity: 1 },
      ]),
    );
    const q = await db.owner.query(
      `SELECT op_kind, status FROM offline_sync_queue WHERE user_id = $1 ORDER BY created_at`,
      [world.manager.id],
    );
    expect(q.rows.map((r) => r.status)).toEqual(q.rows.map(() => 'SYNCED'));
    await sameAsHeadOffice(c, 'after the outage');
    expect(c.store.getOrder(childId)).toMatchObject({ orderNo: `${o.orderNo}-S1`, pendingOps: 0 });
  });

  it('an answer lost on the way back: the resend is SYNCED and nothing is recorded twice', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'WM-10', itemName: '세탁기', quantity: 2 }],
    });
    const { c, proxy } = await client('lost');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    recordSerials(c.store, world.manager.id, { id: o.id, lineId: o.lineIds[0]!, serials: ['WM-LOST-1'] });
    addWastePickup(c.store, { id: o.id, code: 'P02', quantity: 1 });
    proxy.cutResponses('POST /api/sync/push', 2);
    await c.engine.syncNow();
    expect(proxy.cutsDone).toBe(2);
    expect(c.engine.state()).toMatchObject({ status: 'offline', pending: 2 });

    await syncUntil(c, () => c.store.counts().pending === 0, 'the resend');
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    const counts = await db.owner.query(
      `SELECT (SELECT count(*)::int FROM serial_numbers WHERE order_id = $1) AS serials,
              (SELECT count(*)::int FROM waste_pickups WHERE order_id = $1) AS pickups`,
      [o.id],
    );
    expect(counts.rows[0]).toEqual({ serials: 1, pickups: 1 });
    await sameAsHeadOffice(c, 'after the resend');
    expect(localRows(c, 'serial_numbers', o.id)).toHaveLength(1);
    expect(localRows(c, 'waste_pickups', o.id)).toHaveLength(1);
  });

  it('a serial already on another order: FAILED naming that order, the queue goes on, the serial goes away locally', async () => {
    const mine = await makeOrder(db.owner, { branchId: world.branch.id });
    const { c, proxy } = await client('taken');
    await syncUntil(c, () => c.store.getOrder(mine.id) !== null, 'the order');

    proxy.setDown(true);
    recordSerials(c.store, world.manager.id, { id: mine.id, lineId: mine.lineIds[0]!, serials: ['DUP-777'] });
    addWastePickup(c.store, { id: mine.id, code: 'P03', quantity: 1 });
    // meanwhile another branch's installer records the same serial on its order
    const other = await createWorld(db.owner);
    const theirs = await makeOrder(db.owner, { branchId: other.branch.id });
    await db.owner.query(
      `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial) VALUES ($1, $2, $3, 'DUP-777')`,
      [theirs.lineIds[0], theirs.id, theirs.createdAtExact],
    );

    proxy.setDown(false);
    await syncUntil(c, () => c.store.counts().pending === 0, 'the outbox drained');
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 1 });
    const [f] = c.store.listFailed();
    expect(f).toMatchObject({ kind: 'serial.record', entityId: mine.id, error: { code: 'DUPLICATE' } });
    expect(f!.error.message).toContain(theirs.orderNo);
    // the pick-up behind it went through
    const waste = await db.owner.query('SELECT code FROM waste_pickups WHERE order_id = $1', [mine.id]);
    expect(waste.rows).toEqual([{ code: 'P03' }]);
    // the local copy is the head office's again: no serial on this order
    expect(localRows(c, 'serial_numbers', mine.id)).toEqual([]);
    expect(c.store.discardFailed(f!.opId)).toBe(true);
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    await sameAsHeadOffice(c, 'after the discard');
  });

  it('a split refused by the head office (its week got locked) is undone locally: the child and moved lines go back', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [
        { itemCode: 'RF-1', itemName: '냉장고', quantity: 1 },
        { itemCode: 'RF-2', itemName: '김치냉장고', quantity: 1 },
      ],
    });
    const { c, proxy } = await client('split-failed');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    proxy.setDown(true);
    const childId = splitOrderLocally(c.store, {
      id: o.id,
      version: 1,
      lines: [{ lineId: o.lineIds[1]!, quantity: 1 }],
    });
    expect(localRows(c, 'order_lines', childId)).toHaveLength(1);
    await db.owner.query(
      `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
       SELECT $1, d, d + 6, 'LOCKED', now() FROM (SELECT date_trunc('week', appointment_date)::date AS d
         FROM orders WHERE id = $2) w
       ON CONFLICT (branch_id, period_start) DO UPDATE SET status = 'LOCKED'`,
      [world.branch.id, o.id],
    );
    proxy.setDown(false);
    await syncUntil(c, () => c.store.counts().pending === 0, 'the outbox drained');
    const [f] = c.store.listFailed();
    expect(f).toMatchObject({ kind: 'order.split', error: { code: 'LOCKED' } });
    expect(c.store.getOrder(childId)).toBeNull();
    expect(localRows(c, 'order_lines', o.id)).toHaveLength(2);
    expect(c.store.getOrder(o.id)).toMatchObject({ version: 1, pendingOps: 0 });
    await db.owner.query(`UPDATE settlement_periods SET status = 'OPEN', locked_at = NULL WHERE branch_id = $1`, [
      world.branch.id,
    ]);
  });

  it('a pick-up edited at the head office meanwhile: CONFLICT in the list; the serials behind a changed line resolve as mine', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'DW-1', itemName: '식기세척기', quantity: 1 }],
    });
    const pickup = await db.owner.query<{ id: string }>(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
       SELECT id, created_at, 'P02', 1, branch_id FROM orders WHERE id = $1 RETURNING id`,
      [o.id],
    );
    const wasteId = pickup.rows[0]!.id;
    const { c, proxy } = await client('conflict');
    await syncUntil(c, () => localRows(c, 'waste_pickups', o.id).length === 1, 'the pick-up');

    proxy.setDown(true);
    editWastePickup(c.store, { wasteId, version: 1, quantity: 2 });
    recordSerials(c.store, world.manager.id, { id: o.id, lineId: o.lineIds[0]!, serials: ['DW-SN-1'] });
    // the head office changes both meanwhile: the pick-up, and the line the serials are recorded on (an edit of the
    // order alone would not make them a conflict: appends commute with it, test/sync/appends.test.ts)
    await db.owner.query('UPDATE waste_pickups SET quantity = 5 WHERE id = $1', [wasteId]);
    await db.owner.query(`UPDATE orders SET remarks = '본사 메모' WHERE id = $1`, [o.id]);
    await db.owner.query('UPDATE order_lines SET quantity = 2 WHERE id = $1', [o.lineIds[0]]);
    proxy.setDown(false);
    await syncUntil(c, () => c.store.counts().pending === 0, 'the answers');
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 2, failed: 0 });
    const conflicts = c.store.listConflicts();
    const waste = conflicts.find((x) => x.kind === 'waste.update')!;
    expect(waste.fields).toEqual([{ field: 'quantity', mine: 2, theirs: 5 }]);
    const serial = conflicts.find((x) => x.kind === 'serial.record')!;
    expect(serial.fields).toEqual([{ field: 'serials', mine: ['DW-SN-1'], theirs: null }]);
    // still shown as the clerk made them until decided
    expect(localRows(c, 'waste_pickups', o.id)).toMatchObject([{ quantity: 2 }]);
    expect(localRows(c, 'serial_numbers', o.id)).toMatchObject([{ serial: 'DW-SN-1' }]);

    c.store.resolveConflict(waste.id, { quantity: 'theirs' });
    c.store.resolveConflict(serial.id, { serials: 'mine' });
    await syncUntil(c, () => c.store.counts().pending === 0, 'the resolution');
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    const hq = await db.owner.query(
      `SELECT (SELECT quantity FROM waste_pickups WHERE id = $1) AS quantity,
              (SELECT count(*)::int FROM serial_numbers WHERE order_id = $2) AS serials`,
      [wasteId, o.id],
    );
    expect(hq.rows[0]).toEqual({ quantity: 5, serials: 1 });
    await sameAsHeadOffice(c, 'after resolving');
    expect(localRows(c, 'waste_pickups', o.id)).toMatchObject([{ quantity: 5 }]);
  });

  it('bad input is refused locally naming the field, and changes nothing', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'AC-9', itemName: '에어컨', quantity: 1 }],
    });
    const { c } = await client('bad');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    const line = o.lineIds[0]!;
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as { code: string; field?: string };
      }
      throw new Error('not refused');
    };
    expect(
      refused(() => recordSerials(c.store, world.manager.id, { id: o.id, lineId: line, serials: ['A1', 'A2'] })),
    ).toMatchObject({
      code: 'SERIAL_COUNT',
      field: 'serials',
    });
    expect(
      refused(() => recordSerials(c.store, world.manager.id, { id: o.id, lineId: line, serials: ['bad serial!'] })),
    ).toMatchObject({
      code: 'VALIDATION',
      field: 'serials.0',
    });
    expect(refused(() => addWastePickup(c.store, { id: o.id, code: 'Z99', quantity: 1 }))).toMatchObject({
      code: 'WASTE_CODE',
      field: 'code',
    });
    expect(refused(() => addWastePickup(c.store, { id: o.id, code: 'P01', quantity: -1 }))).toMatchObject({
      code: 'VALIDATION',
      field: 'quantity',
    });
    expect(
      refused(() => splitOrderLocally(c.store, { id: o.id, version: 1, lines: [{ lineId: line, quantity: 5 }] })),
    ).toMatchObject({
      code: 'SPLIT_QUANTITY',
      field: 'lines.0.quantity',
    });
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    expect(localRows(c, 'serial_numbers', o.id)).toEqual([]);
    expect(localRows(c, 'waste_pickups', o.id)).toEqual([]);
    expect(c.store.getOrder(o.id)).toMatchObject({ version: 1, pendingOps: 0 });

    // a cancelled order takes no serials or pick-ups (the head office's rule, checked here first)
    const cancelled = await makeOrder(db.owner, {
      branchId: world.branch.id,
      status: '취소',
      lines: [{ itemCode: 'AC-9', itemName: '에어컨', quantity: 1 }],
    });
    await syncUntil(c, () => c.store.getOrder(cancelled.id) !== null, 'the cancelled order');
    expect(
      refused(() =>
        recordSerials(c.store, world.manager.id, { id: cancelled.id, lineId: cancelled.lineIds[0]!, serials: ['C1'] }),
      ),
    ).toMatchObject({ code: 'ORDER_CLOSED', field: 'status' });
    expect(refused(() => addWastePickup(c.store, { id: cancelled.id, code: 'P01', quantity: 1 }))).toMatchObject({
      code: 'ORDER_CLOSED',
      field: 'status',
    });
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
  });
});
