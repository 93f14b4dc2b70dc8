import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import {
  auditRows,
  createOrder,
  mondayOf,
  type OrderFixture,
  seoulToday,
  uniq,
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

/** AC-… needs a serial per unit (item_skill_rules: AC → requires_serial); GEN-… does not. */
function order(o: Partial<Parameters<typeof createOrder>[1]> = {}): Promise<OrderFixture> {
  return createOrder(db.owner, {
    branchId: a.branch.id,
    partnerId: a.partner.id,
    installerId: a.installer.id,
    status: '출문',
    lines: [
      { itemCode: 'AC-100', itemName: '벽걸이 에어컨', quantity: 3 },
      { itemCode: 'GEN-200', itemName: '선풍기', quantity: 1 },
    ],
    ...o,
  });
}

const serial = () => uniq('SN', 5).toUpperCase();

describe('serial numbers', () => {
  it('records serials on a line (stored upper-case), lists them, and audits them', async () => {
    const o = await order();
    const s1 = serial();
    const res = await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.manager,
      body: { lineId: o.lineIds[0], serials: [s1.toLowerCase(), serial()] },
    });
    expect(res.status).toBe(201);
    expect(res.body.items).toHaveLength(2);
    expect(res.body.items[0]).toMatchObject({ orderLineId: o.lineIds[0], serial: s1, recordedBy: a.manager.id });
    const list = await api.request('GET', `/api/orders/${o.id}/serials`, { token: t.installer });
    expect(list.body.items.map((s: { serial: string }) => s.serial)).toContain(s1);
    const audit = await auditRows(db.owner, 'serial_numbers', res.body.items[0].id);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'INSERT', actor_id: a.manager.id, branch_id: a.branch.id }),
    ]);
  });

  it('names the field of bad input (400) and changes nothing', async () => {
    const o = await order();
    const s = serial();
    const cases: [unknown, string][] = [
      [{ lineId: o.lineIds[0], serials: [] }, 'serials'],
      [{ lineId: o.lineIds[0], serials: [s, s.toLowerCase()] }, 'serials.1'],
      [{ lineId: o.lineIds[0], serials: ['bad serial!'] }, 'serials.0'],
      [{ lineId: o.lineIds[0], serials: ['x'.repeat(41)] }, 'serials.0'],
      [{ serials: [s] }, 'lineId'],
      [{ lineId: 'nope', serials: [s] }, 'lineId'],
      [{ lineId: o.lineIds[0], serials: [s], note: 1 }, 'note'],
    ];
    for (const [body, field] of cases) {
      const r = await api.request('POST', `/api/orders/${o.id}/serials`, { token: t.manager, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    expect((await db.owner.query('SELECT 1 FROM serial_numbers WHERE order_id = $1', [o.id])).rowCount).toBe(0);
  });

  it('refuses more serials than units, and a line of another order (422)', async () => {
    const o = await order();
    const tooMany = await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.manager,
      body: { lineId: o.lineIds[1], serials: [serial(), serial()] },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error).toMatchObject({ code: 'SERIAL_COUNT', field: 'serials' });
    expect(tooMany.body.error.details).toMatchObject({ quantity: 1, recorded: 0, adding: 2 });
    const other = await order();
    const wrongLine = await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.manager,
      body: { lineId: other.lineIds[0], serials: [serial()] },
    });
    expect(wrongLine.status).toBe(422);
    expect(wrongLine.body.error.field).toBe('lineId');
  });

  it('a serial used anywhere is a 409 naming the holding order’s number and nothing else about it', async () => {
    const theirs = await createOrder(db.owner, {
      branchId: b.branch.id,
      lines: [{ itemCode: 'AC-9', itemName: '에어컨', quantity: 1 }],
    });
    const s = serial();
    const recorded = await api.request('POST', `/api/orders/${theirs.id}/serials`, {
      token: t.otherManager,
      body: { lineId: theirs.lineIds[0], serials: [s] },
    });
    expect(recorded.status).toBe(201);
    const o = await order();
    const dup = await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.manager,
      body: { lineId: o.lineIds[0], serials: [serial(), s.toLowerCase()] },
      headers: { 'accept-language': 'en' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'DUPLICATE', field: 'serials.1' });
    expect(dup.body.error.details).toEqual({ serial: s, orderNo: theirs.orderNo });
    expect(dup.body.error.message).toContain(theirs.orderNo);
    expect(JSON.stringify(dup.body)).not.toContain(theirs.id);
    expect((await db.owner.query('SELECT 1 FROM serial_numbers WHERE order_id = $1', [o.id])).rowCount).toBe(0);
  });

  it('deletes with the version (409 when stale); the serial can then be used again', async () => {
    const o = await order();
    const s = serial();
    const added = await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.installer,
      body: { lineId: o.lineIds[0], serials: [s] },
    });
    const row = added.body.items[0];
    const stale = await api.request('DELETE', `/api/orders/${o.id}/serials/${row.id}?version=${row.version + 1}`, {
      token: t.installer,
    });
    expect(stale.status).toBe(409);
    const bad = await api.request('DELETE', `/api/orders/${o.id}/serials/${row.id}`, { token: t.installer });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('version');
    const ok = await api.request('DELETE', `/api/orders/${o.id}/serials/${row.id}?version=${row.version}`, {
      token: t.installer,
    });
    expect(ok.status).toBe(204);
    expect((await auditRows(db.owner, 'serial_numbers', row.id)).map((r) => r.action)).toEqual(['INSERT', 'DELETE']);
    const again = await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.manager,
      body: { lineId: o.lineIds[0], serials: [s] },
    });
    expect(again.status).toBe(201);
  });

  it('RBAC and RLS: coordinators may not (403); other branches and other installers get 404', async () => {
    const o = await order();
    const body = { lineId: o.lineIds[0], serials: [serial()] };
    expect((await api.request('POST', `/api/orders/${o.id}/serials`, { token: t.coordinator, body })).status).toBe(403);
    expect((await api.request('POST', `/api/orders/${o.id}/serials`, { token: t.otherManager, body })).status).toBe(
      404,
    );
    const notMine = await order({ installerId: null, status: '미배정' });
    expect((await api.request('POST', `/api/orders/${notMine.id}/serials`, { token: t.installer, body })).status).toBe(
      404,
    );
  });

  it('a locked settlement week refuses serial changes (423)', async () => {
    const o = await order();
    await db.owner.query(
      `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
       VALUES ($1, $2, $2::date + 6, 'LOCKED', now())
       ON CONFLICT (branch_id, period_start) DO UPDATE SET status = 'LOCKED'`,
      [a.branch.id, mondayOf(seoulToday())],
    );
    try {
      const r = await api.request('POST', `/api/orders/${o.id}/serials`, {
        token: t.manager,
        body: { lineId: o.lineIds[0], serials: [serial()] },
      });
      expect(r.status).toBe(423);
    } finally {
      await db.owner.query(`UPDATE settlement_periods SET status = 'OPEN' WHERE branch_id = $1`, [a.branch.id]);
    }
  });
});

describe('인수 needs serials; 부분인수 splits off the undelivered part', () => {
  it('인수 is a 422 listing the lines missing serials, then succeeds once every unit has one', async () => {
    const o = await order();
    const refused = await api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.installer,
      body: { version: o.version, status: '인수' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('SERIALS_MISSING');
    expect(refused.body.error.details.lines).toEqual([
      expect.objectContaining({ lineId: o.lineIds[0], itemCode: 'AC-100', quantity: 3, recorded: 0, missing: 3 }),
    ]);
    expect(refused.body.error.message).toContain('AC-100');
    await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.installer,
      body: { lineId: o.lineIds[0], serials: [serial(), serial(), serial()] },
    });
    const ok = await api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.installer,
      body: { version: o.version, status: '인수' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('인수');
  });

  it('an installer’s 부분인수 moves the undelivered units to a new order (same transaction), 미배정 for the branch', async () => {
    const o = await order();
    await api.request('POST', `/api/orders/${o.id}/serials`, {
      token: t.installer,
      body: { lineId: o.lineIds[0], serials: [serial()] },
    });
    const res = await api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.installer,
      body: { version: o.version, status: '부분인수', undelivered: [{ lineId: o.lineIds[0], quantity: 2 }] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('부분인수');
    const parentDay = (await db.owner.query('SELECT appointment_date FROM orders WHERE id = $1', [o.id])).rows[0]
      .appointment_date;
    const child = await db.owner.query(
      `SELECT o.id, o.order_no, o.status, o.installer_id, o.appointment_date, l.item_code, l.quantity
         FROM split_orders s JOIN orders o ON o.id = s.child_order_id JOIN order_lines l ON l.order_id = o.id
        WHERE s.parent_order_id = $1`,
      [o.id],
    );
    expect(child.rows).toEqual([
      {
        id: expect.any(String),
        order_no: `${o.orderNo}-S1`,
        status: '미배정',
        installer_id: null,
        // the remainder keeps the parent's day (domain/appointment-slots.ts): it shows on that day's board, unassigned
        appointment_date: parentDay,
        item_code: 'AC-100',
        quantity: 2,
      },
    ]);
    const parent = await db.owner.query('SELECT item_code, quantity FROM order_lines WHERE order_id = $1 ORDER BY 1', [
      o.id,
    ]);
    expect(parent.rows).toEqual([
      { item_code: 'AC-100', quantity: 1 },
      { item_code: 'GEN-200', quantity: 1 },
    ]);
    // the remainder is the branch's to dispatch again: the installer does not see it, the manager does
    const childId = child.rows[0].id;
    expect((await api.request('GET', `/api/orders/${childId}`, { token: t.installer })).status).toBe(404);
    expect((await api.request('GET', `/api/orders/${childId}`, { token: t.manager })).status).toBe(200);
    const history = await db.owner.query(
      'SELECT changed_by FROM order_status_history WHERE order_id = $1 ORDER BY changed_at',
      [childId],
    );
    expect(history.rows).toEqual([{ changed_by: a.installerUser.id }]);
  });

  it('부분인수 without undelivered lines is a 400; with more than the line holds a 422; nothing changes', async () => {
    const o = await order();
    const none = await api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version, status: '부분인수' },
    });
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('undelivered');
    const tooMany = await api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version, status: '부분인수', undelivered: [{ lineId: o.lineIds[1], quantity: 2 }] },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.field).toBe('undelivered.0.quantity');
    const withDelivery = await api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version, status: '인수', undelivered: [{ lineId: o.lineIds[1], quantity: 1 }] },
    });
    expect(withDelivery.status).toBe(400);
    expect(withDelivery.body.error.field).toBe('undelivered');
    // the delivered part still needs its serials: everything is rolled back
    const missing = await api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version, status: '부분인수', undelivered: [{ lineId: o.lineIds[1], quantity: 1 }] },
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('SERIALS_MISSING');
    const after = await db.owner.query('SELECT status, version FROM orders WHERE id = $1', [o.id]);
    expect(after.rows[0]).toEqual({ status: '출문', version: o.version });
    expect((await db.owner.query('SELECT 1 FROM split_orders WHERE parent_order_id = $1', [o.id])).rowCount).toBe(0);
  });
});
