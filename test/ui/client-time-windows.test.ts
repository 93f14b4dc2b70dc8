// The client applies the head office's time-window rule (domain/appointment-slots.ts) before anything enters the
// outbox: a window chosen for 연기 or an appointment change is one of the branch's slots on the date (from the
// mirrored branch row), and 연기 without a window keeps the window's hours on the new date, in the local copy as
// at the head office.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotWindow } from '../../domain/appointment-slots.js';
import { type ClientServices, createClientServices } from '../../main/services/client-services.js';
import { ClientError } from '../../main/sync/session.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, createBranch, createOrder, createUser, seoulToday, type UserFixture } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let server: TestServer;
let s: ClientServices;
let manager: UserFixture;
const today = seoulToday();
const later = addDays(today, 2);
const KST = 'Asia/Seoul';
const ids: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const branch = await createBranch(db.owner, { name: '시간대지점' });
  // this branch works in two slots only
  await db.owner.query(
    `UPDATE branches SET appointment_slots = '[{"start":"08:00","end":"12:00","label":"오전"},{"start":"13:00","end":"17:00"}]' WHERE id = $1`,
    [branch.id],
  );
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  for (let i = 0; i < 3; i++) {
    const o = await createOrder(db.owner, { branchId: branch.id, appointmentDate: today });
    await db.owner.query(
      `UPDATE orders SET appointment_time_window = tstzrange(($2 || ' 14:00+09')::timestamptz, ($2 || ' 16:00+09')::timestamptz, '[)') WHERE id = $1`,
      [o.id, today],
    );
    ids.push(o.id);
  }
  server = await startTestServer(db);
  s = createClientServices({ dataDir: mkdtempSync(join(tmpdir(), 'windows-')), emit: () => {} });
  await s.handlers['auth:login']({ serverUrl: server.url, username: manager.username, password: manager.password });
  await s.current()!.engine.syncNow();
});

afterAll(async () => {
  await s?.close();
  await server?.stop();
  await db?.drop();
});

async function refusal(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClientError) return e;
    throw e;
  }
  throw new Error('the change was accepted');
}

const row = async (id: string) => (await s.handlers['orders:list']({})).find((r) => r.id === id)!;
const hours = (w: { start: string; end: string } | null) =>
  w && [w.start, w.end].map((t) => new Date(Date.parse(t) + 9 * 3600_000).toISOString().slice(0, 16)).join('/');

describe('time windows on the client', () => {
  it('refuses a 연기 window that is no slot of the branch, naming the field, with nothing queued', async () => {
    const { version } = await row(ids[0]!);
    const w = slotWindow(later, { start: '09:00', end: '12:00' }, KST); // a default slot, not this branch's
    const e = await refusal(
      s.handlers['orders:status']({
        id: ids[0]!,
        change: { version, status: '연기', reasonCode: 'P01', appointmentDate: later, appointmentTimeWindow: w },
      }),
    );
    expect(e).toMatchObject({ code: 'VALIDATION', field: 'change.appointmentTimeWindow' });
    expect(e.message).toContain('오전 08:00–12:00, 13:00–17:00');
    expect(s.current()!.store.pendingOps().length).toBe(0);
    // the head office refuses the same change the same way
    const res = await server.request('POST', `/api/orders/${ids[0]}/status`, {
      token: await server.login(manager.username),
      body: { version, status: '연기', reasonCode: 'P01', appointmentDate: later, appointmentTimeWindow: w },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('appointmentTimeWindow');
  });

  it('takes one of the slots, and an appointment change off the slots is refused too', async () => {
    const { version } = await row(ids[1]!);
    const w = slotWindow(later, { start: '13:00', end: '17:00' }, KST);
    const e = await refusal(
      s.handlers['orders:appointment']({
        id: ids[1]!,
        change: {
          version,
          date: later,
          reason: '고객 요청',
          timeWindow: slotWindow(later, { start: '13:00', end: '18:00' }, KST),
        },
      }),
    );
    expect(e).toMatchObject({ code: 'VALIDATION', field: 'change.timeWindow' });
    const ok = await s.handlers['orders:appointment']({
      id: ids[1]!,
      change: { version, date: later, reason: '고객 요청', timeWindow: w },
    });
    expect(hours(ok.row.appointmentTimeWindow)).toBe(`${later}T13:00/${later}T17:00`);
  });

  it('연기 without a window keeps its hours on the new date, locally at once and at the head office', async () => {
    const { version } = await row(ids[2]!);
    const local = await s.handlers['orders:status']({
      id: ids[2]!,
      change: { version, status: '연기', reasonCode: 'P01', appointmentDate: later },
    });
    expect(local.appointmentDate).toBe(later);
    expect(hours(local.appointmentTimeWindow)).toBe(`${later}T14:00/${later}T16:00`);
    await s.current()!.engine.syncNow();
    const { rows } = await db.owner.query<{ lo: Date; hi: Date }>(
      'SELECT lower(appointment_time_window) AS lo, upper(appointment_time_window) AS hi FROM orders WHERE id = $1',
      [ids[2]],
    );
    expect(hours({ start: rows[0]!.lo.toISOString(), end: rows[0]!.hi.toISOString() })).toBe(
      `${later}T14:00/${later}T16:00`,
    );
  });
});
