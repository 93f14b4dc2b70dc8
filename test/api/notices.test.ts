// Appointment notices (issue 15) end to end: real PostgreSQL, real pg-boss, the SOLAPI simulator over real HTTP.
// The head office's clock is the test's (quiet hours are checked by moving it, never by waiting for the night).
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRequestTransaction } from '../../server/db/transaction.js';
import { createLogger } from '../../server/logger.js';
import { enqueueOrderNotice } from '../../server/notices/notices.service.js';
import { isQuietHour, quietHoursEnd } from '../../server/notices/quiet-hours.js';
import { type ApiSuite, startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import { addDays, createOrder, seoulToday, uniq } from '../support/fixtures.js';
import { enterAs, openSession } from '../support/session.js';
import { type SolapiSimulator, startSolapiSimulator } from '../support/solapi-simulator.js';

const KEY = 'NCSTESTKEY0001';
const SECRET = 'test-api-secret-0123456789';
const WEBHOOK_SECRET = 'webhook-shared-secret-for-tests';

// 11:00 KST on a weekday: inside sending hours
let clock = new Date('2026-12-08T02:00:00Z');
const t = {} as Tokens;
let s: ApiSuite;
let sim: SolapiSimulator;
const logLines: string[] = [];

beforeAll(async () => {
  sim = await startSolapiSimulator({ apiKey: KEY, apiSecret: SECRET, timeoutHoldMs: 2_000 });
  const capture = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  s = await startApiSuite(t, {
    logger: createLogger('info', capture),
    config: {
      jobs: { pollingIntervalSeconds: 1 },
      notices: {
        baseUrl: sim.url,
        apiKey: KEY,
        apiSecret: SECRET,
        pfId: 'KA01PF_TEST',
        sender: '02-1588-0000',
        webhookSecret: WEBHOOK_SECRET,
        timeoutMs: 500,
        dispatchSeconds: 1,
        // no coalescing wait here (it would only slow every test); the superseding is tested in the night's hold
        coalesceSeconds: 0,
        now: () => clock,
      },
    },
  });
  sim.setWebhook(`${s.api.url}/api/notices/provider-reports`, WEBHOOK_SECRET);
  await s.db.owner.query(`INSERT INTO notice_branch_phones(branch_id, phone) VALUES ($1, '02-555-0101')`, [
    s.a.branch.id,
  ]);
}, 60_000);

afterAll(async () => {
  await stopApiSuite(s ?? {});
  await sim?.stop();
});

/** a customer phone no other test uses */
function phone(): string {
  return `010-${String(2000 + Math.floor(Math.random() * 7000))}-${String(1000 + Math.floor(Math.random() * 9000))}`;
}

let made = 0;

async function assignedOrder(customerPhone = phone()) {
  // a few per day: the installer's daily capacity is a rule of assignment
  const day = addDays(seoulToday(), 2 + Math.floor(made++ / 3));
  const order = await createOrder(s.db.owner, {
    branchId: s.a.branch.id,
    customerName: '김고객',
    customerPhone,
    appointmentDate: day,
  });
  const r = await s.api.request('POST', `/api/orders/${order.id}/assign`, {
    token: t.manager,
    body: { version: 1, installerId: s.a.installer.id },
  });
  expect(r.status).toBe(200);
  return { ...order, customerPhone, version: r.body.version as number };
}

async function notices(orderId: string, token = t.manager) {
  const r = await s.api.request('GET', `/api/orders/${orderId}/notices`, { token });
  expect(r.status).toBe(200);
  return r.body.items as {
    status: string;
    channel: string | null;
    event: string;
    reason: string | null;
    attempts: number;
    holdUntil: string | null;
  }[];
}

/** polls the order's notices until `done` holds (the worker and the dispatcher run on their own) */
async function until(orderId: string, done: (n: Awaited<ReturnType<typeof notices>>) => boolean) {
  for (let i = 0; i < 300; i++) {
    const items = await notices(orderId);
    if (done(items)) return items;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`notices of ${orderId} never reached the state: ${JSON.stringify(await notices(orderId))}`);
}

const digits = (p: string) => p.replace(/\D/g, '');

describe('appointment notices', () => {
  it('assignment queues one notice: 알림톡 accepted → SENT, the delivery report arriving later → DELIVERED', async () => {
    const o = await assignedOrder();
    const sent = await until(o.id, (n) => n[0]?.status === 'SENT');
    expect(sent).toEqual([expect.objectContaining({ event: 'ASSIGNED', status: 'SENT', channel: 'ALIMTALK' })]);
    const msg = sim.messages.find((m) => m.to === digits(o.customerPhone))!;
    expect(msg).toMatchObject({ type: 'ATA', from: '0215880000', outcome: 'accepted' });
    expect(msg.kakaoOptions).toMatchObject({
      pfId: 'KA01PF_TEST',
      templateId: 'KA01TP_DISPATCH_ASSIGNED',
      disableSms: true,
      variables: { '#{고객명}': '김고객', '#{기사명}': s.a.installer.name, '#{지점전화}': '02-555-0101' },
    });
    // nothing delivered until the provider reports
    expect((await notices(o.id))[0]!.status).toBe('SENT');
    expect(await sim.deliverReports()).toBeGreaterThan(0);
    expect((await notices(o.id))[0]).toMatchObject({ status: 'DELIVERED', channel: 'ALIMTALK' });
  });

  it('알림톡 refused (no KakaoTalk) → the text goes as SMS/LMS, the refusal kept as the reason', async () => {
    const p = phone();
    sim.rejectAlimtalkFor(p);
    const o = await assignedOrder(p);
    const [n] = await until(o.id, (x) => x[0]?.status === 'SENT');
    // the assignment text is longer than 90 bytes: LMS
    expect(n).toMatchObject({ status: 'SENT', channel: 'LMS' });
    expect(n!.reason).toContain('InvalidKakaoUser');
    const sends = sim.messages.filter((m) => m.to === digits(p));
    expect(sends.map((m) => [m.type, m.outcome])).toEqual([
      ['ATA', 'rejected'],
      ['LMS', 'accepted'],
    ]);
    expect(sends[1]!.text).toContain('김고객 고객님');
    expect(sends[1]!.text).not.toContain('#{');
  });

  it('알림톡 accepted but reported undelivered → the text goes out as SMS/LMS, then is delivered', async () => {
    const p = phone();
    const o = await assignedOrder(p);
    await until(o.id, (x) => x[0]?.status === 'SENT');
    // every send so far is reported at once: the 알림톡 ones as failed (3104: not a KakaoTalk user)
    await sim.deliverReports({ ATA: '3104' });
    const [n] = await until(o.id, (x) => x[0]?.status === 'SENT' && x[0].channel !== 'ALIMTALK');
    expect(n!.channel).toBe('LMS');
    expect(n!.reason).toContain('3104');
    expect(sim.messages.filter((m) => m.to === digits(p)).map((m) => m.type)).toEqual(['ATA', 'LMS']);
    await sim.deliverReports();
    expect((await notices(o.id))[0]).toMatchObject({ status: 'DELIVERED', channel: 'LMS' });
  });

  it('the provider times out → the job is retried with back-off and then sent, once', async () => {
    const p = phone();
    sim.next('timeout');
    const o = await assignedOrder(p);
    const [n] = await until(o.id, (x) => x[0]?.status === 'SENT');
    expect(n).toMatchObject({ status: 'SENT', channel: 'ALIMTALK', attempts: 2 });
    expect(sim.messages.filter((m) => m.to === digits(p)).map((m) => m.outcome)).toEqual(['timeout', 'accepted']);
  });

  it('quiet hours: an assignment at 22:30 KST is held until 08:00 KST and sent then', async () => {
    expect(isQuietHour(new Date('2026-12-08T13:30:00Z'))).toBe(true); // 22:30 KST
    expect(isQuietHour(new Date('2026-12-08T22:59:00Z'))).toBe(true); // 07:59 KST
    expect(isQuietHour(new Date('2026-12-08T23:00:00Z'))).toBe(false); // 08:00 KST
    expect(isQuietHour(new Date('2026-12-08T11:59:00Z'))).toBe(false); // 20:59 KST
    expect(quietHoursEnd(new Date('2026-12-08T13:30:00Z')).toISOString()).toBe('2026-12-08T23:00:00.000Z');
    expect(quietHoursEnd(new Date('2026-12-08T16:00:00Z')).toISOString()).toBe('2026-12-08T23:00:00.000Z');

    const before = clock;
    clock = new Date('2026-12-08T13:30:00Z');
    try {
      const p = phone();
      const o = await assignedOrder(p);
      const [held] = await until(o.id, (x) => x[0]?.status === 'HELD');
      expect(held!.holdUntil).toBe('2026-12-08T23:00:00.000Z');
      clock = new Date('2026-12-08T22:59:00Z');
      // still held a minute before eight (the dispatcher runs every second meanwhile)
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await notices(o.id))[0]!.status).toBe('HELD');
      expect(sim.messages.some((m) => m.to === digits(p))).toBe(false);
      clock = new Date('2026-12-08T23:00:00Z');
      await until(o.id, (x) => x[0]?.status === 'SENT');
      expect(sim.messages.filter((m) => m.to === digits(p))).toHaveLength(1);
    } finally {
      clock = before;
    }
  });

  it('a customer who opted out gets nothing: the notice is SKIPPED (OPTED_OUT)', async () => {
    const p = phone();
    const order = await createOrder(s.db.owner, {
      branchId: s.a.branch.id,
      customerPhone: p,
      appointmentDate: addDays(seoulToday(), 2),
    });
    const patched = await s.api.request('PATCH', `/api/orders/${order.id}`, {
      token: t.manager,
      body: { version: 1, noticesOptOut: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.noticesOptOut).toBe(true);
    const r = await s.api.request('POST', `/api/orders/${order.id}/assign`, {
      token: t.manager,
      body: { version: 2, installerId: s.a.installer.id },
    });
    expect(r.status).toBe(200);
    expect(await notices(order.id)).toEqual([expect.objectContaining({ status: 'SKIPPED', reason: 'OPTED_OUT' })]);
    expect(sim.messages.some((m) => m.to === digits(p))).toBe(false);
  });

  it('the same event pushed twice (a retried sync push) queues one notice', async () => {
    const p = phone();
    const o = await assignedOrder(p);
    await until(o.id, (x) => x[0]?.status === 'SENT');
    const op = {
      opId: `0193${uniq('', 2)}-0000-7000-8000-000000000001`,
      entity: 'orders',
      entityId: o.id,
      kind: 'order.appointment',
      payload: { date: addDays(seoulToday(), 30), reason: '고객 요청' },
      expectedVersion: o.version,
    };
    for (const attempt of [0, 1]) {
      const r = await s.api.request('POST', '/api/sync/push', {
        token: t.manager,
        body: { clientId: 'notice-test', ops: [{ ...op, attempt }] },
      });
      expect(r.status).toBe(200);
      expect(r.body.results[0], JSON.stringify(r.body.results[0])).toMatchObject({ status: 'SYNCED' });
    }
    const items = await until(o.id, (x) => x.length === 2 && x[0]?.status === 'SENT');
    expect(items.map((n) => n.event)).toEqual(['ASSIGNED', 'ASSIGNED']);
    expect(sim.messages.filter((m) => m.to === digits(p))).toHaveLength(2);
  });

  it('an opt-out pushed through the fast path of order edits holds back the next assignment’s notice', async () => {
    const orders = await Promise.all(
      [phone(), phone()].map((p) =>
        createOrder(s.db.owner, {
          branchId: s.a.branch.id,
          customerPhone: p,
          appointmentDate: addDays(seoulToday(), 9),
        }),
      ),
    );
    const r = await s.api.request('POST', '/api/sync/push', {
      token: t.manager,
      body: {
        clientId: 'notice-test',
        ops: orders.map((o, i) => ({
          opId: `0193${uniq('', 2)}-0000-7000-8000-00000000000${i}`,
          entity: 'orders',
          entityId: o.id,
          kind: 'order.update',
          payload: { noticesOptOut: true },
          expectedVersion: 1,
        })),
      },
    });
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['SYNCED', 'SYNCED']);
    const assigned = await s.api.request('POST', `/api/orders/${orders[0]!.id}/assign`, {
      token: t.manager,
      body: { version: 2, installerId: s.a.installer.id },
    });
    expect(assigned.status).toBe(200);
    expect(await notices(orders[0]!.id)).toEqual([expect.objectContaining({ status: 'SKIPPED', reason: 'OPTED_OUT' })]);
  });

  it('postponement and cancellation through REST each queue their own notice', async () => {
    const o = await assignedOrder();
    await until(o.id, (x) => x[0]?.status === 'SENT');
    const postponed = await s.api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version, status: '연기', reasonCode: 'P01', appointmentDate: addDays(seoulToday(), 5) },
    });
    expect(postponed.status).toBe(200);
    // sent before the cancellation is queued: a notice still waiting would be superseded by it
    await until(o.id, (x) => x[0]?.event === 'POSTPONED' && x[0].status === 'SENT');
    const cancelled = await s.api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: postponed.body.version, status: '취소', reasonCode: 'C01' },
    });
    expect(cancelled.status).toBe(200);
    const items = await until(o.id, (x) => x.length === 3 && x.every((n) => n.status === 'SENT'));
    expect(items.map((n) => n.event)).toEqual(['CANCELLED', 'POSTPONED', 'ASSIGNED']);
  });

  it('the 해피콜 confirmation is queued by enqueueOrderNotice in the caller’s transaction, once per key', async () => {
    const o = await assignedOrder();
    await until(o.id, (x) => x[0]?.status === 'SENT');
    const sessionId = await openSession(s.db.owner, s.a.manager.id);
    const ctx = {
      userId: s.a.manager.id,
      role: 'BRANCH_MANAGER' as const,
      branchId: s.a.branch.id,
      partnerId: null,
      sessionId,
    };
    const key = `happy-call:${uniq()}`;
    const first = await withRequestTransaction(s.api.pool, ctx, (tx) =>
      enqueueOrderNotice(tx, { orderId: o.id, event: 'HAPPY_CALL_CONFIRMED', eventKey: key }),
    );
    const again = await withRequestTransaction(s.api.pool, ctx, (tx) =>
      enqueueOrderNotice(tx, { orderId: o.id, event: 'HAPPY_CALL_CONFIRMED', eventKey: key }),
    );
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(again).toBeNull();
    const items = await until(o.id, (x) => x[0]?.event === 'HAPPY_CALL_CONFIRMED' && x[0].status === 'SENT');
    expect(items.filter((n) => n.event === 'HAPPY_CALL_CONFIRMED')).toHaveLength(1);
    // another branch's manager cannot queue one for this order
    const bSession = await openSession(s.db.owner, s.b.manager.id);
    await expect(
      withRequestTransaction(
        s.api.pool,
        {
          userId: s.b.manager.id,
          role: 'BRANCH_MANAGER',
          branchId: s.b.branch.id,
          partnerId: null,
          sessionId: bSession,
        },
        (tx) => enqueueOrderNotice(tx, { orderId: o.id, event: 'HAPPY_CALL_CONFIRMED', eventKey: uniq() }),
      ),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('a 해피콜 recorded as 확인 (REST) queues the confirmation notice; other outcomes queue none', async () => {
    const p = phone();
    const o = await assignedOrder(p);
    await until(o.id, (x) => x[0]?.status === 'SENT');
    const noAnswer = await s.api.request('POST', `/api/orders/${o.id}/happy-calls`, {
      token: t.manager,
      body: { outcome: 'NO_ANSWER' },
    });
    expect(noAnswer.status).toBe(201);
    const confirmed = await s.api.request('POST', `/api/orders/${o.id}/happy-calls`, {
      token: t.manager,
      body: { outcome: 'CONFIRMED' },
    });
    expect(confirmed.status).toBe(201);
    const items = await until(o.id, (x) => x[0]?.event === 'HAPPY_CALL_CONFIRMED' && x[0].status === 'SENT');
    expect(items.map((n) => n.event)).toEqual(['HAPPY_CALL_CONFIRMED', 'ASSIGNED']);
    const sent = sim.messages.filter((m) => m.to === digits(p));
    expect(sent.map((m) => m.kakaoOptions?.templateId)).toEqual([
      'KA01TP_DISPATCH_ASSIGNED',
      'KA01TP_DISPATCH_CONFIRMED',
    ]);
  });

  it('an order inserted already assigned with an appointment queues the ASSIGNED notice, once; a past one none', async () => {
    const p = phone();
    const o = await createOrder(s.db.owner, {
      branchId: s.a.branch.id,
      customerPhone: p,
      status: '배정',
      installerId: s.a.installer.id,
      appointmentDate: addDays(seoulToday(), 3),
    });
    const [n] = await until(o.id, (x) => x[0]?.status === 'SENT');
    expect(n).toMatchObject({ event: 'ASSIGNED', channel: 'ALIMTALK' });
    expect(sim.messages.filter((m) => m.to === digits(p))).toHaveLength(1);
    // an edit that is no appointment change queues nothing more
    const patched = await s.api.request('PATCH', `/api/orders/${o.id}`, {
      token: t.manager,
      body: { version: o.version, remarks: '현관 비밀번호 1234' },
    });
    expect(patched.status).toBe(200);
    expect(await notices(o.id)).toHaveLength(1);
    // history loaded with a past appointment tells nobody
    const past = await createOrder(s.db.owner, {
      branchId: s.a.branch.id,
      customerPhone: phone(),
      status: '배정',
      installerId: s.a.installer.id,
      appointmentDate: addDays(seoulToday(), -3),
      createdAt: new Date(Date.now() - 10 * 86_400_000),
    });
    expect(await notices(past.id)).toEqual([]);
  });

  it('REST create and the vendor import (sync push order.create) write 미배정: the assignment then queues the notice', async () => {
    const day = addDays(seoulToday(), 20);
    const created = await s.api.request('POST', '/api/orders', {
      token: t.manager,
      body: {
        orderNo: uniq('NEW-', 4).toUpperCase(),
        customerName: '박고객',
        customerPhone: phone(),
        address: { line1: '테헤란로 2', city: '서울', postal: '06236' },
        branchId: s.a.branch.id,
        appointmentDate: day,
        lines: [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const importedId = `0193${uniq('', 2)}-0000-7000-8000-0000000000aa`;
    const pushed = await s.api.request('POST', '/api/sync/push', {
      token: t.manager,
      body: {
        clientId: 'notice-test',
        ops: [
          {
            opId: `0193${uniq('', 2)}-0000-7000-8000-0000000000ab`,
            entity: 'orders',
            entityId: importedId,
            kind: 'order.create',
            payload: {
              orderNo: uniq('IMP-', 4).toUpperCase(),
              customerName: '최고객',
              customerPhone: phone(),
              address: { line1: '테헤란로 3', city: '서울', postal: '06236' },
              branchId: s.a.branch.id,
              appointmentDate: day,
              lines: [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 }],
            },
            expectedVersion: 1,
          },
        ],
      },
    });
    expect(pushed.body.results[0], JSON.stringify(pushed.body)).toMatchObject({ status: 'SYNCED' });
    for (const id of [created.body.id as string, importedId]) {
      expect(await notices(id)).toEqual([]);
      const r = await s.api.request('POST', `/api/orders/${id}/assign`, {
        token: t.manager,
        body: { version: 1, installerId: s.a.installer.id },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await until(id, (x) => x.length === 1 && x[0]?.event === 'ASSIGNED' && x[0]?.status === 'SENT');
    }
  });

  it('a split-off remainder queues nothing until it is assigned its own day, then gets its own notice', async () => {
    const p = phone();
    const order = await createOrder(s.db.owner, {
      branchId: s.a.branch.id,
      customerPhone: p,
      appointmentDate: addDays(seoulToday(), 24),
      lines: [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity: 2 }],
    });
    const assigned = await s.api.request('POST', `/api/orders/${order.id}/assign`, {
      token: t.manager,
      body: { version: 1, installerId: s.a.installer.id },
    });
    expect(assigned.status).toBe(200);
    await until(order.id, (x) => x[0]?.status === 'SENT');
    const split = await s.api.request('POST', `/api/orders/${order.id}/split`, {
      token: t.manager,
      body: { version: assigned.body.version, lines: [{ lineId: order.lineIds[0], quantity: 1 }] },
    });
    expect(split.status, JSON.stringify(split.body)).toBe(201);
    const child = split.body.child as { id: string; version: number };
    expect(await notices(child.id)).toEqual([]);
    const later = addDays(seoulToday(), 25);
    const dated = await s.api.request('POST', `/api/orders/${child.id}/appointment`, {
      token: t.manager,
      body: { version: child.version, date: later, reason: '잔여분 배송' },
    });
    expect(dated.status, JSON.stringify(dated.body)).toBe(200);
    const r = await s.api.request('POST', `/api/orders/${child.id}/assign`, {
      token: t.manager,
      body: { version: dated.body.version, installerId: s.a.installer.id },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [n] = await until(child.id, (x) => x[0]?.status === 'SENT');
    expect(n!.event).toBe('ASSIGNED');
    expect(sim.messages.filter((m) => m.to === digits(p))).toHaveLength(2);
    expect(sim.messages.filter((m) => m.to === digits(p))[1]!.kakaoOptions?.variables?.['#{방문일}']).toContain(
      `${Number(later.slice(8, 10))}일`,
    );
  });

  it('a 해피콜 확인 with a new time window sends one message, the confirmation with the new window', async () => {
    const before = clock;
    // the night holds what is queued (the dispatcher would otherwise race the two requests)
    clock = new Date('2026-12-08T13:30:00Z');
    try {
      const p = phone();
      const o = await assignedOrder(p);
      const day = (await s.api.request('GET', `/api/orders/${o.id}`, { token: t.manager })).body.appointmentDate;
      // as the 해피콜 screen does it: the window through the appointment action, then the call
      const moved = await s.api.request('POST', `/api/orders/${o.id}/appointment`, {
        token: t.manager,
        body: {
          version: o.version,
          date: day,
          timeWindow: { start: `${day}T12:00:00+09:00`, end: `${day}T15:00:00+09:00` },
          reason: '해피콜',
        },
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      const call = await s.api.request('POST', `/api/orders/${o.id}/happy-calls`, {
        token: t.manager,
        body: { outcome: 'CONFIRMED', timeWindow: { start: `${day}T12:00:00+09:00`, end: `${day}T15:00:00+09:00` } },
      });
      expect(call.status).toBe(201);
      const waiting = await notices(o.id);
      expect(waiting.map((n) => [n.event, n.status])).toEqual([
        ['HAPPY_CALL_CONFIRMED', expect.stringMatching(/^(QUEUED|HELD)$/)],
        ['ASSIGNED', 'SUPERSEDED'],
        ['ASSIGNED', 'SUPERSEDED'],
      ]);
      clock = new Date('2026-12-08T23:00:00Z');
      await until(o.id, (x) => x[0]?.status === 'SENT');
      const sent = sim.messages.filter((m) => m.to === digits(p));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.kakaoOptions).toMatchObject({
        templateId: 'KA01TP_DISPATCH_CONFIRMED',
        variables: { '#{방문시간}': '12:00~15:00' },
      });
      // the other order of the two requests (the call first, the window after) ends the same way
      const q = phone();
      clock = new Date('2026-12-08T13:30:00Z');
      const o2 = await assignedOrder(q);
      const day2 = (await s.api.request('GET', `/api/orders/${o2.id}`, { token: t.manager })).body.appointmentDate;
      const call2 = await s.api.request('POST', `/api/orders/${o2.id}/happy-calls`, {
        token: t.manager,
        body: { outcome: 'CONFIRMED' },
      });
      expect(call2.status).toBe(201);
      const moved2 = await s.api.request('POST', `/api/orders/${o2.id}/appointment`, {
        token: t.manager,
        body: {
          version: o2.version,
          date: day2,
          timeWindow: { start: `${day2}T09:00:00+09:00`, end: `${day2}T12:00:00+09:00` },
          reason: '해피콜',
        },
      });
      expect(moved2.status, JSON.stringify(moved2.body)).toBe(200);
      clock = new Date('2026-12-08T23:00:00Z');
      const items = await until(o2.id, (x) => x[0]?.status === 'SENT');
      expect(items.map((n) => n.status)).toEqual(['SENT', 'SUPERSEDED', 'SUPERSEDED']);
      const sent2 = sim.messages.filter((m) => m.to === digits(q));
      expect(sent2).toHaveLength(1);
      expect(sent2[0]!.kakaoOptions).toMatchObject({
        templateId: 'KA01TP_DISPATCH_CONFIRMED',
        variables: { '#{방문시간}': '09:00~12:00' },
      });
    } finally {
      clock = before;
    }
  });

  it('a notice that fails (알림톡 and text refused) notifies the branch managers', async () => {
    const p = phone();
    sim.rejectAlimtalkFor(p);
    sim.next('reject', 'reject');
    const o = await assignedOrder(p);
    const [n] = await until(o.id, (x) => x[0]?.status === 'FAILED');
    expect(n!.reason).toMatch(/ALIMTALK .*InvalidKakaoUser.*LMS .*InvalidPhoneNumber/);
    const list = await s.api.request('GET', '/api/notifications', { token: t.manager });
    const note = list.body.items.find(
      (x: { category: string; orderId: string }) => x.category === 'NOTICE_FAILED' && x.orderId === o.id,
    );
    expect(note).toBeDefined();
    expect(note.title).toBe('고객 알림 발송 실패');
    expect(note.message).toContain(o.orderNo);
  });

  it('row-level security: a branch sees its own orders’ notices only; HQ sees all and filters', async () => {
    const o = await assignedOrder();
    await until(o.id, (x) => x.length === 1);
    expect(await notices(o.id, t.otherManager)).toEqual([]);
    const other = await s.api.request('GET', '/api/notices', { token: t.otherManager });
    expect(other.status).toBe(200);
    expect(other.body.items.filter((n: { branchId: string }) => n.branchId === s.a.branch.id)).toEqual([]);
    const hq = await s.api.request('GET', `/api/notices?branchId=${s.a.branch.id}&event=ASSIGNED&limit=200`, {
      token: t.hq,
    });
    expect(hq.status).toBe(200);
    expect(hq.body.items.some((n: { orderId: string }) => n.orderId === o.id)).toBe(true);
    expect(hq.body.items.every((n: { event: string }) => n.event === 'ASSIGNED')).toBe(true);
    const installer = await s.api.request('GET', '/api/notices', { token: t.installer });
    expect(installer.status).toBe(403);
    const bad = await s.api.request('GET', '/api/notices?status=LOST', { token: t.hq });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('status');
  });

  it('row-level security holds for hand-written SQL as dispatch_app: another branch reads, writes and inserts nothing', async () => {
    const o = await assignedOrder();
    await until(o.id, (x) => x.length === 1);
    const app = new pg.Client({ connectionString: s.db.appUrl });
    await app.connect();
    try {
      await app.query('BEGIN');
      await enterAs(app, s.db.owner, s.b.manager);
      const read = await app.query('SELECT id FROM order_notices WHERE order_id = $1', [o.id]);
      expect(read.rows).toEqual([]);
      const upd = await app.query(`UPDATE order_notices SET status = 'DELIVERED' WHERE order_id = $1`, [o.id]);
      expect(upd.rowCount).toBe(0);
      await app.query('SAVEPOINT s');
      await expect(
        app.query(
          `INSERT INTO order_notices(order_id, order_created_at, branch_id, event, event_key)
           VALUES ($1, $2, $3, 'CANCELLED', 'forged')`,
          [o.id, o.createdAt, s.a.branch.id],
        ),
      ).rejects.toMatchObject({ code: '42501' });
      await app.query('ROLLBACK TO SAVEPOINT s');
      // the queueing function checks the caller sees the order
      await expect(app.query(`SELECT order_notice_enqueue($1, 'CANCELLED', 'forged')`, [o.id])).rejects.toMatchObject({
        code: 'P0002',
      });
      await app.query('ROLLBACK');
      // its own branch's manager sees the notice but cannot change its state (only the jobs do)
      await app.query('BEGIN');
      await enterAs(app, s.db.owner, s.a.manager);
      expect((await app.query('SELECT id FROM order_notices WHERE order_id = $1', [o.id])).rows).toHaveLength(1);
      const own = await app.query(`UPDATE order_notices SET status = 'DELIVERED' WHERE order_id = $1`, [o.id]);
      expect(own.rowCount).toBe(0);
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
  });

  it('templates: HQ edits one; a branch manager is refused; an unknown variable is refused naming the field', async () => {
    const list = await s.api.request('GET', '/api/notice-templates', { token: t.hq });
    expect(list.status).toBe(200);
    const cancelled = list.body.items.find((x: { event: string }) => x.event === 'CANCELLED');
    const body = '#{고객명} 고객님, 방문이 취소되었습니다. 문의 #{지점전화}';
    const byManager = await s.api.request('PUT', '/api/notice-templates/CANCELLED', {
      token: t.manager,
      body: { version: cancelled.version, body },
    });
    expect(byManager.status).toBe(403);
    const unknown = await s.api.request('PUT', '/api/notice-templates/CANCELLED', {
      token: t.hq,
      body: { version: cancelled.version, body: '#{고객명}님 #{쿠폰번호}' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('body');
    expect(unknown.body.error.message).toContain('#{쿠폰번호}');
    const ok = await s.api.request('PUT', '/api/notice-templates/CANCELLED', {
      token: t.hq,
      body: { version: cancelled.version, body },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ event: 'CANCELLED', body, version: cancelled.version + 1 });
    const stale = await s.api.request('PUT', '/api/notice-templates/CANCELLED', {
      token: t.hq,
      body: { version: cancelled.version, body },
    });
    expect(stale.status).toBe(409);
    const badEvent = await s.api.request('PUT', '/api/notice-templates/BIRTHDAY', {
      token: t.hq,
      body: { version: 1, body },
    });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error.field).toBe('event');
  });

  it('templates: HQ sets a shorter SMS/LMS text for the fallback; it goes out instead of the 알림톡 text; a bad one names smsBody', async () => {
    const list = await s.api.request('GET', '/api/notice-templates', { token: t.hq });
    const postponed = list.body.items.find((x: { event: string }) => x.event === 'POSTPONED');
    expect(postponed.smsBody).toBeNull();
    const bad = await s.api.request('PUT', '/api/notice-templates/POSTPONED', {
      token: t.hq,
      body: { version: postponed.version, body: postponed.body, smsBody: '#{고객명} #{할인}' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('smsBody');
    const smsBody = '[연기] #{방문일} #{방문시간} 문의 #{지점전화}';
    const ok = await s.api.request('PUT', '/api/notice-templates/POSTPONED', {
      token: t.hq,
      body: { version: postponed.version, body: postponed.body, smsBody },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ smsBody, version: postponed.version + 1 });
    try {
      const p = phone();
      sim.rejectAlimtalkFor(p);
      const o = await assignedOrder(p);
      await until(o.id, (x) => x[0]?.status === 'SENT');
      const r = await s.api.request('POST', `/api/orders/${o.id}/status`, {
        token: t.manager,
        body: { version: o.version, status: '연기', reasonCode: 'P01', appointmentDate: addDays(seoulToday(), 6) },
      });
      expect(r.status).toBe(200);
      const [n] = await until(o.id, (x) => x[0]?.event === 'POSTPONED' && x[0].status === 'SENT');
      // the short text fits an SMS (90 bytes); the 알림톡 text would have needed an LMS
      expect(n!.channel).toBe('SMS');
      const text = sim.messages.filter((m) => m.to === digits(p)).at(-1)!.text!;
      expect(text).toMatch(/^\[연기\] \d+월 \d+일\(.\) {2}문의 02-555-0101$/);
    } finally {
      // back to the text the other tests expect (no SMS text: the 알림톡 text goes as SMS/LMS)
      const now = await s.api.request('GET', '/api/notice-templates', { token: t.hq });
      const cur = now.body.items.find((x: { event: string }) => x.event === 'POSTPONED');
      const back = await s.api.request('PUT', '/api/notice-templates/POSTPONED', {
        token: t.hq,
        body: { version: cur.version, body: cur.body, smsBody: null },
      });
      expect(back.body.smsBody).toBeNull();
    }
  });

  it('branch phones: HQ sets the number #{지점전화} gives; a branch manager cannot; bad input names the field', async () => {
    const byManager = await s.api.request('PUT', `/api/notice-branch-phones/${s.a.branch.id}`, {
      token: t.manager,
      body: { phone: '02-555-0199' },
    });
    expect(byManager.status).toBe(403);
    const bad = await s.api.request('PUT', `/api/notice-branch-phones/${s.a.branch.id}`, {
      token: t.hq,
      body: { phone: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('phone');
    const missing = await s.api.request('PUT', '/api/notice-branch-phones/0190a3c2-0000-7000-8000-000000000000', {
      token: t.hq,
      body: { phone: '02-555-0199' },
    });
    expect(missing.status).toBe(404);
    const ok = await s.api.request('PUT', `/api/notice-branch-phones/${s.b.branch.id}`, {
      token: t.hq,
      body: { phone: '0255550199' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ branchId: s.b.branch.id, phone: '02-5555-0199' });
    const list = await s.api.request('GET', '/api/notice-branch-phones', { token: t.hq });
    expect(list.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ branchId: s.b.branch.id, phone: '02-5555-0199' })]),
    );
  });

  it('the delivery-report webhook needs the shared secret and a well-formed body', async () => {
    const url = `${s.api.url}/api/notices/provider-reports`;
    const noSecret = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ messageId: 'M1', statusCode: '4000' }]),
    });
    expect(noSecret.status).toBe(403);
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': WEBHOOK_SECRET },
      body: JSON.stringify({ messageId: 'M1' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('body');
  });

  it('phone numbers are masked in the log, the adapter’s request lines included', async () => {
    const p = '010-7777-5678';
    const o = await assignedOrder(p);
    await until(o.id, (x) => x[0]?.status === 'SENT');
    const all = logLines.join('');
    expect(all).toContain('010-****-5678');
    // the digits with their neighbours: a random uuid or job id in the log may contain 7777 by chance
    expect(all).not.toMatch(/010\D?7777/);
    expect(all).not.toContain('01077775678');
  });
});
