// Issue 17: ops still in a client's outbox are visible to the head office — each pull reports how many wait
// (pending, in conflict, refused) and since when, and the queue monitor shows it per client.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitOrderLocally } from '../../main/channel-handlers/part-writes.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectClient, makeOrder, syncUntil, type TestClient, tempDir } from './support.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
let other: World;
const dir = tempDir('outbox-report-');
const clients: TestClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
  other = await createWorld(db.owner);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.stop();
  await db?.drop();
});

describe("the client's outbox at the head office", () => {
  it('a client holding ops behind a conflict reports them; HQ and its branch manager see it, another branch not', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'TV-55', itemName: 'TV', quantity: 2 }],
    });
    const c = await connectClient(server.url, world.manager, join(dir, 'report.sqlite'));
    clients.push(c);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    // a split and an edit of its child made offline while the head office edits the order: the split is a
    // CONFLICT and the edit waits behind it
    const childId = splitOrderLocally(c.store, {
      id: o.id,
      version: 1,
      lines: [{ lineId: o.lineIds[0]!, quantity: 1 }],
    });
    c.store.localOrderOp({ kind: 'order.update', orderId: childId, payload: { remarks: '분할 후' } });
    await db.owner.query(`UPDATE orders SET remarks = '본사' WHERE id = $1`, [o.id]);
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ pending: 1, conflicts: 1 });
    // waiting since: the older of the edit's making and the add's conflict
    const waitingSince = (
      c.store.db
        .prepare(
          'SELECT min(t) AS t FROM (SELECT created_at AS t FROM outbox UNION ALL SELECT created_at FROM conflicts)',
        )
        .get() as { t: string }
    ).t;

    const hq = await server.login(world.hq.username);
    const res = await server.request('GET', '/api/sync/queue', { token: hq });
    expect(res.status).toBe(200);
    const mine = res.body.clients.filter((r: { clientId: string }) => r.clientId === c.store.clientId());
    expect(mine).toEqual([
      expect.objectContaining({
        userId: world.manager.id,
        username: world.manager.username,
        branchId: world.branch.id,
        pending: 1,
        conflicts: 1,
        failed: 0,
        oldestPendingAt: new Date(waitingSince).toISOString(),
      }),
    ]);
    // a branch manager sees their branch's clients only
    const own = await server.request('GET', '/api/sync/queue', { token: await server.login(world.manager.username) });
    expect(own.body.clients.map((r: { clientId: string }) => r.clientId)).toContain(c.store.clientId());
    const foreign = await server.request('GET', '/api/sync/queue', {
      token: await server.login(other.manager.username),
    });
    expect(foreign.body.clients).toEqual([]);

    // resolved and sent: the next report says nothing waits
    const [conflict] = c.store.listConflicts();
    c.store.resolveConflict(conflict!.id, { lines: 'mine' });
    await c.engine.syncNow();
    const after = await server.request('GET', '/api/sync/queue', { token: hq });
    expect(after.body.clients.find((r: { clientId: string }) => r.clientId === c.store.clientId())).toMatchObject({
      pending: 0,
      conflicts: 0,
      oldestPendingAt: null,
    });
  });

  it('a malformed report is refused naming the field, and changes nothing', async () => {
    const token = await server.login(world.manager.username);
    const res = await server.request('GET', '/api/sync/changes?clientId=x&pending=-1', { token });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('pending');
  });
});
