import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  addDays,
  auditRows,
  createBranch,
  createOrder,
  createUser,
  createWorld,
  mondayOf,
  seoulToday,
  uniq,
  type World,
} from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { enterAs } from '../support/session.js';

let db: TestDatabase;
let api: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

interface Period {
  id: string;
  periodStart: string;
  periodEnd: string;
  status: string;
  version: number;
}

async function weeks(w: World, token: string, qs = ''): Promise<{ currentWeekStart: string; items: Period[] }> {
  // weeks are made by the settlement-weeks job, never by a read (security-authz.test.ts)
  expect(await api.runtime.jobs.runNow('settlement-weeks')).toBe('completed');
  const r = await api.request('GET', `/api/settlements?branchId=${w.branch.id}${qs}`, { token });
  expect(r.status).toBe(200);
  return r.body;
}

async function currentWeek(w: World, token: string): Promise<Period> {
  const body = await weeks(w, token);
  return body.items.find((p) => p.periodStart === body.currentWeekStart)!;
}

describe('GET /api/settlements', () => {
  it('lists the branch’s Monday–Sunday weeks (this week and seven before), each made once', async () => {
    const w = await createWorld(db.owner);
    const hq = await api.login(w.hq.username);
    const first = await weeks(w, hq.accessToken);
    const monday = mondayOf(seoulToday());
    expect(first.currentWeekStart).toBe(monday);
    expect(first.items).toHaveLength(8);
    expect(first.items.at(-1)).toMatchObject({ periodStart: monday, periodEnd: addDays(monday, 6), status: 'OPEN' });
    for (const p of first.items) expect(new Date(`${p.periodStart}T00:00:00Z`).getUTCDay()).toBe(1);
    const again = await weeks(w, hq.accessToken);
    expect(again.items.map((p) => p.id)).toEqual(first.items.map((p) => p.id));

    const range = await weeks(w, hq.accessToken, `&from=${addDays(monday, 14)}&to=${addDays(monday, 20)}`);
    expect(range.items.map((p) => p.periodStart)).toEqual([addDays(monday, 14)]);
  });

  it('"this week" is the branch’s own, by its time zone', async () => {
    const branch = await createBranch(db.owner, { timezone: 'Pacific/Honolulu' });
    const manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
    const token = await api.login(manager.username);
    const r = await api.request('GET', '/api/settlements', { token });
    expect(r.status).toBe(200);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Honolulu' }).format(new Date());
    expect(r.body).toMatchObject({
      branchId: branch.id,
      timezone: 'Pacific/Honolulu',
      currentWeekStart: mondayOf(today),
    });
  });

  it('a coordinator may read weeks; HQ must name the branch; other branches 404; installers 403', async () => {
    const w = await createWorld(db.owner);
    const other = await createWorld(db.owner);
    const coordinator = await api.login(w.coordinator.username);
    expect((await weeks(w, coordinator.accessToken)).items).toHaveLength(8);

    const hq = await api.login(w.hq.username);
    const noBranch = await api.request('GET', '/api/settlements', { token: hq });
    expect(noBranch.status).toBe(400);
    expect(noBranch.body.error.field).toBe('branchId');
    const reversed = await api.request(
      'GET',
      `/api/settlements?branchId=${w.branch.id}&from=2030-02-01&to=2030-01-01`,
      {
        token: hq,
      },
    );
    expect(reversed.body.error.field).toBe('to');

    const manager = await api.login(w.manager.username);
    const r404 = await api.request('GET', `/api/settlements?branchId=${other.branch.id}`, { token: manager });
    expect(r404.status).toBe(404);
    const installer = await api.login(w.installerUser.username);
    expect((await api.request('GET', `/api/settlements?branchId=${w.branch.id}`, { token: installer })).status).toBe(
      403,
    );
  });
});

describe('POST /api/settlements/:id/lock and /unlock', () => {
  it('the branch manager locks its week (audited); others cannot; a second lock is a 422', async () => {
    const w = await createWorld(db.owner);
    const other = await createWorld(db.owner);
    const manager = await api.login(w.manager.username);
    const week = await currentWeek(w, manager.accessToken);

    const foreign = await api.request('POST', `/api/settlements/${week.id}/lock`, {
      token: await api.login(other.manager.username),
      body: { version: week.version },
    });
    expect(foreign.status).toBe(404);
    const coordinator = await api.request('POST', `/api/settlements/${week.id}/lock`, {
      token: await api.login(w.coordinator.username),
      body: { version: week.version },
    });
    expect(coordinator.status).toBe(403);
    const noVersion = await api.request('POST', `/api/settlements/${week.id}/lock`, { token: manager, body: {} });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.field).toBe('version');
    const stale = await api.request('POST', `/api/settlements/${week.id}/lock`, {
      token: manager,
      body: { version: week.version + 3 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current).toMatchObject({ id: week.id, status: 'OPEN' });

    const locked = await api.request('POST', `/api/settlements/${week.id}/lock`, {
      token: manager,
      body: { version: week.version },
    });
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({ status: 'LOCKED', lockedBy: w.manager.id });
    const audit = (await auditRows(db.owner, 'settlement_periods', week.id)).filter((x) => x.action === 'UPDATE');
    expect(audit).toEqual([expect.objectContaining({ actor_id: w.manager.id })]);

    const twice = await api.request('POST', `/api/settlements/${week.id}/lock`, {
      token: manager,
      body: { version: locked.body.version },
    });
    expect(twice.status).toBe(422);

    const unlockByManager = await api.request('POST', `/api/settlements/${week.id}/unlock`, {
      token: manager,
      body: { version: locked.body.version },
    });
    expect(unlockByManager.status).toBe(403);
  });

  it('a locked week refuses every kind of write to its orders with 423 naming the week; HQ unlocks, then it works', async () => {
    const w = await createWorld(db.owner);
    const other = await createWorld(db.owner);
    const today = seoulToday();
    const nextWeek = addDays(mondayOf(today), 7);
    const hq = await api.login(w.hq.username);
    const manager = await api.login(w.manager.username);
    const base = { branchId: w.branch.id, appointmentDate: today };
    const plain = await createOrder(db.owner, base);
    const toDelete = await createOrder(db.owner, base);
    const assigned = await createOrder(db.owner, { ...base, installerId: w.installer.id, status: '배정' });
    const unassigned = await createOrder(db.owner, base);
    const later = await createOrder(db.owner, { branchId: w.branch.id, appointmentDate: nextWeek });
    const otherBranch = await createOrder(db.owner, { branchId: other.branch.id, appointmentDate: today });

    const week = await currentWeek(w, hq.accessToken);
    const lock = await api.request('POST', `/api/settlements/${week.id}/lock`, {
      token: hq,
      body: { version: week.version },
    });
    expect(lock.status).toBe(200);

    const attempts: [string, string, string, unknown][] = [
      ['PATCH', `/api/orders/${plain.id}`, 'edit', { version: 1, remarks: 'x' }],
      ['DELETE', `/api/orders/${toDelete.id}?version=1`, 'delete', undefined],
      ['POST', `/api/orders/${assigned.id}/status`, 'status', { version: 1, status: '배정확정' }],
      ['POST', `/api/orders/${plain.id}/appointment`, 'move out', { version: 1, date: nextWeek, reason: 'x' }],
      ['POST', `/api/orders/${later.id}/appointment`, 'move in', { version: 1, date: today, reason: 'x' }],
      ['POST', `/api/orders/${unassigned.id}/assign`, 'assign', { version: 1, installerId: w.installer.id }],
      ['POST', `/api/orders/${assigned.id}/unassign`, 'unassign', { version: 1 }],
      [
        'POST',
        '/api/orders',
        'create',
        {
          orderNo: uniq('LCK-', 4).toUpperCase(),
          customerName: '정산',
          address: { line1: 'x', city: 'y' },
          branchId: w.branch.id,
          appointmentDate: today,
          lines: [{ itemCode: 'GEN-1', itemName: 'x', quantity: 1 }],
        },
      ],
    ];
    for (const [method, path, what, body] of attempts) {
      const r = await api.request(method, path, { token: manager, body });
      expect(r.status, what).toBe(423);
      expect(r.body.error, what).toMatchObject({
        code: 'LOCKED',
        details: { periodId: week.id, periodStart: week.periodStart, periodEnd: week.periodEnd },
      });
      expect(r.body.error.message, what).toContain(week.periodStart);
    }
    const { rows } = await db.owner.query('SELECT id, version, deleted_at FROM orders WHERE id = ANY($1) ORDER BY id', [
      [plain.id, toDelete.id, assigned.id, unassigned.id, later.id],
    ]);
    expect(rows.every((r) => r.version === 1 && r.deleted_at === null)).toBe(true);

    // lines, serials and waste pick-ups of a frozen order are frozen too, whatever path writes them
    const app = new pg.Client({ connectionString: db.appUrl });
    await app.connect();
    try {
      const childWrites = [
        `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
         SELECT id, created_at, 'GEN-2', '추가', 1 FROM orders WHERE id = '${plain.id}'`,
        `UPDATE order_lines SET quantity = 3 WHERE order_id = '${plain.id}'`,
        `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial)
         SELECT id, order_id, order_created_at, '${uniq('SN')}' FROM order_lines WHERE order_id = '${plain.id}'`,
        `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
         SELECT id, created_at, 'P01', 1, branch_id FROM orders WHERE id = '${plain.id}'`,
      ];
      for (const sql of childWrites) {
        // each in its own transaction as HQ (the context is transaction-local and sealed: migration 0072)
        await app.query('BEGIN');
        await enterAs(app, db.owner, { id: w.hq.id, role: 'HQ_ADMIN' });
        await expect(app.query(sql), sql).rejects.toMatchObject({ code: 'DL423' });
        await app.query('ROLLBACK');
      }
    } finally {
      await app.end();
    }

    // the lock is the branch's: the same day elsewhere is open
    const elsewhere = await api.request('PATCH', `/api/orders/${otherBranch.id}`, {
      token: hq,
      body: { version: 1, remarks: '다른 지점' },
    });
    expect(elsewhere.status).toBe(200);

    const unlock = await api.request('POST', `/api/settlements/${week.id}/unlock`, {
      token: hq,
      body: { version: lock.body.version },
    });
    expect(unlock.status).toBe(200);
    expect(unlock.body).toMatchObject({ status: 'OPEN', unlockedBy: w.hq.id, lockedBy: w.hq.id });
    expect(unlock.body.unlockedAt).toBeTruthy();
    expect(unlock.body.lockedAt).toBeTruthy();
    const unlockAudit = (await auditRows(db.owner, 'settlement_periods', week.id)).filter((x) => x.action === 'UPDATE');
    expect(unlockAudit.at(-1)).toMatchObject({ actor_id: w.hq.id, diff: { status: { old: 'LOCKED', new: 'OPEN' } } });
    const badId = await api.request('POST', '/api/settlements/week-1/unlock', { token: hq, body: { version: 1 } });
    expect(badId.status).toBe(400);
    expect(badId.body.error.field).toBe('id');
    const missing = await api.request('POST', '/api/settlements/00000000-0000-4000-8000-000000000000/unlock', {
      token: hq,
      body: { version: 1 },
    });
    expect(missing.status).toBe(404);

    const after = await api.request('PATCH', `/api/orders/${plain.id}`, {
      token: manager,
      body: { version: 1, remarks: 'x' },
    });
    expect(after.status).toBe(200);
    const assign = await api.request('POST', `/api/orders/${unassigned.id}/assign`, {
      token: manager,
      body: { version: 1, installerId: w.installer.id },
    });
    expect(assign.status).toBe(200);
  });

  it('the 423 message is in the caller’s language', async () => {
    const w = await createWorld(db.owner);
    const hq = await api.login(w.hq.username);
    const order = await createOrder(db.owner, { branchId: w.branch.id, appointmentDate: seoulToday() });
    const week = await currentWeek(w, hq.accessToken);
    await api.request('POST', `/api/settlements/${week.id}/lock`, { token: hq, body: { version: week.version } });
    const r = await api.request('PATCH', `/api/orders/${order.id}`, {
      token: hq,
      body: { version: 1, remarks: 'x' },
      headers: { 'accept-language': 'en' },
    });
    expect(r.body.error.message).toBe(
      `The settlement week ${week.periodStart} – ${week.periodEnd} is locked; nothing in it can change.`,
    );
  });

  it('a write racing with the lock of its week waits for it and then gets 423', async () => {
    const w = await createWorld(db.owner);
    const hq = await api.login(w.hq.username);
    const order = await createOrder(db.owner, { branchId: w.branch.id, appointmentDate: seoulToday() });
    const week = await currentWeek(w, hq.accessToken);
    // the lock, as the API does it, held open in another transaction
    const locker = new pg.Client({ connectionString: db.appUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await enterAs(locker, db.owner, { id: w.hq.id, role: 'HQ_ADMIN' });
      await locker.query('SELECT 1 FROM settlement_periods WHERE id = $1 FOR UPDATE', [week.id]);
      await locker.query(
        `UPDATE settlement_periods SET status = 'LOCKED', locked_by = $2, locked_at = now() WHERE id = $1`,
        [week.id, w.hq.id],
      );
      let settled = false;
      const write = api
        .request('PATCH', `/api/orders/${order.id}`, { token: hq, body: { version: 1, remarks: '경합' } })
        .finally(() => {
          settled = true;
        });
      // commit the lock once the write is either waiting for it or (wrongly) done
      for (;;) {
        const waiting = await db.owner.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND application_name = 'dispatch-server'`,
        );
        if (waiting.rowCount || settled) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await locker.query('COMMIT');
      const r = await write;
      expect(r.status).toBe(423);
    } finally {
      await locker.end();
    }
    const { rows } = await db.owner.query('SELECT version, remarks FROM orders WHERE id = $1', [order.id]);
    expect(rows[0]).toEqual({ version: 1, remarks: null });
  });
});
