// The pull: what a branch client receives, against the real server and PostgreSQL.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_ENTITIES, type SyncEntity } from '../../domain/sync-protocol.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createUser, createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  clientChecksums,
  connectClient,
  differences,
  makeOrder,
  type RlsUser,
  serverChecksums,
  syncUntil,
  type TestClient,
  tempDir,
} from './support.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
let other: World;
const dir = tempDir('pull-');
const clients: TestClient[] = [];
const open: pg.Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
  other = await createWorld(db.owner);
});
afterAll(async () => {
  for (const c of open) await c.end().catch(() => {});
  for (const c of clients) await c.close();
  await server?.stop();
  await db?.drop();
});

async function client(user: World['manager'], name: string, pageSize = 1000): Promise<TestClient> {
  const c = await connectClient(server.url, user, join(dir, `${name}.sqlite`), { pageSize });
  clients.push(c);
  return c;
}

function rlsUser(u: World['manager']): RlsUser {
  return { id: u.id, role: u.role, branchId: u.branchId, partnerId: u.partnerId };
}

/** An owner connection with an open transaction that has taken its transaction id. */
async function openTransaction(): Promise<{ c: pg.Client; xid: bigint }> {
  const c = new pg.Client({ connectionString: db.ownerUrl });
  await c.connect();
  open.push(c);
  await c.query('BEGIN');
  const { rows } = await c.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x');
  return { c, xid: BigInt(rows[0]!.x) };
}

describe('pull', () => {
  it('a first pull, paged, brings exactly what the branch manager may see, and nothing of another branch', async () => {
    for (let i = 0; i < 7; i++) await makeOrder(db.owner, { branchId: world.branch.id });
    const foreign = await makeOrder(db.owner, { branchId: other.branch.id });
    const c = await client(world.manager, 'snapshot', 3);
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ status: 'online', lastError: null });
    expect(c.store.listOrders().length).toBeGreaterThanOrEqual(7);
    expect(c.store.getOrder(foreign.id)).toBeNull();
    const diff = differences(clientChecksums(c.store), await serverChecksums(db, rlsUser(world.manager), c.store));
    expect(diff).toEqual({});
  });

  it('late commit: an order written by a transaction still open at a pull arrives with a later pull', async () => {
    const c = await client(world.manager, 'late');
    await c.engine.syncNow();
    const a = await openTransaction();
    const late = await makeOrder(a.c, { branchId: world.branch.id, customerName: '늦은 커밋' });
    // B: started after A, committed before it (an updated_at or sequence cursor would now pass A by)
    const early = await makeOrder(db.owner, { branchId: world.branch.id, customerName: '먼저 커밋' });
    await c.engine.syncNow();
    expect(c.engine.state().status).toBe('online');
    await a.c.query('COMMIT');
    await syncUntil(
      c,
      () => c.store.getOrder(late.id) !== null && c.store.getOrder(early.id) !== null,
      'the late order and the early one',
    );
    expect(c.store.getOrder(late.id)).toMatchObject({ customerName: '늦은 커밋', items: '소형 가전 GEN-100 ×1' });
  });

  it('three transactions: C (older) and A open, B updates order 2 and commits, C updates order 1 and commits, pull, A commits, pull → order 2 arrives', async () => {
    const o1 = await makeOrder(db.owner, { branchId: world.branch.id, customerName: '주문 1' });
    const o2 = await makeOrder(db.owner, { branchId: world.branch.id, customerName: '주문 2' });
    const c = await client(world.manager, 'three');
    await syncUntil(c, () => c.store.getOrder(o2.id) !== null, 'both orders');

    const C = await openTransaction();
    const A = await openTransaction();
    expect(C.xid).toBeLessThan(A.xid);
    const B = await openTransaction();
    expect(B.xid).toBeGreaterThan(A.xid);
    await B.c.query("UPDATE orders SET remarks = 'B' WHERE id = $1", [o2.id]);
    await B.c.query('COMMIT');
    await C.c.query("UPDATE orders SET remarks = 'C' WHERE id = $1", [o1.id]);
    await C.c.query('COMMIT');
    // C's change (the higher "sequence": committed last) arrives while A is still open…
    await syncUntil(c, () => c.store.getOrder(o1.id)?.remarks === 'C', "C's update of order 1");
    await A.c.query('COMMIT');
    // …and B's, committed before C's by a younger transaction, is not skipped.
    await syncUntil(c, () => c.store.getOrder(o2.id)?.remarks === 'B', "B's update of order 2");
    expect(c.store.getOrder(o2.id)?.version).toBe(2);
  });

  it('changes made by raw SQL, hard deletes, soft deletes and orders leaving the branch reach the client', async () => {
    const keep = await makeOrder(db.owner, {
      branchId: world.branch.id,
      lines: [
        { itemCode: 'RF-1', itemName: '냉장고', quantity: 1 },
        { itemCode: 'WM-1', itemName: '세탁기', quantity: 1 },
      ],
    });
    const softDeleted = await makeOrder(db.owner, { branchId: world.branch.id });
    const moved = await makeOrder(db.owner, { branchId: world.branch.id, customerName: '이관' });
    const c = await client(world.manager, 'deletes');
    const c2 = await client(other.manager, 'deletes-other');
    await syncUntil(c, () => c.store.getOrder(moved.id) !== null, 'the orders');
    await c2.engine.syncNow();
    expect(c2.store.getOrder(moved.id)).toBeNull();

    await db.owner.query("UPDATE orders SET customer_name = '정비 스크립트' WHERE id = $1", [keep.id]);
    await db.owner.query('DELETE FROM order_lines WHERE id = $1', [keep.lineIds[1]]);
    await db.owner.query('UPDATE orders SET deleted_at = now() WHERE id = $1', [softDeleted.id]);
    await db.owner.query('UPDATE orders SET branch_id = $2 WHERE id = $1', [moved.id, other.branch.id]);

    await syncUntil(c, () => c.store.getOrder(moved.id) === null, 'the order that left the branch');
    expect(c.store.getOrder(keep.id)).toMatchObject({ customerName: '정비 스크립트', items: '냉장고 RF-1 ×1' });
    expect(c.store.getOrder(softDeleted.id)).toBeNull();
    expect(c.store.mirror.read('order_lines', softDeleted.lineIds[0]!)).toBeNull();
    // the branch it moved to receives it with its lines, though the lines themselves did not change
    await syncUntil(c2, () => c2.store.getOrder(moved.id)?.items === '소형 가전 GEN-100 ×1', 'the moved order');

    for (const [cl, u] of [
      [c, world.manager],
      [c2, other.manager],
    ] as const) {
      expect(differences(clientChecksums(cl.store), await serverChecksums(db, rlsUser(u), cl.store))).toEqual({});
    }
  });

  it('an interrupted first pull resumes where it stopped', async () => {
    const branch = await createBranch(db.owner);
    const user = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
    for (let i = 0; i < 10; i++) await makeOrder(db.owner, { branchId: branch.id });
    const file = join(dir, 'resume.sqlite');
    const first = await connectClient(server.url, user, file, { pageSize: 4 });
    const page = await first.http.pull(null, 4);
    first.store.applyPage(page);
    expect(page.hasMore).toBe(true);
    await first.close();
    const again = await connectClient(server.url, user, file, { pageSize: 4 });
    clients.push(again);
    await again.engine.syncNow();
    expect(again.store.listOrders()).toHaveLength(10);
    expect(differences(clientChecksums(again.store), await serverChecksums(db, rlsUser(user), again.store))).toEqual(
      {},
    );
  });

  it('the client schema has a column for every column of every mirrored table', async () => {
    const c = await client(world.manager, 'columns');
    const { rows } = await db.owner.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = ANY($1) AND column_name <> 'change_xid'`,
      [[...SYNC_ENTITIES]],
    );
    const missing = rows
      .filter(
        (r) => !c.store.mirror.tables[r.table_name as SyncEntity].columns.some((col) => col.name === r.column_name),
      )
      .map((r) => `${r.table_name}.${r.column_name}`);
    expect(missing).toEqual([]);
  });

  it('a malformed cursor is refused naming the cursor', async () => {
    const token = await server.login(world.manager.username);
    const res = await server.request('GET', '/api/sync/changes?cursor=not-a-cursor', { token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION', field: 'cursor' });
  });
});
