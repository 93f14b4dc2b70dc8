import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import { addDays, createOrder, seoulToday, uniq, type World } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let a: World;
let b: World;
const t = {} as Tokens;

beforeAll(async () => {
  ({ db, api, a, b } = await startApiSuite(t));
});
afterAll(() => stopApiSuite({ api, db }));

describe('GET /api/customers/history', () => {
  it('finds a customer’s orders by name or by phone, newest first, only those the caller may see', async () => {
    const name = uniq('고객');
    const phone = `010-${Math.floor(1000 + Math.random() * 8999)}-0001`;
    const older = await createOrder(db.owner, {
      branchId: a.branch.id,
      customerName: name,
      customerPhone: phone,
      createdAt: new Date(Date.now() - 86_400_000),
    });
    const newer = await createOrder(db.owner, { branchId: a.branch.id, customerName: name, customerPhone: phone });
    const elsewhere = await createOrder(db.owner, { branchId: b.branch.id, customerName: name, customerPhone: phone });

    const byName = await api.request('GET', `/api/customers/history?name=${encodeURIComponent(name)}`, {
      token: t.manager,
    });
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((o: { id: string }) => o.id)).toEqual([newer.id, older.id]);
    expect(byName.body.items[0]).toMatchObject({ branchName: a.branch.name, items: '소형 가전 GEN-100 ×1' });

    const byPhone = await api.request('GET', `/api/customers/history?phone=${encodeURIComponent(phone)}`, {
      token: t.hq,
    });
    expect(byPhone.body.items.map((o: { id: string }) => o.id).sort()).toEqual(
      [older.id, newer.id, elsewhere.id].sort(),
    );
  });

  it('finds by phone the orders where the number is the second phone too (a landline beside the mobile)', async () => {
    const phone = `02-${Math.floor(100 + Math.random() * 899)}-${Math.floor(1000 + Math.random() * 8999)}`;
    const first = await createOrder(db.owner, {
      branchId: a.branch.id,
      customerPhone: phone,
      createdAt: new Date(Date.now() - 86_400_000),
    });
    const second = await createOrder(db.owner, { branchId: a.branch.id, customerPhone: '010-1234-0000' });
    await db.owner.query('UPDATE orders SET customer_phone2 = $2 WHERE id = $1', [second.id, phone]);
    const found = await api.request('GET', `/api/customers/history?phone=${encodeURIComponent(phone)}`, {
      token: t.manager,
    });
    expect(found.status).toBe(200);
    expect(found.body.items.map((o: { id: string }) => o.id)).toEqual([second.id, first.id]);
  });

  it('finds the same customer however the clerk typed the number, at entry and in the search', async () => {
    const last = String(Math.floor(1000 + Math.random() * 8999));
    const created = await api.request('POST', '/api/orders', {
      token: t.manager,
      body: {
        orderNo: uniq('PH-'),
        branchId: a.branch.id,
        customerName: uniq('고객'),
        customerPhone: `+82 10 5555 ${last}`,
        address: { line1: '서울 중구 세종대로 110', city: '서울' },
        vendor: '삼성',
        lines: [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.customerPhone).toBe(`010-5555-${last}`);
    for (const typed of [`0105555${last}`, `010 5555 ${last}`, `010-5555-${last}`]) {
      const found = await api.request('GET', `/api/customers/history?phone=${encodeURIComponent(typed)}`, {
        token: t.manager,
      });
      expect(found.status, typed).toBe(200);
      expect(
        found.body.items.map((o: { id: string }) => o.id),
        typed,
      ).toEqual([created.body.id]);
    }
  });

  it('needs exactly one of name and phone (400 naming it); partners and installers may not (403)', async () => {
    const none = await api.request('GET', '/api/customers/history', { token: t.manager });
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('name');
    const both = await api.request('GET', '/api/customers/history?name=a&phone=010-1111-2222', { token: t.manager });
    expect(both.status).toBe(400);
    const badPhone = await api.request('GET', '/api/customers/history?phone=call-me', { token: t.manager });
    expect(badPhone.body.error.field).toBe('phone');
    for (const token of [t.coordinator, t.installer]) {
      expect((await api.request('GET', '/api/customers/history?name=x', { token })).status).toBe(403);
    }
  });
});

describe('GET /api/dashboard/progress', () => {
  it('counts orders per status for every day of the range, with totals', async () => {
    const today = seoulToday();
    const d1 = addDays(today, 10);
    const d2 = addDays(today, 11);
    await createOrder(db.owner, {
      branchId: a.branch.id,
      appointmentDate: d1,
      status: '배정',
      installerId: a.installer.id,
    });
    await createOrder(db.owner, {
      branchId: a.branch.id,
      appointmentDate: d1,
      status: '배정',
      installerId: a.installer.id,
    });
    await createOrder(db.owner, { branchId: a.branch.id, appointmentDate: d1, status: '취소' });
    await createOrder(db.owner, { branchId: b.branch.id, appointmentDate: d1, status: '취소' });

    const r = await api.request(
      'GET',
      `/api/dashboard/progress?branchId=${a.branch.id}&from=${d1}&to=${d2}&dateField=appointment`,
      { token: t.manager },
    );
    expect(r.status).toBe(200);
    expect(r.body.days).toHaveLength(2);
    expect(r.body.days[0]).toMatchObject({ date: d1, total: 3, counts: { 배정: 2, 취소: 1, 미배정: 0 } });
    expect(r.body.days[1]).toMatchObject({ date: d2, total: 0 });
    expect(r.body.totals).toMatchObject({ 배정: 2, 취소: 1 });

    const created = await api.request('GET', `/api/dashboard/progress?from=${today}&to=${today}`, { token: t.manager });
    expect(created.status).toBe(200);
    expect(created.body.branchId).toBe(a.branch.id);
    expect(created.body.total).toBeGreaterThanOrEqual(3);
  });

  it('names bad input, refuses installers (403) and other branches (404)', async () => {
    const today = seoulToday();
    const reversed = await api.request('GET', `/api/dashboard/progress?from=${today}&to=${addDays(today, -1)}`, {
      token: t.hq,
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.field).toBe('to');
    const long = await api.request('GET', `/api/dashboard/progress?from=2020-01-01&to=${today}`, { token: t.hq });
    expect(long.body.error.field).toBe('to');
    const noFrom = await api.request('GET', `/api/dashboard/progress?to=${today}`, { token: t.hq });
    expect(noFrom.body.error.field).toBe('from');
    const r403 = await api.request('GET', `/api/dashboard/progress?from=${today}&to=${today}`, { token: t.installer });
    expect(r403.status).toBe(403);
    const r404 = await api.request('GET', `/api/dashboard/progress?branchId=${b.branch.id}&from=${today}&to=${today}`, {
      token: t.manager,
    });
    expect(r404.status).toBe(404);
  });
});
