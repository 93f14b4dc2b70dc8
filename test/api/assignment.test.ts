import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenPair } from '../../server/auth/auth.service.js';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import { addDays, auditRows, createInstaller, createOrder, seoulToday, type World } from '../support/fixtures.js';
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

const AIRCON = [{ itemCode: 'AC-1234', itemName: '벽걸이 에어컨', quantity: 1 }];

function assign(orderId: string, body: Record<string, unknown>, token: TokenPair = t.manager) {
  return api.request('POST', `/api/orders/${orderId}/assign`, { token, body: { version: 1, ...body } });
}

describe('POST /api/orders/:id/assign', () => {
  it('assigns: status 배정, the installer and its partner; history and audit carry the actor', async () => {
    const order = await createOrder(db.owner, { branchId: a.branch.id, lines: AIRCON });
    const r = await assign(order.id, { installerId: a.installer.id });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: '배정',
      installerId: a.installer.id,
      installerName: a.installer.name,
      partnerId: a.partner.id,
      version: 2,
    });
    const { rows } = await db.owner.query(
      `SELECT previous_status, new_status, changed_by FROM order_status_history WHERE order_id = $1 ORDER BY changed_at`,
      [order.id],
    );
    expect(rows.at(-1)).toEqual({ previous_status: '미배정', new_status: '배정', changed_by: a.manager.id });
    const audit = (await auditRows(db.owner, 'orders', order.id)).filter((x) => x.action === 'UPDATE');
    expect(audit).toEqual([expect.objectContaining({ actor_id: a.manager.id, note: null })]);
    expect(Object.keys(audit[0]!.diff).sort()).toEqual(['installer_id', 'partner_id', 'status', 'version']);
  });

  it('refuses an installer without the skills the items need, naming them (longest item-code prefix wins)', async () => {
    const plain = await createInstaller(db.owner, { branchId: a.branch.id, skillTags: ['fridge'] });
    const order = await createOrder(db.owner, {
      branchId: a.branch.id,
      lines: [...AIRCON, { itemCode: 'PRM-77', itemName: '프리미엄 냉장고', quantity: 1 }],
    });
    const r = await assign(order.id, { installerId: plain.id });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({
      code: 'ASSIGNMENT_RULE',
      field: 'installerId',
      details: { rule: 'skills', required: ['aircon', 'premium'], missing: ['aircon', 'premium'] },
    });
    expect(r.body.error.message).toContain('aircon, premium');
  });

  it('refuses an inactive installer and one of another branch', async () => {
    const inactive = await createInstaller(db.owner, { branchId: a.branch.id, isActive: false });
    const order = await createOrder(db.owner, { branchId: a.branch.id });
    const r1 = await assign(order.id, { installerId: inactive.id });
    expect(r1.status).toBe(422);
    expect(r1.body.error.details.rule).toBe('active');

    // HQ sees b's installer, but it does not work for a's branch
    const r2 = await assign(order.id, { installerId: b.installer.id }, t.hq);
    expect(r2.status).toBe(422);
    expect(r2.body.error.details.rule).toBe('branch');
    // a's manager cannot see it at all: the same answer
    const r3 = await assign(order.id, { installerId: b.installer.id });
    expect(r3.body.error.details.rule).toBe('branch');
    const { rows } = await db.owner.query('SELECT version, installer_id FROM orders WHERE id = $1', [order.id]);
    expect(rows[0]).toEqual({ version: 1, installer_id: null });
  });

  it('refuses a full day; a branch manager may override with a reason, which the audit log keeps', async () => {
    const one = await createInstaller(db.owner, { branchId: a.branch.id, capacityPerDay: 1 });
    const day = addDays(seoulToday(), 3);
    await createOrder(db.owner, { branchId: a.branch.id, installerId: one.id, status: '배정', appointmentDate: day });
    // orders no longer taking a slot do not count
    await createOrder(db.owner, { branchId: a.branch.id, installerId: one.id, status: '연기', appointmentDate: day });
    await createOrder(db.owner, { branchId: a.branch.id, installerId: one.id, status: '인수', appointmentDate: day });
    const order = await createOrder(db.owner, { branchId: a.branch.id, appointmentDate: day });

    const full = await assign(order.id, { installerId: one.id });
    expect(full.status).toBe(422);
    expect(full.body.error).toMatchObject({
      code: 'ASSIGNMENT_RULE',
      details: { rule: 'capacity', date: day, capacity: 1, assigned: 1 },
    });

    const noReason = await assign(order.id, { installerId: one.id, override: true });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');

    const ok = await assign(order.id, { installerId: one.id, override: true, reason: '고객 VIP, 기사 동의' });
    expect(ok.status).toBe(200);
    const audit = (await auditRows(db.owner, 'orders', order.id)).filter((x) => x.action === 'UPDATE');
    expect(audit[0]!.note).toBe('CAPACITY_OVERRIDE: 고객 VIP, 기사 동의');
    expect(audit[0]!.actor_id).toBe(a.manager.id);
  });

  it('decides concurrent assignments to the last free slot one at a time', async () => {
    const one = await createInstaller(db.owner, { branchId: a.branch.id, capacityPerDay: 1 });
    const day = addDays(seoulToday(), 4);
    const orders = await Promise.all(
      [1, 2, 3, 4].map(() => createOrder(db.owner, { branchId: a.branch.id, appointmentDate: day })),
    );
    const results = await Promise.all(orders.map((o) => assign(o.id, { installerId: one.id })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422, 422]);
    const { rows } = await db.owner.query('SELECT count(*)::int AS n FROM orders WHERE installer_id = $1', [one.id]);
    expect(rows[0].n).toBe(1);
  });

  it('names bad input, refuses roles without the action (403), other branches (404), late statuses (422)', async () => {
    const order = await createOrder(db.owner, { branchId: a.branch.id, partnerId: a.partner.id });
    const bad = await assign(order.id, { installerId: 'somebody' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('installerId');

    for (const token of [t.coordinator, t.installer]) {
      expect((await assign(order.id, { installerId: a.installer.id }, token)).status).toBe(403);
    }
    expect((await assign(order.id, { installerId: a.installer.id }, t.otherManager)).status).toBe(404);

    const departed = await createOrder(db.owner, {
      branchId: a.branch.id,
      installerId: a.installer.id,
      status: '출문',
    });
    const late = await assign(departed.id, { installerId: a.installer.id });
    expect(late.status).toBe(422);
    expect(late.body.error.details).toMatchObject({ rule: 'status', status: '출문' });
  });
});

describe('POST /api/orders/:id/unassign', () => {
  it('takes the installer off and returns the order to 미배정, audited', async () => {
    const order = await createOrder(db.owner, {
      branchId: a.branch.id,
      installerId: a.installer.id,
      status: '배정확정',
    });
    const r = await api.request('POST', `/api/orders/${order.id}/unassign`, { token: t.manager, body: { version: 1 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: '미배정', installerId: null, version: 2 });
    const audit = (await auditRows(db.owner, 'orders', order.id)).filter((x) => x.action === 'UPDATE');
    expect(audit[0]).toMatchObject({ actor_id: a.manager.id });
  });

  it('needs the version (400), the action (403), the branch (404), and a status that may go back (422)', async () => {
    const order = await createOrder(db.owner, { branchId: a.branch.id, installerId: a.installer.id, status: '배정' });
    const none = await api.request('POST', `/api/orders/${order.id}/unassign`, { token: t.manager, body: {} });
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('version');
    const r403 = await api.request('POST', `/api/orders/${order.id}/unassign`, {
      token: t.installer,
      body: { version: 1 },
    });
    expect(r403.status).toBe(403);
    const r404 = await api.request('POST', `/api/orders/${order.id}/unassign`, {
      token: t.otherManager,
      body: { version: 1 },
    });
    expect(r404.status).toBe(404);
    const out = await createOrder(db.owner, { branchId: a.branch.id, installerId: a.installer.id, status: '출문' });
    const r422 = await api.request('POST', `/api/orders/${out.id}/unassign`, {
      token: t.manager,
      body: { version: 1 },
    });
    expect(r422.status).toBe(422);
  });
});

describe('GET /api/installers/assignable', () => {
  it('lists active installers of the branch with a free slot that day, and with the skills of an order', async () => {
    const day = addDays(seoulToday(), 8);
    const fullOne = await createInstaller(db.owner, {
      branchId: a.branch.id,
      capacityPerDay: 1,
      skillTags: ['aircon'],
    });
    const freeOne = await createInstaller(db.owner, {
      branchId: a.branch.id,
      capacityPerDay: 2,
      skillTags: ['aircon'],
    });
    const noSkill = await createInstaller(db.owner, { branchId: a.branch.id, capacityPerDay: 5 });
    const gone = await createInstaller(db.owner, { branchId: a.branch.id, isActive: false });
    await createOrder(db.owner, {
      branchId: a.branch.id,
      installerId: fullOne.id,
      status: '배정',
      appointmentDate: day,
    });
    await createOrder(db.owner, {
      branchId: a.branch.id,
      installerId: freeOne.id,
      status: '출문',
      appointmentDate: day,
    });

    const r = await api.request('GET', `/api/installers/assignable?branchId=${a.branch.id}&date=${day}`, {
      token: t.manager,
    });
    expect(r.status).toBe(200);
    const ids = r.body.items.map((i: { id: string }) => i.id);
    expect(ids).toContain(freeOne.id);
    expect(ids).toContain(noSkill.id);
    expect(ids).not.toContain(fullOne.id);
    expect(ids).not.toContain(gone.id);
    expect(r.body.items.find((i: { id: string }) => i.id === freeOne.id)).toMatchObject({
      capacityPerDay: 2,
      assigned: 1,
      remaining: 1,
    });

    const order = await createOrder(db.owner, { branchId: a.branch.id, lines: AIRCON });
    const skilled = await api.request(
      'GET',
      `/api/installers/assignable?branchId=${a.branch.id}&date=${day}&orderId=${order.id}`,
      { token: t.manager },
    );
    expect(skilled.body.requiredSkills).toEqual(['aircon']);
    const skilledIds = skilled.body.items.map((i: { id: string }) => i.id);
    expect(skilledIds).toContain(freeOne.id);
    expect(skilledIds).not.toContain(noSkill.id);
  });

  it('names bad input, refuses installers (403), hides other branches (404), needs a branch for HQ', async () => {
    const day = seoulToday();
    const noDate = await api.request('GET', `/api/installers/assignable?branchId=${a.branch.id}`, { token: t.manager });
    expect(noDate.status).toBe(400);
    expect(noDate.body.error.field).toBe('date');
    const r403 = await api.request('GET', `/api/installers/assignable?branchId=${a.branch.id}&date=${day}`, {
      token: t.installer,
    });
    expect(r403.status).toBe(403);
    const r404 = await api.request('GET', `/api/installers/assignable?branchId=${b.branch.id}&date=${day}`, {
      token: t.manager,
    });
    expect(r404.status).toBe(404);
    const hq = await api.request('GET', `/api/installers/assignable?date=${day}`, { token: t.hq });
    expect(hq.status).toBe(400);
    expect(hq.body.error.field).toBe('branchId');
  });
});
