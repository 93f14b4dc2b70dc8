// 해피콜 outcomes recorded in the branch client while the head office is unreachable (main/channel-handlers/
// happy-calls.ts): shown at once from the copy, queued in the outbox, and recorded at the head office exactly once
// when the link is back — also when the push's answer is lost and the client sends the same ops again.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { happyCallDay, recordHappyCall } from '../../main/channel-handlers/happy-calls.js';
import type { SessionLike } from '../../main/channel-handlers/session-like.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, createWorld, seoulToday, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectClient, makeOrder, syncUntil, type TestClient, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('happy-calls-');
const clients: TestClient[] = [];
const proxies: TcpProxy[] = [];
const day = addDays(seoulToday(), 9);

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

async function client(name: string): Promise<{ c: TestClient; proxy: TcpProxy; s: SessionLike }> {
  const proxy = await TcpProxy.start(server.url);
  proxies.push(proxy);
  const c = await connectClient(proxy.url, world.manager, join(dir, `${name}.sqlite`));
  clients.push(c);
  const s = {
    session: {
      user: { id: world.manager.id, fullName: world.manager.username, role: 'BRANCH_MANAGER', locale: 'ko' },
      serverUrl: proxy.url,
      offline: false,
    },
    store: c.store,
    http: c.http,
    engine: c.engine,
  } as unknown as SessionLike;
  return { c, proxy, s };
}

function order() {
  return makeOrder(db.owner, {
    branchId: world.branch.id,
    partnerId: world.partner.id,
    installerId: world.installer.id,
    status: '배정확정',
    appointmentDate: day,
  });
}

const headOfficeCalls = async (orderId: string) =>
  (
    await db.owner.query<{ id: string; outcome: string; attempt: number }>(
      'SELECT id, outcome, attempt FROM happy_calls WHERE order_id = $1 ORDER BY attempt',
      [orderId],
    )
  ).rows;

describe('해피콜 outcomes offline', () => {
  it('are shown at once, pending, and reach the head office once the link is back, each once', async () => {
    const [a, b] = [await order(), await order()];
    const { c, proxy, s } = await client('offline');
    await syncUntil(c, () => c.store.getOrder(a.id) !== null && c.store.getOrder(b.id) !== null, 'the orders');

    proxy.setDown(true);
    recordHappyCall(s, { id: a.id, outcome: 'NO_ANSWER' });
    recordHappyCall(s, { id: a.id, outcome: 'CONFIRMED', note: '두 번째에 통화됨' });
    recordHappyCall(s, { id: b.id, outcome: 'WRONG_NUMBER' });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ status: 'offline', pending: 3 });
    const shown = happyCallDay(s, day);
    const rowA = shown.find((r) => r.order.id === a.id)!;
    expect(rowA.calls.map((x) => [x.outcome, x.attempt, x.pending])).toEqual([
      ['NO_ANSWER', 1, true],
      ['CONFIRMED', 2, true],
    ]);
    // the unreachable customer comes first
    expect(shown[0]!.order.id).toBe(b.id);
    expect(await headOfficeCalls(a.id)).toEqual([]);

    proxy.setDown(false);
    await syncUntil(c, () => c.store.counts().pending === 0, 'the outbox drained');
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    const ho = await headOfficeCalls(a.id);
    expect(ho.map((x) => [x.outcome, x.attempt])).toEqual([
      ['NO_ANSWER', 1],
      ['CONFIRMED', 2],
    ]);
    // the head office keeps the client's ids: the copy holds the same rows, no longer pending
    expect(ho.map((x) => x.id)).toEqual(rowA.calls.map((x) => x.id));
    expect(
      happyCallDay(s, day)
        .find((r) => r.order.id === a.id)!
        .calls.every((x) => !x.pending),
    ).toBe(true);
    expect((await headOfficeCalls(b.id)).map((x) => x.outcome)).toEqual(['WRONG_NUMBER']);
  });

  it('an answer lost on the way back: the resend is SYNCED and no call is recorded twice', async () => {
    const o = await order();
    const { c, proxy, s } = await client('lost');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    recordHappyCall(s, { id: o.id, outcome: 'CONFIRMED' });
    proxy.cutResponses('POST /api/sync/push', 2);
    await c.engine.syncNow();
    expect(proxy.cutsDone).toBe(2);
    expect(c.engine.state()).toMatchObject({ status: 'offline', pending: 1 });
    await syncUntil(c, () => c.store.counts().pending === 0, 'the resend');
    expect(c.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    expect((await headOfficeCalls(o.id)).map((x) => x.outcome)).toEqual(['CONFIRMED']);
    expect(happyCallDay(s, day).find((r) => r.order.id === o.id)!.calls).toHaveLength(1);
  });

  it('refuses an outcome on a cancelled order in the copy, naming the field, and queues nothing', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id, status: '취소', appointmentDate: day });
    const { c, s } = await client('closed');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    expect(() => recordHappyCall(s, { id: o.id, outcome: 'CONFIRMED' })).toThrow(
      expect.objectContaining({ code: 'ORDER_CLOSED', field: 'status' }),
    );
    expect(c.store.counts().pending).toBe(0);
  });
});
