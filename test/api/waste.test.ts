import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenPair } from '../../server/auth/auth.service.js';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import {
  addDays,
  auditRows,
  createOrder,
  createPartner,
  createWorld,
  type OrderFixture,
  seoulToday,
  type World,
} from '../support/fixtures.js';
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

function order(o: Partial<Parameters<typeof createOrder>[1]> = {}): Promise<OrderFixture> {
  return createOrder(db.owner, {
    branchId: a.branch.id,
    partnerId: a.partner.id,
    installerId: a.installer.id,
    status: '출문',
    ...o,
  });
}

describe('waste pick-ups on an order', () => {
  it('takes the id the client chose, and with the order version it read refuses a changed order (409)', async () => {
    const o = await order();
    const id = '0193a000-0000-7000-8000-00000000a001';
    const stale = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.manager,
      body: { id, code: 'P02', quantity: 1, version: o.version + 1 },
    });
    expect(stale.status).toBe(409);
    const added = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.manager,
      body: { id, code: 'P02', quantity: 1, version: o.version },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id, code: 'P02', version: 1 });
    const again = await db.owner.query('SELECT version FROM orders WHERE id = $1', [o.id]);
    expect(again.rows[0].version).toBe(o.version);
  });

  it('adds (collector = the order’s installer, collected now), edits and removes with versions; audited', async () => {
    const o = await order();
    const added = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.installer,
      body: { code: 'p01', quantity: 1 },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      code: 'P01',
      nameKo: '냉장고',
      quantity: 1,
      status: 'COLLECTED',
      collectedBy: a.installer.id,
      collectorName: a.installer.name,
      version: 1,
    });
    expect(added.body.collectedAt).toEqual(expect.any(String));
    const edited = await api.request('PATCH', `/api/orders/${o.id}/waste/${added.body.id}`, {
      token: t.manager,
      body: { version: 1, quantity: 2, code: 'P02' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ code: 'P02', quantity: 2, version: 2 });
    const list = await api.request('GET', `/api/orders/${o.id}/waste`, { token: t.coordinator });
    expect(list.body.items).toHaveLength(1);
    const stale = await api.request('DELETE', `/api/orders/${o.id}/waste/${added.body.id}?version=1`, {
      token: t.manager,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current.version).toBe(2);
    const removed = await api.request('DELETE', `/api/orders/${o.id}/waste/${added.body.id}?version=2`, {
      token: t.manager,
    });
    expect(removed.status).toBe(204);
    const audit = await auditRows(db.owner, 'waste_pickups', added.body.id);
    expect(audit.map((r) => [r.action, r.actor_id])).toEqual([
      ['INSERT', a.installerUser.id],
      ['UPDATE', a.manager.id],
      ['DELETE', a.manager.id],
    ]);
    expect(audit[1]!.diff).toMatchObject({ quantity: { old: 1, new: 2 }, code: { old: 'P01', new: 'P02' } });
  });

  it('one row per code per order: a second P01 (also by edit) is a 409 naming the code', async () => {
    const o = await order();
    await api.request('POST', `/api/orders/${o.id}/waste`, { token: t.manager, body: { code: 'P01', quantity: 1 } });
    const dup = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.manager,
      body: { code: 'P01', quantity: 3 },
      headers: { 'accept-language': 'en' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'DUPLICATE', field: 'code', details: { code: 'P01' } });
    expect(dup.body.error.message).toContain('P01');
    const other = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.manager,
      body: { code: 'P03', quantity: 1 },
    });
    const byEdit = await api.request('PATCH', `/api/orders/${o.id}/waste/${other.body.id}`, {
      token: t.manager,
      body: { version: other.body.version, code: 'P01' },
    });
    expect(byEdit.status).toBe(409);
    expect(byEdit.body.error.field).toBe('code');
  });

  it('names the field of bad input (400); unknown or inactive codes and foreign collectors are 422', async () => {
    const o = await order();
    const cases: [unknown, string][] = [
      [{ code: 'P1', quantity: 1 }, 'code'],
      [{ code: 'P01', quantity: 0 }, 'quantity'],
      [{ code: 'P01', quantity: 1.5 }, 'quantity'],
      [{ code: 'P01' }, 'quantity'],
      [{ code: 'P01', quantity: 1, status: 'LOST' }, 'status'],
      [{ code: 'P01', quantity: 1, collectedBy: 'x' }, 'collectedBy'],
      [{ code: 'P01', quantity: 1, weight: 3 }, 'weight'],
    ];
    for (const [body, field] of cases) {
      const r = await api.request('POST', `/api/orders/${o.id}/waste`, { token: t.manager, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    const unknown = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.manager,
      body: { code: 'Q99', quantity: 1 },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'WASTE_CODE', field: 'code' });
    await db.owner.query(
      `INSERT INTO waste_codes(code, name_ko, name_en, is_active) VALUES ('Q98', '구형', 'Old', false)`,
    );
    const inactive = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.manager,
      body: { code: 'Q98', quantity: 1 },
    });
    expect(inactive.status).toBe(422);
    expect(inactive.body.error.field).toBe('code');
    const foreign = await api.request('POST', `/api/orders/${o.id}/waste`, {
      token: t.manager,
      body: { code: 'P05', quantity: 1, collectedBy: b.installer.id },
    });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.field).toBe('collectedBy');
    const emptyPatch = await api.request('PATCH', `/api/orders/${o.id}/waste/${o.id}`, {
      token: t.manager,
      body: { version: 1 },
    });
    expect(emptyPatch.status).toBe(400);
    expect((await db.owner.query('SELECT 1 FROM waste_pickups WHERE order_id = $1', [o.id])).rowCount).toBe(0);
  });

  it('RBAC and RLS: coordinators may not record (403); another branch is a 404; cancelled orders 422', async () => {
    const o = await order();
    const body = { code: 'P01', quantity: 1 };
    expect((await api.request('POST', `/api/orders/${o.id}/waste`, { token: t.coordinator, body })).status).toBe(403);
    expect((await api.request('POST', `/api/orders/${o.id}/waste`, { token: t.otherManager, body })).status).toBe(404);
    const cancelled = await order({ status: '취소' });
    const r = await api.request('POST', `/api/orders/${cancelled.id}/waste`, { token: t.manager, body });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('ORDER_CLOSED');
  });
});

describe('FR-07 totals and the ECOAS report', () => {
  // A branch and partners of their own, so the totals are exactly these rows.
  let w: World;
  let wt: { hq: TokenPair; manager: TokenPair; coordinator: TokenPair };
  let partner2: { id: string; name: string };
  const day1 = addDays(seoulToday(), -2);
  const day2 = addDays(seoulToday(), -1);
  const orders: OrderFixture[] = [];

  beforeAll(async () => {
    w = await createWorld(db.owner);
    partner2 = await createPartner(db.owner);
    wt = {
      hq: await api.login(w.hq.username),
      manager: await api.login(w.manager.username),
      coordinator: await api.login(w.coordinator.username),
    };
    const mk = async (partnerId: string, city: string) => {
      const o = await createOrder(db.owner, {
        branchId: w.branch.id,
        partnerId,
        installerId: w.installer.id,
        status: '인수',
        appointmentDate: null,
      });
      await db.owner.query(
        `UPDATE orders SET address = jsonb_build_object('line1', '1', 'city', $2::text) WHERE id = $1`,
        [o.id, city],
      );
      orders.push(o);
      return o;
    };
    const o1 = await mk(w.partner.id, '서울');
    const o2 = await mk(w.partner.id, '부산');
    const o3 = await mk(partner2.id, '대구');
    const at = (day: string, hour: string) => `${day}T${hour}:00:00+09:00`;
    const add = (o: OrderFixture, code: string, quantity: number, collectedAt: string, status = 'COLLECTED') =>
      api.request('POST', `/api/orders/${o.id}/waste`, {
        token: wt.manager,
        body: { code, quantity, collectedAt, status },
      });
    for (const r of [
      await add(o1, 'P01', 1, at(day1, '10')),
      await add(o1, 'P02', 2, at(day1, '23')),
      await add(o2, 'P01', 3, at(day2, '00')),
      await add(o3, 'P01', 4, at(day2, '12'), 'REPORTED'),
      await add(o3, 'P03', 9, at(day2, '13'), 'PLANNED'),
    ]) {
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
  });

  it('totals by code, by (Korean) day and by partner; PLANNED is not collected', async () => {
    const q = `from=${day1}&to=${day2}&branchId=${w.branch.id}`;
    const byCode = await api.request('GET', `/api/waste/summary?${q}&groupBy=code`, { token: wt.hq });
    expect(byCode.status).toBe(200);
    expect(byCode.body.groups).toEqual([
      { key: 'P01', label: '냉장고', labelEn: 'Refrigerator', quantity: 8, pickups: 3, orders: 3 },
      { key: 'P02', label: '세탁기', labelEn: 'Washing machine', quantity: 2, pickups: 1, orders: 1 },
    ]);
    expect(byCode.body.total).toEqual({ quantity: 10, pickups: 4 });
    const byDay = await api.request('GET', `/api/waste/summary?${q}&groupBy=day`, { token: wt.manager });
    expect(byDay.body.groups.map((g: { key: string; quantity: number }) => [g.key, g.quantity])).toEqual([
      [day1, 3],
      [day2, 7],
    ]);
    const byPartner = await api.request('GET', `/api/waste/summary?${q}&groupBy=partner`, { token: wt.hq });
    expect(byPartner.body.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: w.partner.id, label: w.partner.name, quantity: 6 }),
        expect.objectContaining({ key: partner2.id, label: partner2.name, quantity: 4 }),
      ]),
    );
    const planned = await api.request('GET', `/api/waste/summary?${q}&status=PLANNED`, { token: wt.hq });
    expect(planned.body.total).toEqual({ quantity: 9, pickups: 1 });
    const onePartner = await api.request('GET', `/api/waste/summary?${q}&partnerId=${partner2.id}`, { token: wt.hq });
    expect(onePartner.body.total.quantity).toBe(4);
  });

  it('scopes: a coordinator gets its partner only (another is a 404); a manager its branch; installers 403', async () => {
    const q = `from=${day1}&to=${day2}`;
    const mine = await api.request('GET', `/api/waste/summary?${q}`, { token: wt.coordinator });
    expect(mine.body.partnerId).toBe(w.partner.id);
    expect(mine.body.total.quantity).toBe(6);
    const theirs = await api.request('GET', `/api/waste/summary?${q}&partnerId=${partner2.id}`, {
      token: wt.coordinator,
    });
    expect(theirs.status).toBe(404);
    const otherBranch = await api.request('GET', `/api/waste/summary?${q}&branchId=${w.branch.id}`, {
      token: t.manager,
    });
    expect(otherBranch.status).toBe(404);
    const own = await api.request('GET', `/api/waste/summary?${q}`, { token: t.manager });
    expect(own.body.branchId).toBe(a.branch.id);
    expect((await api.request('GET', `/api/waste/summary?${q}`, { token: t.installer })).status).toBe(403);
  });

  it('names bad query fields (400)', async () => {
    const cases: [string, string][] = [
      [`from=${day1}`, 'to'],
      [`from=2024-13-01&to=${day2}`, 'from'],
      [`from=${day2}&to=${day1}`, 'to'],
      [`from=${day1}&to=${day2}&groupBy=month`, 'groupBy'],
      [`from=2020-01-01&to=2022-01-01`, 'to'],
      [`from=${day1}&to=${day2}&branchId=x`, 'branchId'],
    ];
    for (const [q, field] of cases) {
      const r = await api.request('GET', `/api/waste/summary?${q}`, { token: t.hq });
      expect(r.status, q).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    const ecoas = await api.request('GET', '/api/waste/ecoas?month=2024-13', { token: t.hq });
    expect(ecoas.status).toBe(400);
    expect(ecoas.body.error.field).toBe('month');
  });

  /** The months the two days fall in (they may straddle a month boundary). */
  const months = () => [...new Set([day1.slice(0, 7), day2.slice(0, 7)])];

  it('ECOAS xlsx: the file read back with exceljs has exactly the collected rows of the month', async () => {
    const rows: unknown[][] = [];
    for (const month of months()) {
      const res = await fetch(`${api.url}/api/waste/ecoas?month=${month}&branchId=${w.branch.id}&format=xlsx`, {
        headers: { authorization: `Bearer ${wt.hq.accessToken}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('spreadsheetml');
      expect(res.headers.get('content-disposition')).toContain(`ECOAS_${month}_${w.branch.code}.xlsx`);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
      const sheet = wb.worksheets[0]!;
      expect(sheet.getRow(1).values).toEqual([
        undefined,
        '수거일자',
        '수주번호',
        '부서코드',
        '폐가전코드',
        '품목명',
        '수량',
        '수거자',
        '시군구',
      ]);
      sheet.eachRow((row, n) => {
        if (n > 1) rows.push((row.values as unknown[]).slice(1));
      });
    }
    const [o1, o2, o3] = orders as [OrderFixture, OrderFixture, OrderFixture];
    expect(rows).toEqual([
      [day1, o1.orderNo, w.branch.code, 'P01', '냉장고', 1, w.installer.name, '서울'],
      [day1, o1.orderNo, w.branch.code, 'P02', '세탁기', 2, w.installer.name, '서울'],
      [day2, o2.orderNo, w.branch.code, 'P01', '냉장고', 3, w.installer.name, '부산'],
      [day2, o3.orderNo, w.branch.code, 'P01', '냉장고', 4, w.installer.name, '대구'],
    ]);
  });

  it('ECOAS csv: UTF-8 with a byte-order mark, the same rows, English headers on request', async () => {
    let body = '';
    for (const month of months()) {
      const res = await fetch(`${api.url}/api/waste/ecoas?month=${month}&format=csv`, {
        headers: { authorization: `Bearer ${wt.manager.accessToken}`, 'accept-language': 'en' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      body += bytes.toString('utf8').slice(1);
    }
    const lines = body.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('Date,Order no.,Branch code,Waste code,Item,Quantity,Collector,City');
    const data = lines.filter((l) => !l.startsWith('Date,'));
    expect(data).toHaveLength(4);
    expect(data[0]).toBe(`${day1},${orders[0]!.orderNo},${w.branch.code},P01,Refrigerator,1,${w.installer.name},서울`);
  });

  it('ECOAS: an installer may not (403); another branch’s manager naming this branch gets 404', async () => {
    const month = day2.slice(0, 7);
    expect((await api.request('GET', `/api/waste/ecoas?month=${month}`, { token: t.installer })).status).toBe(403);
    const r = await api.request('GET', `/api/waste/ecoas?month=${month}&branchId=${w.branch.id}`, {
      token: t.manager,
    });
    expect(r.status).toBe(404);
  });
});
