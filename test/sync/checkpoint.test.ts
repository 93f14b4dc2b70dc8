// Issue 17: divergence is detected and healed, not silent. After a pull run the client compares its copy with a
// checkpoint of what its scope should hold (per table, per bucket of rows), fetches the buckets that differ,
// repairs what was lost or altered, and tells the head office, which counts the repairs in /metrics.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('checkpoint-');
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

const user = () => ({ id: world.manager.id, role: 'BRANCH_MANAGER', branchId: world.branch.id, partnerId: null });

describe('checkpoint', () => {
  it('a copy that lost a row, kept an old version and holds a row the head office has not: repaired, counted', async () => {
    const orders = await Promise.all([1, 2, 3].map(() => makeOrder(db.owner, { branchId: world.branch.id })));
    const c = await connectClient(server.url, world.manager, join(dir, 'diverged.sqlite'));
    clients.push(c);
    await syncUntil(c, () => orders.every((o) => c.store.getOrder(o.id) !== null), 'the orders');

    // in sync: nothing to repair
    expect(await c.engine.verify()).toEqual({ repaired: 0 });

    // the copy diverges without any pull knowing: a line lost, an order held at an older version, a phantom
    c.store.db.prepare('DELETE FROM order_lines WHERE id = ?').run(orders[0]!.lineIds[0]);
    await db.owner.query(`UPDATE orders SET remarks = '본사 수정' WHERE id = $1`, [orders[1]!.id]);
    await syncUntil(c, () => c.store.getOrder(orders[1]!.id)?.remarks === '본사 수정', 'the edit');
    c.store.db.prepare(`UPDATE orders SET version = 1, remarks = NULL WHERE id = ?`).run(orders[1]!.id);
    const phantom = c.store.db.prepare('SELECT * FROM order_lines WHERE id = ?').get(orders[2]!.lineIds[0]) as Record<
      string,
      unknown
    >;
    c.store.mirror.write('order_lines', { ...phantom, id: '01930000-0000-7000-8000-0000000000aa' });
    expect(differences(clientChecksums(c.store), await serverChecksums(db, user(), c.store))).not.toEqual({});

    expect(await c.engine.verify()).toEqual({ repaired: 3 });
    expect(differences(clientChecksums(c.store), await serverChecksums(db, user(), c.store))).toEqual({});
    expect(c.store.getOrder(orders[1]!.id)?.remarks).toBe('본사 수정');

    const metrics = await server.request('GET', '/metrics');
    expect(metrics.body).toMatch(/sync_repairs_total\{entity="order_lines"\} 2/);
    expect(metrics.body).toMatch(/sync_repairs_total\{entity="orders"\} 1/);
  });

  it('local changes not yet sent are not "repaired" away', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await connectClient(server.url, world.manager, join(dir, 'pending.sqlite'));
    clients.push(c);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '아직 안 보냄' } });
    expect(await c.engine.verify()).toEqual({ repaired: 0 });
    expect(c.store.getOrder(o.id)?.remarks).toBe('아직 안 보냄');
  });
});
