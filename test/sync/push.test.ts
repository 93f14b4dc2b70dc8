// The push: local edits reaching the head office through the order services, exactly once.
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, createWorld, mondayOf, seoulToday, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectClient, makeOrder, syncUntil, type TestClient, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('push-');
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

async function client(name: string, url = server.url, user = world.manager): Promise<TestClient> {
  const c = await connectClient(url, user, join(dir, `${name}.sqlite`));
  clients.push(c);
  return c;
}

async function serverOrder(id: string) {
  const { rows } = await db.owner.query(
    'SELECT status, remarks, customer_name, installer_id, version FROM orders WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe('push', () => {
  it('two clients edit the same order offline: one SYNCED, the other CONFLICT; resolving per field syncs', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const a = await client('conflict-a');
    const b = await client('conflict-b');
    await syncUntil(a, () => a.store.getOrder(o.id) !== null, 'the order on A');
    await syncUntil(b, () => b.store.getOrder(o.id) !== null, 'the order on B');

    // both offline (no sync), both edit version 1
    a.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: 'A의 메모' }, seenVersion: 1 });
    b.store.localOrderOp({
      kind: 'order.update',
      orderId: o.id,
      payload: { remarks: 'B의 메모', customerName: '김비' },
      seenVersion: 1,
    });

    await a.engine.syncNow();
    expect(a.store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    expect(a.store.getOrder(o.id)).toMatchObject({ remarks: 'A의 메모', version: 2, pendingOps: 0 });

    await b.engine.syncNow();
    expect(b.engine.state()).toMatchObject({ conflicts: 1, pending: 0 });
    const [conflict] = b.store.listConflicts();
    expect(conflict!.fields).toEqual([
      { field: 'remarks', mine: 'B의 메모', theirs: 'A의 메모' },
      { field: 'customerName', mine: '김비', theirs: '홍길동' },
    ]);
    // nothing of B's reached the head office
    expect(await serverOrder(o.id)).toMatchObject({ remarks: 'A의 메모', customer_name: '홍길동', version: 2 });

    b.store.resolveConflict(conflict!.id, { remarks: 'theirs', customerName: 'mine' });
    await b.engine.syncNow();
    expect(b.engine.state()).toMatchObject({ conflicts: 0, pending: 0, failed: 0 });
    expect(await serverOrder(o.id)).toMatchObject({ remarks: 'A의 메모', customer_name: '김비', version: 3 });
    expect(b.store.getOrder(o.id)).toMatchObject({ remarks: 'A의 메모', customerName: '김비', version: 3 });
    await syncUntil(a, () => a.store.getOrder(o.id)?.customerName === '김비', "B's resolution on A");
  });

  it('a refused op (FAILED, with the reason) does not stall the ops behind it', async () => {
    const x = await makeOrder(db.owner, { branchId: world.branch.id });
    const y = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await client('poison');
    await syncUntil(c, () => c.store.getOrder(y.id) !== null, 'the orders');
    // C99 looks like a cancellation code but the head office has none such
    c.store.localOrderOp({ kind: 'order.status', orderId: x.id, payload: { status: '취소', reasonCode: 'C99' } });
    c.store.localOrderOp({ kind: 'order.update', orderId: y.id, payload: { remarks: '뒤의 작업' } });
    expect(c.store.getOrder(x.id)?.status).toBe('취소');
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ pending: 0, failed: 1, status: 'online' });
    expect(c.store.listFailed()).toMatchObject([
      { entityId: x.id, kind: 'order.status', error: { code: 'REASON_CODE', field: 'reasonCode' } },
    ]);
    expect(c.store.getOrder(x.id)).toMatchObject({ status: '미배정', pendingOps: 0 });
    expect(await serverOrder(y.id)).toMatchObject({ remarks: '뒤의 작업' });
    expect(await serverOrder(x.id)).toMatchObject({ status: '미배정', version: 1 });
  });

  it('an order in a locked settlement week: the op is FAILED naming the week, and the row goes back', async () => {
    const day = addDays(seoulToday(), 14);
    const monday = mondayOf(day);
    const o = await makeOrder(db.owner, { branchId: world.branch.id, appointmentDate: day });
    const c = await client('locked');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    await db.owner.query(
      `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
       VALUES ($1, $2, $2::date + 6, 'LOCKED', now())
       ON CONFLICT (branch_id, period_start) DO UPDATE SET status = 'LOCKED'`,
      [world.branch.id, monday],
    );
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '잠긴 주' } });
    await c.engine.syncNow();
    const [f] = c.store.listFailed();
    expect(f!.error.code).toBe('LOCKED');
    expect(f!.error.message).toContain(monday);
    expect(f!.error.message).toContain(addDays(monday, 6));
    expect(c.store.getOrder(o.id)).toMatchObject({ remarks: null, pendingOps: 0 });
    expect(await serverOrder(o.id)).toMatchObject({ remarks: null, version: 1 });
  });

  it('a lost answer: the head office applied the op but the client never heard; the retry is SYNCED, applied once', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const c = await client('lost', proxy.url);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '한 번만' } });
    // the answer is lost twice: the client's immediate retry on a dropped connection meets the same fate
    proxy.cutResponses('POST /api/sync/push', 2);
    await c.engine.syncNow();
    expect(proxy.cutsDone).toBe(2);
    expect(c.engine.state()).toMatchObject({ status: 'offline', pending: 1 });
    // the head office did apply it
    expect(await serverOrder(o.id)).toMatchObject({ remarks: '한 번만', version: 2 });

    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ status: 'online', pending: 0, conflicts: 0, failed: 0 });
    expect(await serverOrder(o.id)).toMatchObject({ remarks: '한 번만', version: 2 });
    expect(c.store.getOrder(o.id)).toMatchObject({ remarks: '한 번만', version: 2 });
    const { rows } = await db.owner.query(
      "SELECT status, retry_count FROM offline_sync_queue WHERE entity_id = $1 AND op_kind = 'order.update'",
      [o.id],
    );
    expect(rows).toEqual([{ status: 'SYNCED', retry_count: 2 }]);
    const audit = await db.owner.query(
      "SELECT count(*)::int AS n FROM audit_logs WHERE record_id = $1 AND action = 'UPDATE'",
      [o.id],
    );
    expect(audit.rows[0].n).toBe(1);
  });

  it('malformed ops are answered FAILED naming the field, change nothing, and the valid op beside them applies', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const token = await server.login(world.manager.username);
    const good = '01930000-0000-7000-8000-00000000a001';
    const res = await server.request('POST', '/api/sync/push', {
      token,
      body: {
        clientId: 'raw-test',
        ops: [
          { opId: 'nope', entity: 'orders', entityId: o.id, kind: 'order.update', payload: {}, expectedVersion: 1 },
          {
            opId: '01930000-0000-7000-8000-00000000a002',
            entity: 'orders',
            entityId: o.id,
            kind: 'order.update',
            payload: { remarks: 'x', colour: 'red' },
            expectedVersion: 1,
          },
          {
            opId: '01930000-0000-7000-8000-00000000a003',
            entity: 'orders',
            entityId: o.id,
            kind: 'order.teleport',
            payload: {},
            expectedVersion: 1,
          },
          {
            opId: good,
            entity: 'orders',
            entityId: o.id,
            kind: 'order.update',
            payload: { remarks: 'ok' },
            expectedVersion: 1,
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['FAILED', 'FAILED', 'FAILED', 'SYNCED']);
    expect(res.body.results[0].error).toMatchObject({ code: 'VALIDATION', field: 'opId' });
    expect(res.body.results[1].error).toMatchObject({ code: 'VALIDATION', field: 'colour' });
    expect(res.body.results[2].error).toMatchObject({ code: 'VALIDATION', field: 'kind' });
    expect(await serverOrder(o.id)).toMatchObject({ remarks: 'ok', version: 2 });
  });

  it('an op of another kind than its entity, or a create whose id differs from entityId, is FAILED', async () => {
    const token = await server.login(world.manager.username);
    const res = await server.request('POST', '/api/sync/push', {
      token,
      body: {
        clientId: 'raw-test',
        ops: [
          {
            opId: '01930000-0000-7000-8000-00000000b001',
            entity: 'installers',
            entityId: world.installer.id,
            kind: 'order.update',
            payload: { remarks: 'x' },
            expectedVersion: 1,
          },
        ],
      },
    });
    expect(res.body.results[0]).toMatchObject({ status: 'FAILED', error: { field: 'entity' } });
  });

  it("another user's op id is refused naming opId and changes nothing", async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const opId = '01930000-0000-7000-8000-00000000c001';
    const op = { opId, entity: 'orders', entityId: o.id, kind: 'order.update', expectedVersion: 1 };
    const manager = await server.login(world.manager.username);
    const first = await server.request('POST', '/api/sync/push', {
      token: manager,
      body: { clientId: 'a', ops: [{ ...op, payload: { remarks: '먼저' } }] },
    });
    expect(first.body.results[0].status).toBe('SYNCED');
    const hq = await server.login(world.hq.username);
    for (const attempt of [0, 1]) {
      const again = await server.request('POST', '/api/sync/push', {
        token: hq,
        body: { clientId: 'b', ops: [{ ...op, expectedVersion: 2, attempt, payload: { remarks: '가로채기' } }] },
      });
      expect(again.body.results[0]).toMatchObject({ status: 'FAILED', error: { code: 'DUPLICATE_OP', field: 'opId' } });
    }
    expect(await serverOrder(o.id)).toMatchObject({ remarks: '먼저', version: 2 });
  });

  it('HQ and the branch manager see ops per user and status; an installer may not', async () => {
    const hq = await server.login(world.hq.username);
    const res = await server.request('GET', '/api/sync/queue?status=FAILED', { token: hq });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.every((i: { status: string }) => i.status === 'FAILED')).toBe(true);
    expect(res.body.summary).toContainEqual(
      expect.objectContaining({ username: world.manager.username, status: 'FAILED' }),
    );
    const installer = await server.login(world.installerUser.username);
    expect((await server.request('GET', '/api/sync/queue', { token: installer })).status).toBe(403);
  });

  it('an expired access token is refreshed and the push goes through', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await client('refresh');
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    c.http.setTokens({ accessToken: 'expired.token.value' });
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '새 토큰' } });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ status: 'online', pending: 0 });
    expect(await serverOrder(o.id)).toMatchObject({ remarks: '새 토큰' });
  });

  describe('ops committed in chunks, each in its own savepoint', () => {
    let seq = 0;
    const opId = () => `01930000-0000-7000-8000-${(0xd00000000000 + seq++).toString(16)}`;
    const update = (orderId: string, expectedVersion: number, payload: Record<string, unknown>) => ({
      opId: opId(),
      entity: 'orders',
      entityId: orderId,
      kind: 'order.update',
      payload,
      expectedVersion,
    });
    const push = async (token: Awaited<ReturnType<TestServer['login']>>, ops: unknown[]) => {
      const res = await server.request('POST', '/api/sync/push', { token, body: { clientId: 'chunk-test', ops } });
      expect(res.status).toBe(200);
      return res.body.results as {
        opId: string;
        status: string;
        version?: number;
        replayed?: boolean;
        error?: { code: string; message: string };
      }[];
    };
    const auditCount = async (orderId: string) =>
      (
        await db.owner.query("SELECT count(*)::int AS n FROM audit_logs WHERE record_id = $1 AND action = 'UPDATE'", [
          orderId,
        ])
      ).rows[0].n as number;

    it('ops 3 and 5 of 6 fail: the others are applied, each refusal FAILED with its reason, recorded, without trace', async () => {
      // op 3: the database refuses it (a locked settlement week, raised by a trigger mid-statement);
      // op 5: the service refuses it (an unknown reason code)
      const day = addDays(seoulToday(), 28);
      const orders = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((i) =>
          makeOrder(db.owner, { branchId: world.branch.id, appointmentDate: i === 3 ? day : null }),
        ),
      );
      await db.owner.query(
        `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
         VALUES ($1, $2, $2::date + 6, 'LOCKED', now())
         ON CONFLICT (branch_id, period_start) DO UPDATE SET status = 'LOCKED'`,
        [world.branch.id, mondayOf(day)],
      );
      const token = await server.login(world.manager.username);
      const ops = orders.map((o, i) =>
        i === 4
          ? { ...update(o.id, 1, {}), kind: 'order.status', payload: { status: '취소', reasonCode: 'C99' } }
          : update(o.id, 1, { remarks: `묶음 ${i + 1}` }),
      );
      const results = await push(token, ops);
      expect(results.map((r) => r.status)).toEqual(['SYNCED', 'SYNCED', 'FAILED', 'SYNCED', 'FAILED', 'SYNCED']);
      expect(results[2]!.error).toMatchObject({ code: 'LOCKED' });
      expect(results[2]!.error!.message).toContain(mondayOf(day));
      expect(results[4]!.error).toMatchObject({ code: 'REASON_CODE' });
      for (const i of [0, 1, 3, 5]) {
        expect(await serverOrder(orders[i]!.id)).toMatchObject({ remarks: `묶음 ${i + 1}`, version: 2 });
        expect(await auditCount(orders[i]!.id)).toBe(1);
      }
      expect(await serverOrder(orders[2]!.id)).toMatchObject({ remarks: null, version: 1 });
      expect(await serverOrder(orders[4]!.id)).toMatchObject({ status: '미배정', version: 1 });
      for (const i of [2, 4]) expect(await auditCount(orders[i]!.id)).toBe(0);
      const history = await db.owner.query('SELECT count(*)::int AS n FROM order_status_history WHERE order_id = $1', [
        orders[4]!.id,
      ]);
      expect(history.rows[0].n).toBe(1); // the creation's row only
      const { rows } = await db.owner.query(
        'SELECT op_id AS "opId", status, last_error AS "lastError" FROM offline_sync_queue WHERE op_id = ANY($1::uuid[])',
        [ops.map((o) => o.opId)],
      );
      expect(rows).toHaveLength(6);
      const recorded = (i: number) => rows.find((r) => r.opId === ops[i]!.opId);
      expect(recorded(2)).toMatchObject({ status: 'FAILED', lastError: expect.stringContaining('LOCKED') });
      expect(recorded(4)).toMatchObject({ status: 'FAILED', lastError: expect.stringContaining('REASON_CODE') });
      expect(rows.filter((r) => r.status === 'SYNCED')).toHaveLength(4);
    });

    it('a retried op is answered from its record, changes nothing, and the op behind it applies', async () => {
      const o = await makeOrder(db.owner, { branchId: world.branch.id });
      const p = await makeOrder(db.owner, { branchId: world.branch.id });
      const token = await server.login(world.manager.username);
      const first = update(o.id, 1, { remarks: '처음' });
      const [answer] = await push(token, [first]);
      expect(answer).toMatchObject({ status: 'SYNCED', version: 2 });
      // the client never heard: it resends the op (attempt 1) with the next one behind it
      const results = await push(token, [{ ...first, attempt: 1 }, update(p.id, 1, { remarks: '다음' })]);
      expect(results[0]).toMatchObject({ opId: first.opId, status: 'SYNCED', version: 2, replayed: true });
      expect(results[1]).toMatchObject({ status: 'SYNCED', version: 2 });
      expect(await serverOrder(o.id)).toMatchObject({ remarks: '처음', version: 2 });
      expect(await auditCount(o.id)).toBe(1);
      expect(await serverOrder(p.id)).toMatchObject({ remarks: '다음', version: 2 });
      // resent without saying so (attempt 0) in the middle of a chunk: still the first answer, no second effect
      const again = await push(token, [
        update(p.id, 2, { remarks: '셋째' }),
        first,
        update(p.id, 3, { remarks: '넷째' }),
      ]);
      expect(again.map((r) => r.status)).toEqual(['SYNCED', 'SYNCED', 'SYNCED']);
      expect(again[1]).toMatchObject({ replayed: true, version: 2 });
      expect(await serverOrder(o.id)).toMatchObject({ remarks: '처음', version: 2 });
      expect(await serverOrder(p.id)).toMatchObject({ remarks: '넷째', version: 4 });
      const { rows } = await db.owner.query('SELECT retry_count FROM offline_sync_queue WHERE op_id = $1', [
        first.opId,
      ]);
      expect(rows).toEqual([{ retry_count: 2 }]);
    });

    it('an op id recorded by another user, applied again mid-chunk, is undone alone; the ops around it apply', async () => {
      // the service accepts the op (HQ may edit the order), recording its answer fails on the unique op id: the op
      // is rolled back to its own savepoint, and the next op (whose savepoint travels with a record) still applies
      // (order.update ops on distinct orders: tried on the fast path first, whose record of the taken op id fails)
      const [o, p, q, r] = await Promise.all(
        [1, 2, 3, 4].map(() => makeOrder(db.owner, { branchId: world.branch.id })),
      );
      const taken = update(o!.id, 1, { remarks: '지점' });
      expect((await push(await server.login(world.manager.username), [taken]))[0]).toMatchObject({ status: 'SYNCED' });
      const hq = await server.login(world.hq.username);
      const results = await push(hq, [
        update(p!.id, 1, { remarks: '앞' }),
        { ...taken, expectedVersion: 2, payload: { remarks: '가로채기' } },
        update(q!.id, 1, { remarks: '뒤' }),
        update(r!.id, 1, { remarks: '끝' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['SYNCED', 'FAILED', 'SYNCED', 'SYNCED']);
      expect(results[1]!.error).toMatchObject({ code: 'DUPLICATE_OP' });
      expect(await serverOrder(o!.id)).toMatchObject({ remarks: '지점', version: 2 });
      expect(await auditCount(o!.id)).toBe(1);
      expect(await serverOrder(p!.id)).toMatchObject({ remarks: '앞', version: 2 });
      expect(await serverOrder(q!.id)).toMatchObject({ remarks: '뒤', version: 2 });
      expect(await serverOrder(r!.id)).toMatchObject({ remarks: '끝', version: 2 });
      for (const x of [p!, q!, r!]) expect(await auditCount(x.id)).toBe(1);
    });

    it('edits of distinct orders (the fast path): each answer carries its row at its version, recorded once', async () => {
      const orders = await Promise.all(
        Array.from({ length: 60 }, () => makeOrder(db.owner, { branchId: world.branch.id })),
      );
      const token = await server.login(world.manager.username);
      // the first op id in capitals: its answer names it as sent
      const ops = orders.map((o, i) => {
        const op = update(o.id, 1, { remarks: `빠른 ${i}` });
        return i === 0 ? { ...op, opId: op.opId.toUpperCase() } : op;
      });
      const results = (await push(token, ops)) as unknown as {
        opId: string;
        status: string;
        version: number;
        current: { id: string; remarks: string; version: number };
      }[];
      expect(results.map((r) => [r.opId, r.status, r.version])).toEqual(ops.map((op) => [op.opId, 'SYNCED', 2]));
      for (const [i, r] of results.entries())
        expect(r.current).toMatchObject({ id: orders[i]!.id, remarks: `빠른 ${i}`, version: 2 });
      const { rows } = await db.owner.query(
        'SELECT op_id AS "opId", status, result FROM offline_sync_queue WHERE op_id = ANY($1::uuid[])',
        [ops.map((o) => o.opId)],
      );
      expect(rows).toHaveLength(60);
      for (const row of rows) {
        expect(row.status).toBe('SYNCED');
        expect(row.result).toEqual(results.find((r) => r.opId.toLowerCase() === row.opId));
      }
      for (const o of orders) expect(await auditCount(o.id)).toBe(1);
    });

    it("the fast path's answers: each row as sync_row() gives it, read for the whole chunk by one call, not per op", async () => {
      const orders = await Promise.all(
        Array.from({ length: 12 }, () => makeOrder(db.owner, { branchId: world.branch.id })),
      );
      // the statements recording the answers, as the server sends them
      const inserts: string[] = [];
      const watched = new WeakSet<object>();
      const watch = (client: pg.PoolClient) => {
        if (watched.has(client)) return;
        watched.add(client);
        const query = client.query.bind(client) as (...a: unknown[]) => unknown;
        (client as unknown as { query: unknown }).query = (...a: unknown[]) => {
          const text = typeof a[0] === 'string' ? a[0] : (a[0] as { text?: string })?.text;
          if (text && /^\s*INSERT INTO offline_sync_queue\b/.test(text)) inserts.push(text);
          return query(...a);
        };
      };
      server.pool.on('acquire', watch);
      const token = await server.login(world.manager.username);
      const ops = orders.map((o, i) => update(o.id, 1, { remarks: `한 번에 ${i}`, customerName: `고객 ${i}` }));
      let results: { opId: string; status: string; current?: unknown }[];
      try {
        results = (await push(token, ops)) as typeof results;
      } finally {
        server.pool.off('acquire', watch);
      }
      expect(results.map((r) => r.status)).toEqual(orders.map(() => 'SYNCED'));
      // one statement for the chunk's answers, reading the rows with one set-returning call
      expect(inserts).toHaveLength(1);
      expect(inserts[0]).toMatch(/sync_order_rows\(/);
      expect(inserts[0]).not.toMatch(/sync_row\(/);
      // and each answer's row is exactly what sync_row() (the savepoint path's, the pull's) gives now
      for (const [i, o] of orders.entries()) {
        const { rows } = await db.owner.query("SELECT sync_row('orders', $1) AS row", [o.id]);
        expect(results[i]!.current).toEqual(rows[0].row);
      }
    });

    it('a request of 200 edits of distinct orders commits in one transaction; with one refused, 50 at a time', async () => {
      const orders = await Promise.all(
        Array.from({ length: 200 }, () => makeOrder(db.owner, { branchId: world.branch.id })),
      );
      const token = await server.login(world.manager.username);
      // synced_at is now(): the start of the transaction that recorded the answer (a savepoint's record has an xmin
      // of its own, its subtransaction's)
      const transactions = async (opIds: string[]) =>
        (
          await db.owner.query(
            'SELECT count(DISTINCT synced_at)::int AS n FROM offline_sync_queue WHERE op_id = ANY($1::uuid[])',
            [opIds],
          )
        ).rows[0].n as number;
      const ops = orders.map((o, i) => update(o.id, 1, { remarks: `이백 ${i}` }));
      const results = await push(token, ops);
      expect(results.map((r) => [r.opId, r.status, r.version])).toEqual(ops.map((op) => [op.opId, 'SYNCED', 2]));
      // one durable commit for the whole request: every record written by one transaction
      expect(await transactions(ops.map((o) => o.opId))).toBe(1);
      for (const o of orders.slice(0, 3)) expect(await auditCount(o.id)).toBe(1);

      // the same with op 130 behind the head office's version: that op CONFLICT, the others applied, in chunks of
      // at most 50 (the savepoint path's), nothing of the first try left
      const again = orders.map((o, i) => update(o.id, i === 130 ? 1 : 2, { remarks: `다시 ${i}` }));
      const second = await push(token, again);
      expect(second.map((r) => r.status)).toEqual(again.map((_op, i) => (i === 130 ? 'CONFLICT' : 'SYNCED')));
      expect(await transactions(again.map((o) => o.opId))).toBe(4);
      expect(await serverOrder(orders[130]!.id)).toMatchObject({ remarks: '이백 130', version: 2 });
      expect(await serverOrder(orders[131]!.id)).toMatchObject({ remarks: '다시 131', version: 3 });
      for (const o of [orders[0]!, orders[130]!, orders[199]!])
        expect(await auditCount(o.id)).toBe(o === orders[130] ? 1 : 2);
    });

    it('edits of different fields in one chunk: each written as PATCH writes it, one UPDATE per kind of edit', async () => {
      const orders = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(() =>
          makeOrder(db.owner, { branchId: world.branch.id, partnerId: world.partner.id, vendor: '삼성' }),
        ),
      );
      const newAddress = { line1: '해운대로 10', line2: '101동 202호', city: '부산', postal: '48094' };
      const edits: Record<string, unknown>[] = [
        { remarks: '첫째' },
        { customerPhone: '+82 10 9876 5432' },
        { address: newAddress },
        { remarks: '넷째' },
        { partnerId: null, vendor: null },
        { promisedDate: '2026-12-24', remarks: null },
      ];
      // the statements the server sends while the push runs
      const updates: string[] = [];
      const watched = new WeakSet<object>();
      const watch = (client: pg.PoolClient) => {
        if (watched.has(client)) return;
        watched.add(client);
        const query = client.query.bind(client) as (...a: unknown[]) => unknown;
        (client as unknown as { query: unknown }).query = (...a: unknown[]) => {
          const text = typeof a[0] === 'string' ? a[0] : (a[0] as { text?: string })?.text;
          if (text && /^\s*UPDATE orders\b/.test(text)) updates.push(text);
          return query(...a);
        };
      };
      server.pool.on('acquire', watch);
      const token = await server.login(world.manager.username);
      let results: Awaited<ReturnType<typeof push>>;
      try {
        results = await push(
          token,
          orders.map((o, i) => update(o.id, 1, edits[i]!)),
        );
      } finally {
        server.pool.off('acquire', watch);
      }
      expect(results.map((r) => [r.status, r.version])).toEqual(orders.map(() => ['SYNCED', 2]));
      // five kinds of edit (remarks; phone; address; partner + vendor; promised date + remarks), one statement each
      expect(updates).toHaveLength(5);

      const { rows } = await db.owner.query(
        `SELECT id, remarks, customer_phone, address, partner_id, vendor, promised_date::text AS promised, version
           FROM orders WHERE id = ANY($1::uuid[])`,
        [orders.map((o) => o.id)],
      );
      const row = (i: number) => rows.find((r) => r.id === orders[i]!.id);
      expect(row(0)).toMatchObject({ remarks: '첫째', customer_phone: '010-1234-5678', vendor: '삼성', version: 2 });
      expect(row(1)).toMatchObject({ customer_phone: '010-9876-5432', remarks: null, version: 2 });
      expect(row(2)!.address).toEqual(newAddress);
      expect(row(3)).toMatchObject({ remarks: '넷째', partner_id: world.partner.id });
      expect(row(4)).toMatchObject({ partner_id: null, vendor: null, remarks: null });
      expect(row(5)).toMatchObject({ promised: '2026-12-24', remarks: null, vendor: '삼성' });
      // the audit trail names exactly the fields each op changed (remarks null → null is no change)
      const { rows: audits } = await db.owner.query(
        `SELECT record_id AS id, array(SELECT jsonb_object_keys(diff) ORDER BY 1) AS keys
           FROM audit_logs WHERE record_id = ANY($1::uuid[]) AND action = 'UPDATE'`,
        [orders.map((o) => o.id)],
      );
      const keys = (i: number) => audits.filter((a) => a.id === orders[i]!.id).map((a) => a.keys);
      expect(keys(0)).toEqual([['remarks', 'version']]);
      expect(keys(1)).toEqual([['customer_phone', 'version']]);
      expect(keys(2)).toEqual([['address', 'version']]);
      expect(keys(4)).toEqual([['partner_id', 'vendor', 'version']]);
      expect(keys(5)).toEqual([['promised_date', 'version']]);
    });

    it('a refused edit in a chunk of distinct orders: the chunk is applied op by op, nothing of the first try stays', async () => {
      const day = addDays(seoulToday(), 35);
      const orders = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          makeOrder(db.owner, { branchId: world.branch.id, appointmentDate: i === 4 ? day : null }),
        ),
      );
      await db.owner.query(
        `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
         VALUES ($1, $2, $2::date + 6, 'LOCKED', now())
         ON CONFLICT (branch_id, period_start) DO UPDATE SET status = 'LOCKED'`,
        [world.branch.id, mondayOf(day)],
      );
      const token = await server.login(world.manager.username);
      // op 2 expects a version that never was (CONFLICT); op 4's week is locked (the trigger refuses it: FAILED)
      const ops = orders.map((o, i) => update(o.id, i === 1 ? 7 : 1, { remarks: `거절 ${i}` }));
      const results = await push(token, ops);
      expect(results.map((r) => r.status)).toEqual(['SYNCED', 'CONFLICT', 'SYNCED', 'FAILED', 'SYNCED']);
      expect(results[3]!.error).toMatchObject({ code: 'LOCKED' });
      for (const i of [0, 2, 4]) {
        expect(results[i]).toMatchObject({ version: 2 });
        expect(await serverOrder(orders[i]!.id)).toMatchObject({ remarks: `거절 ${i}`, version: 2 });
        expect(await auditCount(orders[i]!.id)).toBe(1);
      }
      for (const i of [1, 3]) {
        expect(await serverOrder(orders[i]!.id)).toMatchObject({ remarks: null, version: 1 });
        expect(await auditCount(orders[i]!.id)).toBe(0);
      }
      const { rows } = await db.owner.query(
        'SELECT status, count(*)::int AS n FROM offline_sync_queue WHERE op_id = ANY($1::uuid[]) GROUP BY status ORDER BY status',
        [ops.map((o) => o.opId)],
      );
      expect(rows).toEqual([
        { status: 'CONFLICT', n: 1 },
        { status: 'FAILED', n: 1 },
        { status: 'SYNCED', n: 3 },
      ]);
    });

    it('two pushes at once edit the same 40 orders from version 1: each order written once, the other edit CONFLICT', async () => {
      const orders = await Promise.all(
        Array.from({ length: 40 }, () => makeOrder(db.owner, { branchId: world.branch.id })),
      );
      const [manager, hq] = [await server.login(world.manager.username), await server.login(world.hq.username)];
      const mine = orders.map((o) => update(o.id, 1, { remarks: '지점' }));
      // the other push lists the orders the other way round
      const theirs = [...orders].reverse().map((o) => update(o.id, 1, { remarks: '본사' }));
      const [a, b] = await Promise.all([push(manager, mine), push(hq, theirs)]);
      const byOrder = new Map<string, string[]>();
      for (const [ops, results] of [
        [mine, a],
        [theirs, b],
      ] as const)
        for (const [i, r] of results.entries()) {
          const id = ops[i]!.entityId;
          byOrder.set(id, [...(byOrder.get(id) ?? []), r.status]);
        }
      for (const o of orders) {
        expect(byOrder.get(o.id)!.sort()).toEqual(['CONFLICT', 'SYNCED']);
        const row = await serverOrder(o.id);
        expect(row.version).toBe(2);
        // the edit that was written is the one answered SYNCED
        const won = a[mine.findIndex((op) => op.entityId === o.id)]!.status === 'SYNCED' ? '지점' : '본사';
        expect(row.remarks).toBe(won);
        expect(await auditCount(o.id)).toBe(1);
      }
    });

    it('an edit the schema refuses, amid edits of distinct orders: FAILED naming the field, the others applied', async () => {
      const orders = await Promise.all([1, 2, 3].map(() => makeOrder(db.owner, { branchId: world.branch.id })));
      const token = await server.login(world.manager.username);
      const ops = [
        update(orders[0]!.id, 1, { remarks: '앞' }),
        update(orders[1]!.id, 1, { customerName: '   ' }),
        update(orders[2]!.id, 1, { remarks: '뒤' }),
      ];
      const results = await push(token, ops);
      expect(results.map((r) => r.status)).toEqual(['SYNCED', 'FAILED', 'SYNCED']);
      expect(results[1]!.error).toMatchObject({ code: 'VALIDATION', field: 'customerName' });
      expect(await serverOrder(orders[0]!.id)).toMatchObject({ remarks: '앞', version: 2 });
      expect(await serverOrder(orders[1]!.id)).toMatchObject({ customer_name: '홍길동', version: 1 });
      expect(await serverOrder(orders[2]!.id)).toMatchObject({ remarks: '뒤', version: 2 });
    });

    it('120 ops on one order across three transactions apply in order; a conflict in the middle stops none', async () => {
      const o = await makeOrder(db.owner, { branchId: world.branch.id });
      const token = await server.login(world.manager.username);
      // each op expects the version the one before it produced; op 60 expects a version that never was
      const ops = Array.from({ length: 120 }, (_, i) =>
        update(o.id, i === 59 ? 999 : i < 59 ? i + 1 : i, { remarks: `#${i}` }),
      );
      const results = await push(token, ops);
      expect(results).toHaveLength(120);
      expect(results.filter((r) => r.status !== 'SYNCED').map((r) => [r.opId, r.status])).toEqual([
        [ops[59]!.opId, 'CONFLICT'],
      ]);
      expect(results[119]).toMatchObject({ status: 'SYNCED', version: 120 });
      expect(await serverOrder(o.id)).toMatchObject({ remarks: '#119', version: 120 });
      expect(await auditCount(o.id)).toBe(119);
      // the conflict's notification reached the user (FR-11), once
      const n = await db.owner.query(
        "SELECT count(*)::int AS n FROM notifications WHERE category = 'SYNC_CONFLICT' AND payload->>'opId' = $1",
        [ops[59]!.opId],
      );
      expect(n.rows[0].n).toBe(1);
    });

    it('a cached answer reflects a pushed change as soon as the push has answered', async () => {
      const name = `청크고객${Date.now()}`;
      const o = await makeOrder(db.owner, { branchId: world.branch.id, customerName: name });
      const token = await server.login(world.manager.username);
      const path = `/api/customers/history?name=${encodeURIComponent(name)}`;
      expect((await server.request('GET', path, { token })).body.items).toHaveLength(1);
      expect((await server.request('GET', path, { token })).body.items).toHaveLength(1); // now cached
      const results = await push(token, [
        update(o.id, 1, { remarks: '이름 바꾸기 전' }),
        update(o.id, 2, { customerName: `${name}X` }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['SYNCED', 'SYNCED']);
      expect((await server.request('GET', path, { token })).body.items).toHaveLength(0);
    });
  });
});
