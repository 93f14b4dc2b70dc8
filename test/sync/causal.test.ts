// Finding 3 of issue 17: an op on a row that another op made (a pick-up added offline, a split's child) waits
// behind that op while it is unresolved (a CONFLICT the clerk has not decided), and is then sent, dropped or
// rebased with it — never sent ahead of it (FAILED NOT_FOUND, and the edit lost once the clerk keeps "mine").
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWastePickup, editWastePickup, splitOrderLocally } from '../../main/channel-handlers/part-writes.js';
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
const dir = tempDir('causal-');
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

async function client(name: string): Promise<TestClient> {
  const c = await connectClient(server.url, world.manager, join(dir, `${name}.sqlite`));
  clients.push(c);
  return c;
}

async function sameAsHeadOffice(c: TestClient, what: string) {
  const user = { id: world.manager.id, role: 'BRANCH_MANAGER', branchId: world.branch.id, partnerId: null };
  const until = Date.now() + 20_000;
  for (;;) {
    const diff = differences(clientChecksums(c.store), await serverChecksums(db, user, c.store));
    if (Object.keys(diff).length === 0) return;
    if (Date.now() > until) expect(diff, what).toEqual({});
    await c.engine.syncNow();
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The head office edits the order meanwhile (remarks: unrelated to what the clerk did, but a new version). */
async function headOfficeEdits(orderId: string) {
  await db.owner.query(`UPDATE orders SET remarks = '본사 메모' WHERE id = $1`, [orderId]);
}

async function pickups(orderId: string) {
  const { rows } = await db.owner.query('SELECT id, code, quantity FROM waste_pickups WHERE order_id = $1', [orderId]);
  return rows;
}

function localPickups(c: TestClient, orderId: string) {
  return c.store.db.prepare('SELECT id, code, quantity FROM waste_pickups WHERE order_id = ?').all(orderId) as {
    id: string;
    code: string;
    quantity: number;
  }[];
}

/** Offline: a split of one unit of the order's first line, then an edit of the child it makes. */
function splitThenEditChild(c: TestClient, o: { id: string; lineIds: string[] }) {
  const childId = splitOrderLocally(c.store, { id: o.id, version: 1, lines: [{ lineId: o.lineIds[0]!, quantity: 1 }] });
  c.store.localOrderOp({ kind: 'order.update', orderId: childId, payload: { remarks: '분할 후 메모' } });
  return childId;
}

async function exists(id: string): Promise<boolean> {
  return (await db.owner.query('SELECT 1 FROM orders WHERE id = $1', [id])).rows.length > 0;
}

describe('causal order of ops', () => {
  it('an edit of a pick-up behind its refused add is not sent: both in the failed list, the second saying why', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await client('pickup-refused');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    addWastePickup(c.store, { id: o.id, code: 'P01', quantity: 1 });
    const added = localPickups(c, o.id)[0]!;
    editWastePickup(c.store, { wasteId: added.id, version: 1, quantity: 3 });
    // the head office records a P01 pick-up on the order meanwhile: the clerk's add is refused (one per code)
    await db.owner.query(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
       SELECT id, created_at, 'P01', 2, branch_id FROM orders WHERE id = $1`,
      [o.id],
    );
    await c.engine.syncNow();

    expect(c.engine.state()).toMatchObject({ conflicts: 0, pending: 0, failed: 2 });
    const failed = c.store.listFailed();
    expect(failed.map((f) => [f.kind, f.error.code])).toEqual([
      ['waste.add', 'DUPLICATE'],
      ['waste.update', 'DEPENDS_ON_FAILED'],
    ]);
    expect((await pickups(o.id)).map((p) => p.quantity)).toEqual([2]);
    await sameAsHeadOffice(c, "the head office's pick-up only");
  });

  it('dropping a conflicted split ("theirs") takes the edit of its child with it, shown as failed', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'TV-55', itemName: 'TV', quantity: 2 }],
    });
    const c = await client('split-theirs');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    const childId = splitThenEditChild(c, o);
    await headOfficeEdits(o.id);
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ conflicts: 1, pending: 1, failed: 0 });

    const [conflict] = c.store.listConflicts();
    c.store.resolveConflict(conflict!.id, { lines: 'theirs' });
    await c.engine.syncNow();
    // nothing of it reached the head office, and nothing was dropped silently: the edit is listed with why
    expect(await exists(childId)).toBe(false);
    expect(c.engine.state()).toMatchObject({ conflicts: 0, pending: 0, failed: 1 });
    expect(c.store.listFailed()[0]).toMatchObject({ kind: 'order.update', error: { code: 'DEPENDS_ON_DROPPED' } });
    expect(c.store.getOrder(childId)).toBeNull();
    await sameAsHeadOffice(c, 'no child');
  });

  it("an edit of a split's child waits behind the conflicted split and applies after it", async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'TV-55', itemName: 'TV', quantity: 2 }],
    });
    const c = await client('split-child');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    const childId = splitThenEditChild(c, o);
    await headOfficeEdits(o.id);
    await c.engine.syncNow();

    // the split is a CONFLICT; the edit of the child it makes was not sent ahead of it (NOT_FOUND)
    expect(c.engine.state()).toMatchObject({ conflicts: 1, pending: 1, failed: 0 });
    expect(await exists(childId)).toBe(false);

    const [conflict] = c.store.listConflicts();
    c.store.resolveConflict(conflict!.id, { lines: 'mine' });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ conflicts: 0, pending: 0, failed: 0 });
    const { rows } = await db.owner.query('SELECT remarks FROM orders WHERE id = $1', [childId]);
    expect(rows).toEqual([{ remarks: '분할 후 메모' }]);
    await sameAsHeadOffice(c, 'the split and its edited child');
  });
});
