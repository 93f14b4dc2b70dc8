// Finding 1 of issue 17: a client starting from nothing pages its snapshot; the head office edits an order the
// snapshot has not reached yet. The order must arrive with its lines, history, pick-ups and serials — the edit
// moves the order to a later window, but its children keep their old stamps.
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
const dir = tempDir('snapshot-');
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

describe('snapshot while the head office writes', () => {
  it('an order edited before the snapshot reaches it still arrives with all its children', async () => {
    const orders = [];
    for (let i = 0; i < 6; i++) {
      const o = await makeOrder(db.owner, {
        branchId: world.branch.id,
        lines: [
          { itemCode: 'AC-100', itemName: '에어컨', quantity: 2 },
          { itemCode: 'TV-55', itemName: 'TV', quantity: 1 },
        ],
      });
      await db.owner.query(
        `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
         SELECT id, created_at, 'P01', 1, branch_id FROM orders WHERE id = $1`,
        [o.id],
      );
      await db.owner.query(
        `INSERT INTO serial_numbers(order_id, order_created_at, order_line_id, serial)
         SELECT o.id, o.created_at, $2, $3 FROM orders o WHERE o.id = $1`,
        [o.id, o.lineIds[0], `SN-SNAP-${i}-${o.id.slice(0, 6)}`],
      );
      orders.push(o);
    }
    const c = await connectClient(server.url, world.manager, join(dir, 'snap.sqlite'), { pageSize: 16 });
    clients.push(c);

    // the first page of the snapshot (two orders with their children)
    let page = await c.http.pull(null, 16);
    expect(page.reset).toBe(true);
    c.store.applyPage(page);
    const seen = new Set(c.store.mirror.readAll('orders').map((r) => r.id as string));
    // the head office edits every order the snapshot has not delivered yet
    const later = orders.filter((o) => !seen.has(o.id));
    expect(later.length).toBeGreaterThan(0);
    for (const o of later) await db.owner.query(`UPDATE orders SET remarks = '스냅샷 중 수정' WHERE id = $1`, [o.id]);
    while (page.hasMore) {
      page = await c.http.pull(c.store.cursor(), 16);
      c.store.applyPage(page);
    }

    // the pulls that follow bring the edits; afterwards the copy equals the head office, children included
    await syncUntil(
      c,
      () => later.every((o) => c.store.getOrder(o.id)?.remarks === '스냅샷 중 수정'),
      'the edited orders',
    );
    for (const o of later) {
      const lines = c.store.db.prepare('SELECT count(*) AS n FROM order_lines WHERE order_id = ?').get(o.id) as {
        n: number;
      };
      expect(lines.n, `lines of ${o.orderNo}`).toBe(2);
    }
    const user = { id: world.manager.id, role: 'BRANCH_MANAGER', branchId: world.branch.id, partnerId: null };
    expect(differences(clientChecksums(c.store), await serverChecksums(db, user, c.store))).toEqual({});
  });
});
