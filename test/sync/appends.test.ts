// Issue 17: appends commute. Serials and pick-ups added offline are checked against what they depend on, not
// against every change of the order: an unrelated head-office edit (remarks, appointment) meanwhile does not make
// them a CONFLICT. A real conflict (the line the serials are counted against changed) still reaches the clerk,
// and the client's base is not advanced past head-office changes it has not seen.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWastePickup, recordSerials } from '../../main/channel-handlers/part-writes.js';
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
const dir = tempDir('appends-');
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

async function client(name: string) {
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

describe('appends commute with unrelated edits', () => {
  it('serials and a pick-up added offline while the head office edits the remarks: applied, no conflict', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'AC-100', itemName: '에어컨', quantity: 2 }],
    });
    const c = await client('commute');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    recordSerials(c.store, world.manager.id, { id: o.id, lineId: o.lineIds[0]!, serials: ['CM-SN-1'] });
    addWastePickup(c.store, { id: o.id, code: 'P01', quantity: 1 });
    await db.owner.query(`UPDATE orders SET remarks = '본사 메모' WHERE id = $1`, [o.id]);
    await c.engine.syncNow();

    expect(c.engine.state()).toMatchObject({ pending: 0, conflicts: 0, failed: 0 });
    const { rows } = await db.owner.query(
      `SELECT (SELECT count(*)::int FROM serial_numbers WHERE order_id = $1) AS serials,
              (SELECT count(*)::int FROM waste_pickups WHERE order_id = $1) AS pickups,
              (SELECT remarks FROM orders WHERE id = $1) AS remarks`,
      [o.id],
    );
    expect(rows[0]).toEqual({ serials: 1, pickups: 1, remarks: '본사 메모' });
    await sameAsHeadOffice(c, 'appends and the edit');
    expect(c.store.getOrder(o.id)?.remarks).toBe('본사 메모');
  });

  it('serials on a line the head office changed meanwhile: still a CONFLICT for the clerk', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [{ itemCode: 'AC-100', itemName: '에어컨', quantity: 2 }],
    });
    const c = await client('line-changed');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    recordSerials(c.store, world.manager.id, { id: o.id, lineId: o.lineIds[0]!, serials: ['CM-SN-2'] });
    await db.owner.query('UPDATE order_lines SET quantity = 3 WHERE id = $1', [o.lineIds[0]]);
    await db.owner.query(`UPDATE orders SET remarks = '수량 변경' WHERE id = $1`, [o.id]);
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ pending: 0, conflicts: 1, failed: 0 });
    expect(c.store.listConflicts()[0]!.kind).toBe('serial.record');
  });

  it("an edit queued behind an append is checked against the version the clerk saw, not the head office's newer one", async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await client('base');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    addWastePickup(c.store, { id: o.id, code: 'P02', quantity: 1 });
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '지점 메모' } });
    await db.owner.query(`UPDATE orders SET remarks = '본사 메모' WHERE id = $1`, [o.id]);
    await c.engine.syncNow();

    // the pick-up applied; the clerk's remarks did not silently overwrite the head office's
    expect(c.engine.state()).toMatchObject({ pending: 0, conflicts: 1, failed: 0 });
    const [conflict] = c.store.listConflicts();
    expect(conflict!.fields).toEqual([{ field: 'remarks', mine: '지점 메모', theirs: '본사 메모' }]);
    const { rows } = await db.owner.query(
      'SELECT remarks, (SELECT count(*)::int FROM waste_pickups WHERE order_id = $1) AS pickups FROM orders WHERE id = $1',
      [o.id],
    );
    expect(rows[0]).toEqual({ remarks: '본사 메모', pickups: 1 });
  });
});
