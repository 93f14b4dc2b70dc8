// The idle pull from memory as real clients send it (issue 16, round 6): with the window (every pull of a client
// carries `window`) and with the outbox report (every other pull of an idle client), answered without a
// transaction; the reports written batched (migration 0139) and shown by the queue monitor; the answer carrying
// what helmet, the request log and the metrics would have given it. Against real PostgreSQL (and Redis when
// REDIS_URL is set), through HTTP with the client's own HeadOfficeClient and SyncEngine.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_ENTITIES } from '../../domain/sync-protocol.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { decodeCursor, encodeCursor, scopeFingerprint } from '../../server/sync/sync.cursor.js';
import type { SyncMarks } from '../../server/sync/sync.marks.js';
import { windowStart } from '../../server/sync/sync.repository.js';
import { pullChanges } from '../../server/sync/sync.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createOrder, createWorld, type UserFixture, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { openSession } from '../support/session.js';
import { connectClient, syncUntil, type TestClient, tempDir } from './support.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
let other: World;
let marks: SyncMarks;
const dir = tempDir('idle-reports-');
const clients: TestClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // polls driven by the pulls themselves (and once an hour), never stale: what a test sees is what it asked
  server = await startTestServer(db, { config: { syncMarksPollMs: 3_600_000 } });
  world = await createWorld(db.owner);
  other = await createWorld(db.owner);
  marks = server.runtime.syncMarks!;
  expect(marks).toBeDefined();
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.stop();
  await db?.drop();
});

const RUN_DONE = SYNC_ENTITIES.length + 2;

const actorOf = async (u: UserFixture): Promise<Actor> => ({
  sessionId: await openSession(db.owner, u.id),
  userId: u.id,
  username: u.username,
  role: u.role,
  branchId: u.branchId,
  partnerId: u.partnerId,
  locale: 'ko',
});

/** A completed run's cursor for the actor at the current horizon (as a client that is up to date holds). */
async function upToDateCursor(actor: Actor, window?: { months: number; from: string }): Promise<string> {
  const h = (await db.owner.query<{ h: string }>('SELECT sync_horizon()::text AS h')).rows[0]!.h;
  return encodeCursor({
    v: 1,
    s: scopeFingerprint(actor),
    lo: h,
    hi: h,
    t: RUN_DONE,
    x: null,
    k: null,
    ...(window ? { m: window.months, w: window.from, e: null, p: 0, u: null } : {}),
  });
}

/** Asks the marks until they answer (another test file's open transaction can hold the horizon back a moment). */
async function fromMemory(actor: Actor, query: Record<string, string>): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const a = await marks.answer(actor, query);
    if (a !== null) return a;
    if (Date.now() > until) throw new Error('never answered from memory');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const outboxRow = async (clientId: string, userId: string) =>
  (
    await db.owner.query(
      `SELECT pending, conflicts, failed, oldest_pending_at, reported_at, branch_id
         FROM sync_client_outbox WHERE client_id = $1 AND user_id = $2`,
      [clientId, userId],
    )
  ).rows[0] as
    | {
        pending: number;
        conflicts: number;
        failed: number;
        oldest_pending_at: Date | null;
        reported_at: Date;
        branch_id: string | null;
      }
    | undefined;

describe('the idle pull from memory, as clients send it', () => {
  it('a windowed pull is answered from memory with the cursor and bound the database path gives', async () => {
    const actor = await actorOf(world.manager);
    const from = windowStart(3);
    const cursor = await upToDateCursor(actor, { months: 3, from });
    const quick = JSON.parse(await fromMemory(actor, { cursor, limit: '1000', window: '3' }));
    const slow = await withRequestTransaction(server.pool, actor, (tx) =>
      pullChanges(tx, actor, { cursor, limit: '1000', window: '3' }),
    );
    expect(slow.changes).toEqual([]);
    expect(quick).toMatchObject({ changes: [], hasMore: false, reset: false, windowFrom: slow.windowFrom });
    // the same cursor but for the horizon each read (the poll's and the transaction's)
    const { hi: _q, ...q } = decodeCursor(quick.cursor);
    const { hi: _s, ...s } = decodeCursor(slow.cursor);
    expect(q).toEqual(s);
    expect(q).toMatchObject({ m: 3, w: from, e: from });
  });

  it('a window that widens (more months, or none) goes to the database: it starts a snapshot there', async () => {
    const actor = await actorOf(world.manager);
    const cursor = await upToDateCursor(actor, { months: 3, from: windowStart(3) });
    await fromMemory(actor, { cursor, limit: '1000', window: '3' });
    expect(await marks.answer(actor, { cursor, limit: '1000', window: '6' })).toBeNull();
    expect(await marks.answer(actor, { cursor, limit: '1000' })).toBeNull();
    // fewer months narrow it: answered from memory, as the database path continues the run
    expect(await marks.answer(actor, { cursor, limit: '1000', window: '1' })).not.toBeNull();
  });

  it("a windowed client's own branch write is not answered from memory, and is delivered", async () => {
    const actor = await actorOf(world.manager);
    const cursor = await upToDateCursor(actor, { months: 3, from: windowStart(3) });
    await fromMemory(actor, { cursor, limit: '1000', window: '3' });
    const order = await createOrder(db.owner, { branchId: world.branch.id });
    // committed before the pull arrives: the pull's own poll sees its note
    expect(await marks.answer(actor, { cursor, limit: '1000', window: '3' })).toBeNull();
    const page = await withRequestTransaction(server.pool, actor, (tx) =>
      pullChanges(tx, actor, { cursor, limit: '1000', window: '3' }),
    );
    expect(page.changes.map((c) => c.id)).toContain(order.id);
  });

  it('a pull with an outbox report is answered from memory; the report is written with the next batch', async () => {
    const actor = await actorOf(world.manager);
    const cursor = await upToDateCursor(actor, { months: 3, from: windowStart(3) });
    const report = {
      clientId: 'pc-1',
      pending: '2',
      conflicts: '1',
      failed: '0',
      pendingSince: '2026-12-01T09:00:00.000Z',
    };
    const before = Date.now();
    const quick = await fromMemory(actor, { cursor, limit: '1000', window: '3', ...report });
    expect(JSON.parse(quick).changes).toEqual([]);
    // taken, not written yet
    expect(await outboxRow('pc-1', actor.userId)).toBeUndefined();
    await marks.reports.flush();
    const row = await outboxRow('pc-1', actor.userId);
    expect(row).toMatchObject({ pending: 2, conflicts: 1, failed: 0, branch_id: world.branch.id });
    expect(row!.oldest_pending_at!.toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(row!.reported_at.getTime()).toBeGreaterThanOrEqual(before - 1000);

    // unchanged a minute later: "reported at" moves on; changed: the counts follow; one statement for many
    const stranger = await actorOf(other.manager);
    const cursor2 = await upToDateCursor(stranger);
    await new Promise((r) => setTimeout(r, 20));
    await fromMemory(actor, { cursor, limit: '1000', window: '3', ...report });
    await fromMemory(actor, { cursor, limit: '1000', window: '3', ...report, pending: '0', conflicts: '0' });
    await fromMemory(stranger, { cursor: cursor2, limit: '500', clientId: 'pc-2', pending: '0' });
    const flushes = marks.reports.counts.flushes;
    await marks.reports.flush();
    expect(marks.reports.counts.flushes).toBe(flushes + 1);
    const after = await outboxRow('pc-1', actor.userId);
    expect(after).toMatchObject({ pending: 0, conflicts: 0 });
    expect(after!.reported_at.getTime()).toBeGreaterThan(row!.reported_at.getTime());
    expect(await outboxRow('pc-2', stranger.userId)).toMatchObject({
      pending: 0,
      conflicts: 0,
      failed: 0,
      oldest_pending_at: null,
      branch_id: other.branch.id,
    });
  });

  it('an older report taken from memory never overwrites a newer one the database path wrote', async () => {
    const actor = await actorOf(world.manager);
    const cursor = await upToDateCursor(actor);
    await fromMemory(actor, { cursor, limit: '1000', clientId: 'pc-3', pending: '5' });
    // the client's next pull brings a change and a new report: the database path writes it at once
    await withRequestTransaction(server.pool, actor, (tx) =>
      tx.query(
        `INSERT INTO sync_client_outbox(client_id, user_id, branch_id, pending, reported_at)
         VALUES ('pc-3', $1, $2, 7, now() + interval '1 second')`,
        [actor.userId, actor.branchId],
      ),
    );
    await marks.reports.flush();
    expect(await outboxRow('pc-3', actor.userId)).toMatchObject({ pending: 7 });
  });

  it('a report the database path would refuse, or one without its client, goes there', async () => {
    const actor = await actorOf(world.manager);
    const cursor = await upToDateCursor(actor);
    await fromMemory(actor, { cursor, limit: '1000' });
    for (const bad of [
      { clientId: 'pc-4', pending: '-1' },
      { clientId: 'pc-4', pending: 'x' },
      { clientId: 'pc-4' },
      { pending: '1' },
      { clientId: '', pending: '1' },
      { clientId: 'x'.repeat(65), pending: '1' },
      { clientId: 'pc-4', pending: '1', pendingSince: '2026-02-30T00:00:00Z' },
      { clientId: 'pc-4', pending: '1', pendingSince: 'yesterday' },
      { clientId: 'pc-4', pending: '1', extra: '1' },
    ]) {
      expect(await marks.answer(actor, { cursor, limit: '1000', ...bad }), JSON.stringify(bad)).toBeNull();
    }
    expect(await marks.answer(actor, { cursor, limit: '1000', window: '0' })).toBeNull();
    expect(await marks.answer(actor, { cursor, limit: '1000', window: '61' })).toBeNull();
  });

  it('through HTTP: a real client idle is answered from memory, its report reaches the queue monitor', async () => {
    const c = await connectClient(server.url, world.manager, join(dir, 'idle.sqlite'));
    clients.push(c);
    await syncUntil(c, () => c.store.cursor() !== null, 'the first sync');
    // up to date: its runs are answered from memory (a run with its window; the first carried the report)
    const fast = marks.counts.fast;
    for (let i = 0; i < 3; i++) await c.engine.syncNow();
    expect(marks.counts.fast).toBeGreaterThan(fast);
    expect(c.engine.windowMonths()).toBeGreaterThan(0);

    // the pull the engine sends when its report is due, with the client's own HTTP client
    const fastBefore = marks.counts.fast;
    const report = c.store.outboxReport();
    const page = await c.http.pull(c.store.cursor(), 500, report, c.engine.windowMonths());
    expect(page.changes).toEqual([]);
    expect(marks.counts.fast).toBe(fastBefore + 1);
    await marks.reports.flush();
    const hq = await server.login(world.hq.username);
    const queue = await server.request('GET', '/api/sync/queue', { token: hq });
    expect(queue.status).toBe(200);
    const mine = (queue.body.clients as { clientId: string; reportedAt: string; pending: number }[]).find(
      (x) => x.clientId === report.clientId,
    );
    expect(mine).toMatchObject({ pending: 0 });
  });

  it('through HTTP: the answer from memory has the security headers, the request id, and is counted', async () => {
    const token = (await server.login(world.manager.username)).accessToken;
    const cursor = await upToDateCursor({
      userId: world.manager.id,
      role: 'BRANCH_MANAGER',
      branchId: world.branch.id,
      partnerId: null,
    } as unknown as Actor);
    const count = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('http_request_duration_seconds_count') &&
            l.includes('route="/api/sync/changes"') &&
            l.includes('status_code="200"') &&
            l.includes('method="GET"'),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const counted = await count();
    const fastBefore = marks.counts.fast;
    let res: Response | undefined;
    let sent = 0;
    while (marks.counts.fast === fastBefore && sent < 50) {
      if (sent) await new Promise((r) => setTimeout(r, 100));
      res = await fetch(`${server.url}/api/sync/changes?cursor=${cursor}&limit=500&window=3`, {
        headers: { authorization: `Bearer ${token}`, 'x-request-id': `idle-${sent}` },
      });
      sent++;
      expect(res.status).toBe(200);
    }
    expect(marks.counts.fast).toBe(fastBefore + 1);
    const answered = res!;
    expect(answered.headers.get('x-request-id')).toBe(`idle-${sent - 1}`);
    expect(answered.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // every header helmet gives an answer (here the health check's), with the same value
    const health = await fetch(`${server.url}/api/health`);
    const helmets = [
      'content-security-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-frame-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ].filter((k) => health.headers.has(k));
    expect(helmets.length).toBeGreaterThan(8);
    for (const k of helmets) expect([k, answered.headers.get(k)]).toEqual([k, health.headers.get(k)]);
    expect(answered.headers.get('x-powered-by')).toBeNull();
    // counted in http_request_duration_seconds as every answer, from memory or not
    expect(await count()).toBe(counted + sent);
  });
});
