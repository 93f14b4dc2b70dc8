// Issue 12, appointments: the branch's time slots (reference data HQ edits), the one rule a clerk's time-window
// choice obeys (domain/appointment-slots.ts), postponing that keeps the window, and split children that keep
// their parent's appointment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APPOINTMENT_SLOTS, slotWindow } from '../../domain/appointment-slots.js';
import { type ApiSuite, startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import { addDays, createOrder, seoulToday } from '../support/fixtures.js';

const t = {} as Tokens;
let s: ApiSuite;
beforeAll(async () => {
  s = await startApiSuite(t);
});
afterAll(() => stopApiSuite(s));

const today = seoulToday();
const KST = 'Asia/Seoul';

async function branchRow(id: string) {
  const r = await s.api.request('GET', '/api/admin/branches', { token: t.hq });
  expect(r.status).toBe(200);
  return (r.body.items as Array<Record<string, unknown>>).find((b) => b.id === id)!;
}

async function windowOf(orderId: string) {
  const { rows } = await s.db.owner.query<{ d: string; w: string | null; lo: Date | null; hi: Date | null }>(
    `SELECT appointment_date::text AS d, appointment_time_window::text AS w,
            lower(appointment_time_window) AS lo, upper(appointment_time_window) AS hi
       FROM orders WHERE id = $1`,
    [orderId],
  );
  const r = rows[0]!;
  return { date: r.d, start: r.lo?.toISOString() ?? null, end: r.hi?.toISOString() ?? null };
}

async function setWindow(orderId: string, date: string, from: string, to: string) {
  await s.db.owner.query(
    `UPDATE orders SET appointment_date = $2::date,
            appointment_time_window = tstzrange(($2 || ' ' || $3 || '+09')::timestamptz, ($2 || ' ' || $4 || '+09')::timestamptz, '[)')
      WHERE id = $1`,
    [orderId, date, from, to],
  );
}

const iso = (date: string, hm: string) => new Date(`${date}T${hm}:00+09:00`).toISOString();

describe('branch appointment slots (reference data)', () => {
  it('every branch starts with the default slots; HQ replaces them, the clerk-facing list follows', async () => {
    const before = await branchRow(s.a.branch.id);
    expect(before.appointmentSlots).toEqual(DEFAULT_APPOINTMENT_SLOTS);
    const slots = [
      { start: '08:00', end: '10:00' },
      { start: '10:00', end: '13:00', label: '오전' },
    ];
    const r = await s.api.request('PATCH', `/api/admin/branches/${s.b.branch.id}`, {
      token: t.hq,
      body: { version: (await branchRow(s.b.branch.id)).version, appointmentSlots: slots },
    });
    expect(r.status).toBe(200);
    expect(r.body.appointmentSlots).toEqual(slots);
    expect((await branchRow(s.b.branch.id)).appointmentSlots).toEqual(slots);
  });

  it.each([
    ['an empty list', []],
    ['a slot ending before it starts', [{ start: '12:00', end: '09:00' }]],
    ['a time that is no time of day', [{ start: '9시', end: '12:00' }]],
    [
      'the same hours twice',
      [
        { start: '09:00', end: '12:00' },
        { start: '09:00', end: '12:00', label: '오전' },
      ],
    ],
  ])('refuses %s with 400 naming appointmentSlots, and changes nothing', async (_, slots) => {
    const row = await branchRow(s.a.branch.id);
    const r = await s.api.request('PATCH', `/api/admin/branches/${s.a.branch.id}`, {
      token: t.hq,
      body: { version: row.version, appointmentSlots: slots },
    });
    expect(r.status).toBe(400);
    expect(String(r.body.error.field)).toMatch(/^appointmentSlots/);
    expect(await branchRow(s.a.branch.id)).toEqual(row);
  });

  it.each([
    ['a slot without its end', [{ start: '09:00' }], 'appointmentSlots.0.end'],
    ['an empty name', [{ start: '09:00', end: '12:00', label: '  ' }], 'appointmentSlots.0.label'],
    [
      'a name over 20 characters',
      [{ start: '09:00', end: '12:00', label: '가'.repeat(21) }],
      'appointmentSlots.0.label',
    ],
    ['a key slots do not have', [{ start: '09:00', end: '12:00', colour: 'red' }], 'appointmentSlots.0.colour'],
    ['an hour past 23', [{ start: '09:00', end: '24:00' }], 'appointmentSlots.0.end'],
    [
      'the same hours as an earlier slot (the later one is named)',
      [
        { start: '09:00', end: '12:00' },
        { start: '12:00', end: '15:00' },
        { start: '09:00', end: '12:00', label: '오전' },
      ],
      'appointmentSlots.2.start',
    ],
    [
      'thirteen slots',
      Array.from({ length: 13 }, (_, i) => ({
        start: `${String(8 + i).padStart(2, '0')}:00`,
        end: `${String(8 + i).padStart(2, '0')}:30`,
      })),
      'appointmentSlots',
    ],
    ['no list at all', '09:00-12:00', 'appointmentSlots'],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_, slots, field) => {
    const row = await branchRow(s.a.branch.id);
    const r = await s.api.request('PATCH', `/api/admin/branches/${s.a.branch.id}`, {
      token: t.hq,
      body: { version: row.version, appointmentSlots: slots },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
    expect(await branchRow(s.a.branch.id)).toEqual(row);
  });

  it('refuses slots saved over a newer version (409), and changes nothing', async () => {
    const row = await branchRow(s.a.branch.id);
    const r = await s.api.request('PATCH', `/api/admin/branches/${s.a.branch.id}`, {
      token: t.hq,
      body: { version: Number(row.version) + 5, appointmentSlots: [{ start: '09:00', end: '18:00' }] },
    });
    expect(r.status).toBe(409);
    expect(await branchRow(s.a.branch.id)).toEqual(row);
  });

  it('only HQ edits them', async () => {
    const row = await branchRow(s.a.branch.id);
    const r = await s.api.request('PATCH', `/api/admin/branches/${s.a.branch.id}`, {
      token: t.manager,
      body: { version: row.version, appointmentSlots: [{ start: '09:00', end: '18:00' }] },
    });
    expect(r.status).toBe(403);
  });

  it('the skill rules carry the skill names in Korean and English', async () => {
    const r = await s.api.request('GET', '/api/admin/item-skill-rules', { token: t.hq });
    const ac = (r.body.items as Array<Record<string, unknown>>).find((x) => x.itemPrefix === 'AC');
    expect(ac).toMatchObject({ skillTag: 'aircon', skillNameKo: '에어컨', skillNameEn: 'Air conditioner' });
  });
});

describe('postponing (연기) and the appointment change', () => {
  const later = addDays(today, 3);

  it('연기 without a window keeps the hours of the current one on the new date', async () => {
    const o = await createOrder(s.db.owner, { branchId: s.a.branch.id });
    await setWindow(o.id, today, '14:00', '16:00'); // a vendor's window, no slot: kept as it is
    const r = await s.api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version + 1, status: '연기', reasonCode: 'P01', appointmentDate: later },
    });
    expect(r.status).toBe(200);
    expect(await windowOf(o.id)).toEqual({ date: later, start: iso(later, '14:00'), end: iso(later, '16:00') });
  });

  it('연기 with a new window takes it when it is one of the branch slots', async () => {
    const o = await createOrder(s.db.owner, { branchId: s.a.branch.id });
    const w = slotWindow(later, { start: '13:00', end: '18:00' }, KST);
    const r = await s.api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version, status: '연기', reasonCode: 'P01', appointmentDate: later, appointmentTimeWindow: w },
    });
    expect(r.status).toBe(200);
    expect(await windowOf(o.id)).toEqual({ date: later, start: iso(later, '13:00'), end: iso(later, '18:00') });
  });

  it.each([
    ['hours that are no slot', slotWindow(addDays(today, 3), { start: '10:00', end: '11:00' }, KST), 'windowNotASlot'],
    ['a slot on another day', slotWindow(addDays(today, 4), { start: '09:00', end: '12:00' }, KST), 'windowNotOnDate'],
  ])('연기 with %s: 400 naming appointmentTimeWindow, nothing changed', async (_, w, key) => {
    const o = await createOrder(s.db.owner, { branchId: s.a.branch.id });
    const r = await s.api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version, status: '연기', reasonCode: 'P01', appointmentDate: later, appointmentTimeWindow: w },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('appointmentTimeWindow');
    expect(r.body.error.message).toContain(key === 'windowNotASlot' ? '오전 09:00–13:00' : later);
    expect(await windowOf(o.id)).toEqual({ date: today, start: null, end: null });
  });

  it("the appointment change checks the window against the order's own branch", async () => {
    // branch b's slots were replaced above: 08:00–10:00 is one of them, 09:00–12:00 no longer
    const o = await createOrder(s.db.owner, { branchId: s.b.branch.id });
    const refused = await s.api.request('POST', `/api/orders/${o.id}/appointment`, {
      token: t.otherManager,
      body: {
        version: o.version,
        date: later,
        reason: '고객 요청',
        timeWindow: slotWindow(later, DEFAULT_APPOINTMENT_SLOTS[0]!, KST),
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('timeWindow');
    const ok = await s.api.request('POST', `/api/orders/${o.id}/appointment`, {
      token: t.otherManager,
      body: {
        version: o.version,
        date: later,
        reason: '고객 요청',
        timeWindow: slotWindow(later, { start: '08:00', end: '10:00' }, KST),
      },
    });
    expect(ok.status).toBe(200);
    expect(await windowOf(o.id)).toEqual({ date: later, start: iso(later, '08:00'), end: iso(later, '10:00') });
  });

  it('moving only the date keeps the hours of the window', async () => {
    const o = await createOrder(s.db.owner, { branchId: s.a.branch.id });
    await setWindow(o.id, today, '09:00', '12:00');
    const r = await s.api.request('POST', `/api/orders/${o.id}/appointment`, {
      token: t.manager,
      body: { version: o.version + 1, date: later, reason: '고객 요청' },
    });
    expect(r.status).toBe(200);
    expect(await windowOf(o.id)).toEqual({ date: later, start: iso(later, '09:00'), end: iso(later, '12:00') });
  });
});

describe("a split child keeps its parent's appointment (date and window)", () => {
  const LINES = [
    { itemCode: 'GEN-100', itemName: '선풍기', quantity: 2 },
    { itemCode: 'GEN-200', itemName: '가습기', quantity: 1 },
  ];

  it('an explicit split', async () => {
    const o = await createOrder(s.db.owner, { branchId: s.a.branch.id, lines: LINES });
    await setWindow(o.id, today, '12:00', '15:00');
    const r = await s.api.request('POST', `/api/orders/${o.id}/split`, {
      token: t.manager,
      body: { version: o.version + 1, lines: [{ lineId: o.lineIds[1], quantity: 1 }] },
    });
    expect(r.status).toBe(201);
    expect(await windowOf(r.body.child.id)).toEqual({
      date: today,
      start: iso(today, '12:00'),
      end: iso(today, '15:00'),
    });
    expect(r.body.child).toMatchObject({ status: '미배정', appointmentDate: today });
  });

  it('the undelivered part of 부분인수: unassigned on the same day, so it is on that day’s board', async () => {
    const o = await createOrder(s.db.owner, {
      branchId: s.a.branch.id,
      partnerId: s.a.partner.id,
      installerId: s.a.installer.id,
      status: '출문',
      lines: LINES,
    });
    await setWindow(o.id, today, '15:00', '18:00');
    const r = await s.api.request('POST', `/api/orders/${o.id}/status`, {
      token: t.manager,
      body: { version: o.version + 1, status: '부분인수', undelivered: [{ lineId: o.lineIds[0], quantity: 1 }] },
    });
    expect(r.status).toBe(200);
    const { rows } = await s.db.owner.query<{ id: string; status: string; installer_id: string | null }>(
      `SELECT DISTINCT o.id, o.status, o.installer_id FROM split_orders s JOIN orders o ON o.id = s.child_order_id
        WHERE s.parent_order_id = $1`,
      [o.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: '미배정', installer_id: null });
    expect(await windowOf(rows[0]!.id)).toEqual({ date: today, start: iso(today, '15:00'), end: iso(today, '18:00') });
  });
});
