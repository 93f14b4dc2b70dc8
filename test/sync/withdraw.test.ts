// Ctrl+Z of an edit the head office has not got: the op is taken back out of the outbox (issue 12), not answered
// by an inverse edit. The real ClientStore and SyncEngine against a real head office: a withdrawn op never reaches
// it (the order's version and audit trail untouched), the copy shows the head office's row again — with what it
// changed meanwhile — and an op whose push is under way, or that may have reached the head office, stays queued
// and is answered once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectClient, makeOrder, syncUntil, type TestClient, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('withdraw-');
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

async function client(name: string, url = server.url): Promise<TestClient> {
  const c = await connectClient(url, world.manager, join(dir, `${name}.sqlite`));
  clients.push(c);
  return c;
}

async function headOffice(id: string) {
  const { rows } = await db.owner.query('SELECT remarks, customer_name, vendor, version FROM orders WHERE id = $1', [
    id,
  ]);
  return rows[0] as { remarks: string | null; customer_name: string; vendor: string | null; version: number };
}

async function auditedUpdates(id: string): Promise<number> {
  const { rows } = await db.owner.query(
    "SELECT count(*)::int AS n FROM audit_logs WHERE record_id = $1 AND action = 'UPDATE'",
    [id],
  );
  return rows[0].n;
}

/** Pulls (without pushing) until `done()`: the outbox stays as it is. */
async function pullUntil(c: TestClient, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) {
    for (;;) {
      const page = await c.http.pull(c.store.cursor(), 1000);
      c.store.applyPage(page);
      if (!page.hasMore) break;
    }
    if (!done()) await new Promise((r) => setTimeout(r, 50));
  }
  expect(done()).toBe(true);
}

/** The head office's row the copy keeps aside for a row with local ops. */
function heldRow(c: TestClient, id: string): Record<string, unknown> | null {
  const r = c.store.db.prepare("SELECT server_row FROM row_base WHERE entity = 'orders' AND entity_id = ?").get(id) as
    | { server_row: string | null }
    | undefined;
  return r?.server_row ? JSON.parse(r.server_row) : null;
}

/** An order of the world's branch, mirrored by the client. */
async function mirrored(c: TestClient) {
  const o = await makeOrder(db.owner, { branchId: world.branch.id, customerName: '원래이름' });
  await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order in the copy');
  return o;
}

describe('withdrawing unsent ops', () => {
  it('a withdrawn edit never reaches the head office; the copy shows its row with what it changed meanwhile', async () => {
    const c = await client('never-sent');
    const o = await mirrored(c);
    const before = await headOffice(o.id);
    const { opId } = c.store.localOrderOp({
      kind: 'order.update',
      orderId: o.id,
      payload: { customerName: '되돌릴이름', remarks: '되돌릴메모' },
      seenVersion: before.version,
    });
    expect(c.store.getOrder(o.id)).toMatchObject({ customerName: '되돌릴이름', pendingOps: 1 });
    // meanwhile the head office changes another field, and a pull (alone: no push) brings it aside, the row
    // having a local op
    await db.owner.query("UPDATE orders SET vendor = '본사가바꾼업체' WHERE id = $1", [o.id]);
    const theirs = await headOffice(o.id);
    await pullUntil(c, () => heldRow(c, o.id)?.vendor === '본사가바꾼업체');
    expect(c.store.getOrder(o.id)?.vendor).not.toBe('본사가바꾼업체');

    const done = c.store.withdrawOps([opId], c.engine.inFlight());
    expect(done).toMatchObject({ ok: true, orderIds: [o.id] });
    expect(c.store.counts().pending).toBe(0);
    expect(c.store.getOrder(o.id)).toMatchObject({
      customerName: '원래이름',
      remarks: null,
      vendor: '본사가바꾼업체',
      version: theirs.version,
      pendingOps: 0,
    });

    await c.engine.syncNow();
    expect(await headOffice(o.id)).toEqual(theirs);
    // only the head office's own change is in the audit trail
    expect(await auditedUpdates(o.id)).toBe(1);
    expect(c.engine.state()).toMatchObject({ pending: 0, failed: 0, conflicts: 0 });
  });

  it('an op whose push is under way is not withdrawn, and is answered once', async () => {
    const c = await client('in-flight');
    const o = await mirrored(c);
    const { opId } = c.store.localOrderOp({
      kind: 'order.update',
      orderId: o.id,
      payload: { remarks: '보내는 중' },
      seenVersion: 1,
    });
    // the cycle takes the op for its push before it first waits for the network
    const cycle = c.engine.syncNow();
    expect(c.engine.inFlight().has(opId)).toBe(true);
    expect(c.store.withdrawOps([opId], c.engine.inFlight())).toEqual({ ok: false, why: 'sent', opId });
    await cycle;
    expect(c.engine.inFlight().size).toBe(0);
    // answered: gone from the outbox, nothing left to withdraw
    expect(c.store.withdrawOps([opId], c.engine.inFlight())).toEqual({ ok: false, why: 'gone', opId });
    expect(await headOffice(o.id)).toMatchObject({ remarks: '보내는 중', version: 2 });
    expect(await auditedUpdates(o.id)).toBe(1);
    expect(c.store.getOrder(o.id)).toMatchObject({ remarks: '보내는 중', pendingOps: 0 });
  });

  it('a push whose answer was lost may have reached the head office: the op is no longer withdrawn', async () => {
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const c = await client('answer-lost', proxy.url);
    const o = await mirrored(c);
    const { opId } = c.store.localOrderOp({
      kind: 'order.update',
      orderId: o.id,
      payload: { remarks: '답을 잃음' },
      seenVersion: 1,
    });
    // the answer to the push and to its immediate resend both lost
    proxy.cutResponses('/api/sync/push', 2);
    await c.engine.syncNow();
    expect(c.store.counts().pending).toBe(1);
    expect(c.store.withdrawOps([opId], c.engine.inFlight())).toEqual({ ok: false, why: 'sent', opId });
    // the head office had applied it; sent again it is answered from its record, once
    await syncUntil(c, () => c.store.counts().pending === 0, 'the op answered');
    expect(await headOffice(o.id)).toMatchObject({ remarks: '답을 잃음', version: 2 });
    expect(await auditedUpdates(o.id)).toBe(1);
  });

  it('while the link is down, edits are not thrown at it: they stay withdrawable, and nothing arrives later', async () => {
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const c = await client('link-down', proxy.url);
    const o = await mirrored(c);
    proxy.setDown(true);
    await c.engine.syncNow();
    expect(c.engine.state().status).toBe('offline');
    const { opId } = c.store.localOrderOp({
      kind: 'order.update',
      orderId: o.id,
      payload: { remarks: '오프라인 메모' },
      seenVersion: 1,
    });
    // the cycles of the outage find the link dead before they send anything
    await c.engine.syncNow();
    await c.engine.syncNow();
    expect(c.engine.state().status).toBe('offline');
    expect(c.store.withdrawOps([opId], c.engine.inFlight())).toMatchObject({ ok: true });
    proxy.setDown(false);
    await syncUntil(c, () => c.engine.state().status === 'online', 'the link back');
    expect(await headOffice(o.id)).toMatchObject({ remarks: null, version: 1 });
    expect(await auditedUpdates(o.id)).toBe(0);
  });

  it('a head office that refuses the connection got nothing: the op can still be withdrawn', async () => {
    const proxy = await TcpProxy.start(server.url);
    const c = await client('refused', proxy.url);
    const o = await mirrored(c);
    const { opId } = c.store.localOrderOp({
      kind: 'order.update',
      orderId: o.id,
      payload: { remarks: '닿지 않음' },
      seenVersion: 1,
    });
    // nothing listens on the port any more: the connection is refused before a byte of the push goes out
    await proxy.close();
    await c.engine.syncNow();
    expect(c.engine.state().status).toBe('offline');
    expect(c.store.withdrawOps([opId], c.engine.inFlight())).toMatchObject({ ok: true });
    expect(c.store.getOrder(o.id)).toMatchObject({ remarks: null, pendingOps: 0 });
  });

  it('only the last ops queued on a row are withdrawn: an earlier one with a later op on its row stays', async () => {
    const c = await client('last-only');
    const o = await mirrored(c);
    const first = c.store.localOrderOp({
      kind: 'order.update',
      orderId: o.id,
      payload: { remarks: '첫째' },
      seenVersion: 1,
    });
    const second = c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { customerName: '둘째' } });
    expect(c.store.withdrawOps([first.opId], c.engine.inFlight())).toEqual({
      ok: false,
      why: 'later',
      opId: first.opId,
    });
    expect(c.store.counts().pending).toBe(2);
    // the last one goes; then the first is the last
    expect(c.store.withdrawOps([second.opId], c.engine.inFlight())).toMatchObject({ ok: true });
    expect(c.store.getOrder(o.id)).toMatchObject({ remarks: '첫째', customerName: '원래이름', pendingOps: 1 });
    // both of a step at once, whatever their order
    const third = c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { customerName: '셋째' } });
    expect(c.store.withdrawOps([first.opId, third.opId], c.engine.inFlight())).toMatchObject({ ok: true });
    expect(c.store.getOrder(o.id)).toMatchObject({ remarks: null, customerName: '원래이름', pendingOps: 0 });
    expect(c.store.counts().pending).toBe(0);
  });
});
