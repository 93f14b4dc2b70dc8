import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ORDER_STATUSES,
  type OrderStatus,
  REASON_REQUIRED,
  STATUS_TARGETS_BY_ROLE,
  TRANSITIONS,
} from '../../domain/order-status.js';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import { addDays, auditRows, createInstaller, createOrder, seoulToday, type World } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let a: World;
const t = {} as Tokens;

beforeAll(async () => {
  ({ db, api, a } = await startApiSuite(t));
});
afterAll(() => stopApiSuite({ api, db }));

const REASON_FOR = { CANCEL: 'C01', POSTPONE: 'P01', ABSENCE: 'A01' } as const;

/** A valid body for moving to `to`: its reason code, and for 연기 the new date. */
function statusBody(to: OrderStatus, version = 1): Record<string, unknown> {
  const body: Record<string, unknown> = { version, status: to };
  const type = REASON_REQUIRED[to];
  if (type) body.reasonCode = REASON_FOR[type];
  if (to === '연기') body.appointmentDate = addDays(seoulToday(), 7);
  return body;
}

/**
 * An order of branch a in `status`, assigned (so every status is a possible starting point), due today. By
 * default to a's installer; the transition table uses one with room for all its orders on one day.
 */
function orderIn(status: OrderStatus, installerId = a.installer.id, quantity = 1) {
  const lines = [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity }];
  return createOrder(db.owner, { branchId: a.branch.id, partnerId: a.partner.id, installerId, status, lines });
}

describe('POST /api/orders/:id/status — the transition table', () => {
  it('every transition of TRANSITIONS succeeds and every other pair gets 422 listing the allowed ones', async () => {
    const roomy = await createInstaller(db.owner, {
      branchId: a.branch.id,
      partnerId: a.partner.id,
      capacityPerDay: 1000,
    });
    const failures: string[] = [];
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        // 부분인수 splits the undelivered part off (split.service.ts): two units, one delivered
        const order = await orderIn(from, roomy.id, to === '부분인수' ? 2 : 1);
        const body = statusBody(to);
        if (to === '부분인수') body.undelivered = [{ lineId: order.lineIds[0], quantity: 1 }];
        const r = await api.request('POST', `/api/orders/${order.id}/status`, { token: t.hq, body });
        const allowed = TRANSITIONS[from].includes(to);
        if (allowed && (r.status !== 200 || r.body.status !== to || r.body.version !== 2)) {
          failures.push(`${from} → ${to}: expected 200, got ${r.status} ${JSON.stringify(r.body)}`);
        }
        if (!allowed) {
          if (r.status !== 422 || r.body.error.code !== 'ILLEGAL_TRANSITION') {
            failures.push(`${from} → ${to}: expected 422, got ${r.status}`);
          } else if (JSON.stringify(r.body.error.details.allowed) !== JSON.stringify(TRANSITIONS[from])) {
            failures.push(`${from} → ${to}: allowed listed as ${r.body.error.details.allowed}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a role only sets the statuses STATUS_TARGETS_BY_ROLE gives it (403 otherwise)', async () => {
    const coordinatorMay = STATUS_TARGETS_BY_ROLE.PARTNER_COORDINATOR as readonly OrderStatus[];
    expect(coordinatorMay).not.toContain('취소');
    const order = await orderIn('배정');
    const r = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.coordinator,
      body: statusBody('취소'),
    });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'status' });

    const ok = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.coordinator,
      body: statusBody('배정확정'),
    });
    expect(ok.status).toBe(200);

    const manager = await api.request('POST', `/api/orders/${(await orderIn('미배정')).id}/status`, {
      token: t.manager,
      body: statusBody('의뢰취소'),
    });
    expect(manager.status).toBe(403);
  });

  it('an installer reports on its own orders and cannot reach anyone else’s (404)', async () => {
    const mine = await orderIn('출고확정');
    const r = await api.request('POST', `/api/orders/${mine.id}/status`, {
      token: t.installer,
      body: statusBody('출문'),
    });
    expect(r.status).toBe(200);
    const absent = await api.request('POST', `/api/orders/${mine.id}/status`, {
      token: t.installer,
      body: { ...statusBody('부재', 2), notes: '초인종 무응답' },
    });
    expect(absent.status).toBe(200);

    const notMine = await createOrder(db.owner, { branchId: a.branch.id, status: '출고확정' });
    const r2 = await api.request('POST', `/api/orders/${notMine.id}/status`, {
      token: t.installer,
      body: statusBody('출문'),
    });
    expect(r2.status).toBe(404);
  });

  it('the 422 message lists the statuses the caller may choose, in the caller’s language', async () => {
    const order = await orderIn('인수');
    const r = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.manager,
      body: statusBody('출문'),
      headers: { 'accept-language': 'en' },
    });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toBe("An order cannot go from '인수' to '출문'. Possible: 회수");
  });
});

describe('POST /api/orders/:id/status — reasons, dates, history', () => {
  it('취소, 연기 and 부재 need an active reason code of their own type', async () => {
    const post = async (from: OrderStatus, body: Record<string, unknown>) => {
      const order = await orderIn(from);
      return api.request('POST', `/api/orders/${order.id}/status`, { token: t.manager, body });
    };
    const missing = await post('배정', { version: 1, status: '취소' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION', field: 'reasonCode' });

    const wrongType = await post('배정', { version: 1, status: '취소', reasonCode: 'P01' });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error).toMatchObject({
      code: 'REASON_CODE',
      field: 'reasonCode',
      details: { expectedType: 'CANCEL' },
    });

    const unknown = await post('출문', { version: 1, status: '부재', reasonCode: 'A99' });
    expect(unknown.status).toBe(422);

    await db.owner.query(`UPDATE reason_codes SET is_active = false WHERE code = 'P04'`);
    const inactive = await post('배정', {
      version: 1,
      status: '연기',
      reasonCode: 'P04',
      appointmentDate: addDays(seoulToday(), 2),
    });
    expect(inactive.status).toBe(422);
    expect(inactive.body.error.code).toBe('REASON_CODE');

    const unexpected = await post('출고확정', { version: 1, status: '출문', reasonCode: 'C01' });
    expect(unexpected.status).toBe(400);
    expect(unexpected.body.error.field).toBe('reasonCode');

    const noDate = await post('배정', { version: 1, status: '연기', reasonCode: 'P01' });
    expect(noDate.status).toBe(400);
    expect(noDate.body.error.field).toBe('appointmentDate');

    const dateElsewhere = await post('배정', { version: 1, status: '배정확정', appointmentDate: seoulToday() });
    expect(dateElsewhere.status).toBe(400);
    expect(dateElsewhere.body.error.field).toBe('appointmentDate');
  });

  it('연기 moves the appointment: history has the reason and note, appointments the change, audit the actor', async () => {
    const order = await orderIn('배정확정');
    const newDate = addDays(seoulToday(), 5);
    const r = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.manager,
      body: { version: 1, status: '연기', reasonCode: 'P02', notes: '물류센터 입고 지연', appointmentDate: newDate },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: '연기', appointmentDate: newDate, installerId: a.installer.id });

    const detail = await api.request('GET', `/api/orders/${order.id}`, { token: t.manager });
    expect(detail.body.statusHistory.at(-1)).toMatchObject({
      previousStatus: '배정확정',
      newStatus: '연기',
      reasonCode: 'P02',
      notes: '물류센터 입고 지연',
      changedBy: a.manager.id,
    });
    expect(detail.body.appointments).toEqual([
      expect.objectContaining({ oldDate: seoulToday(), newDate, changedBy: a.manager.id }),
    ]);
    expect(detail.body.appointments[0].reason).toContain('P02');
    const audit = (await auditRows(db.owner, 'orders', order.id)).filter((x) => x.action === 'UPDATE');
    expect(audit).toEqual([expect.objectContaining({ actor_id: a.manager.id })]);
    expect(audit[0]!.diff).toMatchObject({ status: { old: '배정확정', new: '연기' } });
  });

  it('미배정 clears the installer; 배정 without an installer is a 422 pointing to assignment', async () => {
    const order = await orderIn('배정');
    const r = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.manager,
      body: statusBody('미배정'),
    });
    expect(r.body).toMatchObject({ status: '미배정', installerId: null });
    const back = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.manager,
      body: statusBody('배정', 2),
    });
    expect(back.status).toBe(422);
    expect(back.body.error.code).toBe('NEEDS_INSTALLER');
  });

  it('a stale version is a 409 with the current row; bad input names the field; another branch is a 404', async () => {
    const order = await orderIn('배정');
    const stale = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.manager,
      body: statusBody('배정확정', 5),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current).toMatchObject({ id: order.id, version: 1, status: '배정' });

    const bad = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.manager,
      body: { version: 1, status: 'DONE' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('status');

    const other = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: t.otherManager,
      body: statusBody('배정확정'),
    });
    expect(other.status).toBe(404);
    const { rows } = await db.owner.query('SELECT status, version FROM orders WHERE id = $1', [order.id]);
    expect(rows[0]).toEqual({ status: '배정', version: 1 });
  });
});

describe('POST /api/orders/:id/appointment', () => {
  it('moves the appointment; the log keeps old and new date, window, reason and actor; audited', async () => {
    const order = await orderIn('미배정');
    const date = addDays(seoulToday(), 4);
    const window = { start: `${date}T13:00:00+09:00`, end: `${date}T18:00:00+09:00` }; // 오후, a default slot
    const r = await api.request('POST', `/api/orders/${order.id}/appointment`, {
      token: t.coordinator,
      body: { version: 1, date, timeWindow: window, reason: '고객 요청' },
    });
    // a coordinator reaches only its partner's orders: this one is a's partner's
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ appointmentDate: date, version: 2 });
    expect(r.body.appointmentTimeWindow).toEqual({
      start: new Date(window.start).toISOString(),
      end: new Date(window.end).toISOString(),
    });
    const { rows } = await db.owner.query(
      'SELECT old_date::text, new_date::text, reason, changed_by FROM appointments WHERE order_id = $1',
      [order.id],
    );
    expect(rows).toEqual([
      { old_date: seoulToday(), new_date: date, reason: '고객 요청', changed_by: a.coordinator.id },
    ]);
    const audit = (await auditRows(db.owner, 'orders', order.id)).filter((x) => x.action === 'UPDATE');
    expect(audit[0]).toMatchObject({ actor_id: a.coordinator.id });
  });

  it('needs a reason (400 naming it); an installer may not (403); another branch is a 404; closed orders 422', async () => {
    const order = await orderIn('배정');
    const date = addDays(seoulToday(), 2);
    const noReason = await api.request('POST', `/api/orders/${order.id}/appointment`, {
      token: t.manager,
      body: { version: 1, date },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');

    const installer = await api.request('POST', `/api/orders/${order.id}/appointment`, {
      token: t.installer,
      body: { version: 1, date, reason: 'x' },
    });
    expect(installer.status).toBe(403);

    const other = await api.request('POST', `/api/orders/${order.id}/appointment`, {
      token: t.otherManager,
      body: { version: 1, date, reason: 'x' },
    });
    expect(other.status).toBe(404);

    const closed = await orderIn('취소');
    const r = await api.request('POST', `/api/orders/${closed.id}/appointment`, {
      token: t.manager,
      body: { version: 1, date, reason: 'x' },
    });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('ORDER_CLOSED');
  });

  it('an assigned order cannot move to a day its installer has no free slot on', async () => {
    const installer = (
      await db.owner.query(
        `INSERT INTO installers(branch_id, name, capacity_per_day) VALUES ($1, '한도 1 기사', 1) RETURNING id`,
        [a.branch.id],
      )
    ).rows[0].id as string;
    const full = addDays(seoulToday(), 6);
    await createOrder(db.owner, {
      branchId: a.branch.id,
      installerId: installer,
      status: '배정',
      appointmentDate: full,
    });
    const order = await createOrder(db.owner, { branchId: a.branch.id, installerId: installer, status: '배정확정' });
    const r = await api.request('POST', `/api/orders/${order.id}/appointment`, {
      token: t.manager,
      body: { version: 1, date: full, reason: '고객 요청' },
    });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({
      code: 'ASSIGNMENT_RULE',
      details: { rule: 'capacity', capacity: 1, assigned: 1 },
    });
  });
});
