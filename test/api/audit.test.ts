import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import { createOrder, type OrderFixture, type World } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let a: World;
const t = {} as Tokens;
let order: OrderFixture;
let childId: string;

beforeAll(async () => {
  ({ db, api, a } = await startApiSuite(t));

  // an order with a history: edited, a waste pick-up, split
  order = await createOrder(db.owner, {
    branchId: a.branch.id,
    lines: [{ itemCode: 'GEN-1', itemName: '소형 가전', quantity: 3 }],
  });
  const patched = await api.request('PATCH', `/api/orders/${order.id}`, {
    token: t.manager,
    body: { version: order.version, remarks: '문 앞에 두세요' },
  });
  expect(patched.status).toBe(200);
  expect(
    (
      await api.request('POST', `/api/orders/${order.id}/waste`, {
        token: t.manager,
        body: { code: 'P01', quantity: 1 },
      })
    ).status,
  ).toBe(201);
  const split = await api.request('POST', `/api/orders/${order.id}/split`, {
    token: t.hq,
    body: { version: patched.body.version, lines: [{ lineId: order.lineIds[0], quantity: 1 }] },
  });
  expect(split.status).toBe(201);
  childId = split.body.child.id;
});
afterAll(() => stopApiSuite({ api, db }));

interface Entry {
  id: string;
  table: string;
  recordId: string;
  action: string;
  diff: Record<string, unknown>;
  actor: { id: string; username: string; fullName: string } | null;
  loggedAt: string;
}

describe('GET /api/audit', () => {
  it('one record: its changes newest first, with the diff, the actor’s username and name, and the time', async () => {
    const res = await api.request('GET', `/api/audit?table=orders&recordId=${order.id}`, { token: t.hq });
    expect(res.status).toBe(200);
    const items = res.body.items as Entry[];
    expect(items.map((e) => e.action)).toEqual(['UPDATE', 'INSERT']);
    expect(items[0]).toMatchObject({
      table: 'orders',
      recordId: order.id,
      diff: { remarks: { old: null, new: '문 앞에 두세요' } },
      actor: { id: a.manager.id, username: a.manager.username, fullName: expect.stringContaining(a.manager.username) },
    });
    expect(Date.parse(items[0]!.loggedAt)).toBeGreaterThan(0);
    expect(items[1]!.actor).toBeNull(); // written by the fixture, outside any request
  });

  it('an order with all its parts and the orders split off it; keyset pages cover it exactly once', async () => {
    const all = await api.request('GET', `/api/audit?orderId=${order.id}&limit=500`, { token: t.manager });
    expect(all.status).toBe(200);
    const items = all.body.items as Entry[];
    const tables = new Set(items.map((e) => e.table));
    expect(tables).toEqual(new Set(['orders', 'order_lines', 'waste_pickups', 'split_orders']));
    expect(items.some((e) => e.table === 'orders' && e.recordId === childId && e.action === 'INSERT')).toBe(true);
    const withoutSplits = await api.request('GET', `/api/audit?orderId=${order.id}&includeSplits=false`, {
      token: t.manager,
    });
    expect((withoutSplits.body.items as Entry[]).some((e) => e.recordId === childId)).toBe(false);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Entry[]; nextCursor: string | null } } = await api.request(
        'GET',
        `/api/audit?orderId=${order.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: t.hq },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(items.map((e) => e.id));
  });

  it('RBAC and RLS: another branch’s manager gets 404; coordinators and installers 403; HQ-only tables 403', async () => {
    expect((await api.request('GET', `/api/audit?orderId=${order.id}`, { token: t.otherManager })).status).toBe(404);
    expect(
      (await api.request('GET', `/api/audit?table=orders&recordId=${order.id}`, { token: t.otherManager })).status,
    ).toBe(404);
    expect(
      (await api.request('GET', `/api/audit?table=order_lines&recordId=${order.lineIds[0]}`, { token: t.otherManager }))
        .status,
    ).toBe(404);
    for (const token of [t.coordinator, t.installer]) {
      expect((await api.request('GET', `/api/audit?orderId=${order.id}`, { token })).status).toBe(403);
    }
    const users = await api.request('GET', `/api/audit?table=users&recordId=${a.manager.id}`, { token: t.manager });
    expect(users.status).toBe(403);
    expect(users.body.error.field).toBe('table');
  });

  it('names bad query fields (400)', async () => {
    const cases: [string, string][] = [
      ['', 'recordId'],
      [`recordId=${order.id}`, 'table'],
      [`table=secrets&recordId=${order.id}`, 'table'],
      ['table=orders&recordId=12', 'recordId'],
      [`orderId=${order.id}&table=orders`, 'table'],
      [`orderId=${order.id}&cursor=zzz`, 'cursor'],
      [`orderId=${order.id}&limit=0`, 'limit'],
    ];
    for (const [q, field] of cases) {
      const r = await api.request('GET', `/api/audit?${q}`, { token: t.hq });
      expect(r.status, q).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
  });
});
