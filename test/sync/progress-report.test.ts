// What the engine tells the clerk about long work and outages: a first sync reports orders received of the orders
// the snapshot brings (the head office counts them on the first page), and when the link returns after an outage
// the state carries a report of what was sent then, what conflicted and what the head office refused.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncState } from '../../domain/client-api.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectClient, makeOrder, type TestClient, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('progress-');
const cleanups: (() => Promise<unknown>)[] = [];
const orders: Awaited<ReturnType<typeof makeOrder>>[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
  for (let i = 0; i < 30; i++) orders.push(await makeOrder(db.owner, { branchId: world.branch.id }));
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await server?.stop();
  await db?.drop();
});

describe('first sync progress', () => {
  it('reports orders received of the total, page by page, and nothing once the copy is complete', async () => {
    // small pages: the snapshot takes several
    const c: TestClient = await connectClient(server.url, world.manager, join(dir, 'first.sqlite'), { pageSize: 40 });
    cleanups.push(() => c.close());
    const seen: NonNullable<SyncState['firstSync']>[] = [];
    c.engine.on('state', (s) => {
      if (s.firstSync) seen.push(s.firstSync);
    });
    const { rows } = await db.owner.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE branch_id = $1', [
      world.branch.id,
    ]);
    const total = rows[0]!.n;
    expect(total).toBeGreaterThanOrEqual(30);
    await c.engine.syncNow();
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((p) => p.total === total)).toBe(true);
    const done = seen.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done[0]).toBeLessThan(total);
    expect(c.engine.state().firstSync).toBeNull();
    // a later run is no snapshot: no progress
    seen.length = 0;
    await c.engine.syncNow();
    expect(seen).toEqual([]);
  });
});

describe('outage report', () => {
  it('after the link returns: since when, how many sent, conflicted and refused', async () => {
    const proxy = await TcpProxy.start(server.url);
    cleanups.push(() => proxy.close());
    const c: TestClient = await connectClient(proxy.url, world.manager, join(dir, 'outage.sqlite'));
    cleanups.push(() => c.close());
    await c.engine.syncNow();
    expect(c.engine.state().recovered).toBeNull();
    proxy.setDown(true);
    await c.engine.syncNow();
    const offline = c.engine.state();
    expect(offline.status).toBe('offline');
    expect(offline.offlineSince).not.toBeNull();
    // three edits while away: one goes through, one meets another clerk's edit, one the head office refuses
    const [a, b, d] = [orders[0]!, orders[1]!, orders[2]!];
    const edit = (id: string, payload: Record<string, unknown>, kind: 'order.update' | 'order.status') => {
      const v = c.store.getOrder(id)!.version;
      c.store.localOrderOp({ kind, orderId: id, payload, seenVersion: v });
    };
    edit(a.id, { customerPhone: '010-3000-0001' }, 'order.update');
    edit(b.id, { customerPhone: '010-3000-0002' }, 'order.update');
    // 미배정 → 출문 is no transition the head office takes
    edit(d.id, { status: '출문' }, 'order.status');
    await db.owner.query("UPDATE orders SET customer_phone = '010-9999-0002' WHERE id = $1", [b.id]);
    expect(c.engine.state().pending).toBe(3);
    await c.engine.syncNow();
    expect(c.engine.state().recovered).toBeNull();
    proxy.setDown(false);
    await c.engine.syncNow();
    const back = c.engine.state();
    expect(back.status).toBe('online');
    expect(back.recovered).toMatchObject({ since: offline.offlineSince, sent: 1, conflicts: 1, failed: 1 });
    expect(Date.parse(back.recovered!.until)).toBeGreaterThanOrEqual(Date.parse(back.recovered!.since));
    // the refusal names its order for the failures list
    const failed = c.store.listFailed();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      kind: 'order.status',
      payload: { status: '출문' },
      order: { id: d.id, orderNo: d.orderNo },
      resendable: true,
      error: { code: 'ILLEGAL_TRANSITION' },
    });
    expect(c.store.listConflicts()[0]!.order).toMatchObject({ id: b.id, orderNo: b.orderNo });
  });
});
