// Finding 2 of issue 17: the rows an op makes locally (its prediction: a split's child and its new line, serials,
// a pick-up) are reconciled against what the head office made when the op is answered — a predicted row the
// head office never created does not stay for ever.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitOrderLocally } from '../../main/channel-handlers/part-writes.js';
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
const dir = tempDir('predictions-');
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

describe('predicted rows', () => {
  it('a split kept as "mine" after the head office split the same line: the child holds the lines the head office made', async () => {
    const o = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [
        { itemCode: 'TV-55', itemName: 'TV', quantity: 2 },
        { itemCode: 'AC-100', itemName: '에어컨', quantity: 1 },
      ],
    });
    const line = o.lineIds[0]!;
    const c = await connectClient(server.url, world.manager, join(dir, 'split.sqlite'));
    clients.push(c);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    // offline: the clerk splits 1 of the line (a new line L' on the child, L reduced to 1)
    const childId = splitOrderLocally(c.store, { id: o.id, version: 1, lines: [{ lineId: line, quantity: 1 }] });
    // the head office splits 1 of the same line meanwhile
    const token = await server.login(world.hq.username);
    const hq = await server.request('POST', `/api/orders/${o.id}/split`, {
      token,
      body: { version: 1, lines: [{ lineId: line, quantity: 1 }] },
    });
    expect(hq.status).toBe(201);

    await c.engine.syncNow();
    const [conflict] = c.store.listConflicts();
    expect(conflict!.kind).toBe('order.split');
    // "mine": split 1 of L again — L now holds 1, so the head office moves the whole line L to the child
    c.store.resolveConflict(conflict!.id, { lines: 'mine' });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ conflicts: 0, pending: 0, failed: 0 });

    const { rows: headOffice } = await db.owner.query('SELECT id, quantity FROM order_lines WHERE order_id = $1', [
      childId,
    ]);
    expect(headOffice).toEqual([{ id: line, quantity: 1 }]);
    // the client's child has exactly those lines, not the predicted L' besides
    const user = { id: world.manager.id, role: 'BRANCH_MANAGER', branchId: world.branch.id, partnerId: null };
    await syncUntil(
      c,
      () =>
        (c.store.db.prepare('SELECT id FROM order_lines WHERE order_id = ?').all(childId) as { id: string }[])
          .map((r) => r.id)
          .join() === line,
      "the child's lines as the head office has them",
    );
    expect(differences(clientChecksums(c.store), await serverChecksums(db, user, c.store))).toEqual({});
  });
});
