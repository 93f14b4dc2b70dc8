// 해피콜 outcomes through the API: recorded by the branch (an append, never a version conflict), listed per order
// and per day in the board's order, bad input refused naming the field with nothing written, and the sync op
// happycall.record applied exactly once however often a client resends it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import { addDays, auditRows, createOrder, type OrderFixture, seoulToday, type World } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let a: World;
let b: World;
const t = {} as Tokens;
const tomorrow = addDays(seoulToday(), 1);

beforeAll(async () => {
  ({ db, api, a, b } = await startApiSuite(t));
});
afterAll(() => stopApiSuite({ api, db }));

function order(o: Partial<Parameters<typeof createOrder>[1]> = {}): Promise<OrderFixture> {
  return createOrder(db.owner, {
    branchId: a.branch.id,
    partnerId: a.partner.id,
    installerId: a.installer.id,
    status: '배정확정',
    appointmentDate: tomorrow,
    ...o,
  });
}

async function callsOf(orderId: string) {
  return (await db.owner.query('SELECT * FROM happy_calls WHERE order_id = $1 ORDER BY attempt', [orderId])).rows;
}

describe('recording a 해피콜 outcome', () => {
  it('records who and when, numbers the attempts, leaves the order’s version alone and is audited', async () => {
    const o = await order();
    const first = await api.request('POST', `/api/orders/${o.id}/happy-calls`, {
      token: t.manager,
      body: { outcome: 'NO_ANSWER', retryAt: '2099-01-01T05:00:00Z' },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      orderId: o.id,
      outcome: 'NO_ANSWER',
      attempt: 1,
      calledBy: a.manager.id,
      retryAt: '2099-01-01T05:00:00.000Z',
    });
    // a stale order version does not matter: an outcome is an append
    const second = await api.request('POST', `/api/orders/${o.id}/happy-calls`, {
      token: t.coordinator,
      body: {
        outcome: 'CONFIRMED',
        version: o.version + 3,
        timeWindow: { start: `${tomorrow}T14:00:00+09:00`, end: `${tomorrow}T16:00:00+09:00` },
        note: '오후 2시 이후 가능',
      },
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ outcome: 'CONFIRMED', attempt: 2, calledBy: a.coordinator.id });
    expect(second.body.timeWindow).toEqual({
      start: new Date(`${tomorrow}T05:00:00Z`).toISOString(),
      end: new Date(`${tomorrow}T07:00:00Z`).toISOString(),
    });
    const version = await db.owner.query('SELECT version FROM orders WHERE id = $1', [o.id]);
    expect(version.rows[0].version).toBe(o.version);
    const list = await api.request('GET', `/api/orders/${o.id}/happy-calls`, { token: t.installer });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { outcome: string }) => c.outcome)).toEqual(['NO_ANSWER', 'CONFIRMED']);
    const audit = await auditRows(db.owner, 'happy_calls', second.body.id);
    expect(audit).toHaveLength(1);
  });

  it('refuses an installer (the branch calls), and another branch’s order as not found', async () => {
    const o = await order();
    const inst = await api.request('POST', `/api/orders/${o.id}/happy-calls`, {
      token: t.installer,
      body: { outcome: 'CONFIRMED' },
    });
    expect(inst.status).toBe(403);
    const other = await api.request('POST', `/api/orders/${o.id}/happy-calls`, {
      token: t.otherManager,
      body: { outcome: 'CONFIRMED' },
    });
    expect(other.status).toBe(404);
    expect(await callsOf(o.id)).toHaveLength(0);
  });

  it.each([
    [{ outcome: 'MAYBE' }, 'outcome'],
    [{}, 'outcome'],
    [
      { outcome: 'NO_ANSWER', timeWindow: { start: '2099-01-01T05:00:00Z', end: '2099-01-01T07:00:00Z' } },
      'timeWindow',
    ],
    [
      { outcome: 'CONFIRMED', timeWindow: { start: '2099-01-01T07:00:00Z', end: '2099-01-01T05:00:00Z' } },
      'timeWindow.end',
    ],
    [{ outcome: 'CONFIRMED', retryAt: '2099-01-01T05:00:00Z' }, 'retryAt'],
    [{ outcome: 'CONFIRMED', note: 'x'.repeat(501) }, 'note'],
    [{ outcome: 'CONFIRMED', calledAt: 'yesterday' }, 'calledAt'],
    [{ outcome: 'CONFIRMED', calledAt: '2099-01-01T00:00:00Z' }, 'calledAt'],
    [{ outcome: 'CONFIRMED', id: 'not-a-uuid' }, 'id'],
    [{ outcome: 'CONFIRMED', calledBy: a?.hq?.id ?? '0190a3c2-0000-7000-8000-000000000001' }, 'calledBy'],
  ])('refuses %j with 400 naming %s, writing nothing', async (body, field) => {
    const o = await order();
    const r = await api.request('POST', `/api/orders/${o.id}/happy-calls`, { token: t.manager, body });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
    expect(await callsOf(o.id)).toHaveLength(0);
  });

  it('refuses a malformed order id with 400 naming id, and a cancelled order with 422', async () => {
    const bad = await api.request('POST', '/api/orders/nope/happy-calls', {
      token: t.manager,
      body: { outcome: 'CONFIRMED' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('id');
    const o = await order({ status: '취소' });
    const closed = await api.request('POST', `/api/orders/${o.id}/happy-calls`, {
      token: t.manager,
      body: { outcome: 'CONFIRMED' },
    });
    expect(closed.status).toBe(422);
    expect(await callsOf(o.id)).toHaveLength(0);
  });
});

describe('the day’s list', () => {
  it('lists the day’s assigned orders of the branch with their last call; another branch’s stay out', async () => {
    const day = addDays(seoulToday(), 20);
    const called = await order({ appointmentDate: day });
    const fresh = await order({ appointmentDate: day });
    await order({ appointmentDate: day, status: '미배정', installerId: null });
    await order({ appointmentDate: day, status: '취소' });
    await createOrder(db.owner, {
      branchId: b.branch.id,
      partnerId: b.partner.id,
      installerId: b.installer.id,
      status: '배정',
      appointmentDate: day,
    });
    await api.request('POST', `/api/orders/${called.id}/happy-calls`, {
      token: t.manager,
      body: { outcome: 'WRONG_NUMBER' },
    });
    const r = await api.request('GET', `/api/happy-calls?date=${day}`, { token: t.manager });
    expect(r.status).toBe(200);
    const byId = new Map(r.body.items.map((i: { orderId: string }) => [i.orderId, i]));
    expect([...byId.keys()].sort()).toEqual([called.id, fresh.id].sort());
    expect(byId.get(called.id)).toMatchObject({ lastCall: { outcome: 'WRONG_NUMBER', attempt: 1 } });
    expect(byId.get(fresh.id)).toMatchObject({ lastCall: null, installerName: a.installer.name });
  });

  it.each([
    ['', 'date'],
    ['?date=2026-13-01', 'date'],
    [`?date=${tomorrow}&branchId=x`, 'branchId'],
    [`?date=${tomorrow}&limit=5`, 'limit'],
  ])('refuses the query %s with 400 naming %s', async (query, field) => {
    const r = await api.request('GET', `/api/happy-calls${query}`, { token: t.manager });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
  });
});

describe('the sync op happycall.record', () => {
  it('applies an outcome recorded offline once: a resent push answers the first answer and adds nothing', async () => {
    const o = await order();
    const callId = '0193a000-0000-7000-8000-00000000b0c1';
    const op = {
      opId: '0193a000-0000-7000-8000-00000000b0c2',
      entity: 'orders',
      entityId: o.id,
      kind: 'happycall.record',
      payload: { id: callId, outcome: 'NO_ANSWER', calledAt: new Date(Date.now() - 3_600_000).toISOString() },
      expectedVersion: o.version,
      predicted: [{ entity: 'happy_calls', id: callId }],
    };
    const first = await api.request('POST', '/api/sync/push', {
      token: t.manager,
      body: { clientId: 'branch-pc-hc', ops: [op] },
    });
    expect(first.status).toBe(200);
    expect(first.body.results[0]).toMatchObject({ status: 'SYNCED', version: o.version });
    expect(first.body.results[0].rows[0]).toMatchObject({
      entity: 'happy_calls',
      id: callId,
      row: { outcome: 'NO_ANSWER', attempt: 1, called_by: a.manager.id },
    });
    // the answer was lost: the client sends the same op again, twice
    for (const attempt of [1, 2]) {
      const again = await api.request('POST', '/api/sync/push', {
        token: t.manager,
        body: { clientId: 'branch-pc-hc', ops: [{ ...op, attempt }] },
      });
      expect(again.body.results[0]).toMatchObject({ status: 'SYNCED', replayed: true });
    }
    const rows = await callsOf(o.id);
    expect(rows).toHaveLength(1);
    // the time the clerk called, not the time the link came back
    expect(new Date(rows[0].called_at).toISOString()).toBe(op.payload.calledAt);
  });

  it('refuses an op whose payload is bad, naming the field, and writes nothing', async () => {
    const o = await order();
    const r = await api.request('POST', '/api/sync/push', {
      token: t.manager,
      body: {
        clientId: 'branch-pc-hc',
        ops: [
          {
            opId: '0193a000-0000-7000-8000-00000000b0c3',
            entity: 'orders',
            entityId: o.id,
            kind: 'happycall.record',
            payload: { outcome: 'LATER' },
            expectedVersion: o.version,
          },
        ],
      },
    });
    expect(r.body.results[0]).toMatchObject({ status: 'FAILED', error: { code: 'VALIDATION', field: 'outcome' } });
    expect(await callsOf(o.id)).toHaveLength(0);
  });
});
