// Issue 14, authorization: one rule for which roles read which audit tables (the audit route and every export),
// and settlement reads that never write.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, createWorld, mondayOf, seoulToday, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let storageDir: string;
let w: World;

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(join(tmpdir(), 'dispatch-sec-authz-'));
  api = await startTestServer(db, { config: { storage: { dir: storageDir }, jobs: { pollingIntervalSeconds: 0.5 } } });
  w = await createWorld(db.owner);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
  await rm(storageDir, { recursive: true, force: true });
});

type Token = Awaited<ReturnType<TestServer['login']>>;

async function finishedExport(token: Token, id: string) {
  for (;;) {
    const res = await api.request('GET', `/api/exports/${id}`, { token });
    expect(res.status).toBe(200);
    if (res.body.status === 'DONE' || res.body.status === 'FAILED') return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sheetRows(token: Token, id: string): Promise<unknown[][]> {
  const res = await fetch(`${api.url}/api/exports/${id}/file`, {
    headers: { authorization: `Bearer ${token.accessToken}` },
  });
  expect(res.status).toBe(200);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await res.arrayBuffer());
  const rows: unknown[][] = [];
  workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('audit tables: one rule for the audit route and the exports', () => {
  it('a branch manager cannot read account audit rows through an export, with or without naming the table', async () => {
    const hq = await api.login(w.hq.username);
    const manager = await api.login(w.manager.username);
    // HQ changes the e-mail of a user of the manager's branch: an audit row of `users` in that branch
    const user = await api.request('GET', `/api/admin/users/${w.installerUser.id}`, { token: hq });
    const changed = await api.request('PATCH', `/api/admin/users/${w.installerUser.id}`, {
      token: hq,
      body: { version: user.body.version, email: 'secret.change@example.com' },
    });
    expect(changed.status).toBe(200);
    const today = seoulToday();

    const byRoute = await api.request('GET', `/api/audit?table=users&recordId=${w.installerUser.id}`, {
      token: manager,
    });
    expect(byRoute.status).toBe(403);

    const named = await api.request('POST', '/api/exports', {
      token: manager,
      body: { type: 'audit', filters: { from: addDays(today, -1), to: today, table: 'users' } },
    });
    expect(named.status).toBe(403);
    expect(named.body.error.field).toBe('filters.table');

    // no table named: the file holds only what the manager may read
    const all = await api.request('POST', '/api/exports', {
      token: manager,
      body: { type: 'audit', filters: { from: addDays(today, -1), to: today } },
    });
    expect(all.status).toBe(202);
    expect(await finishedExport(manager, all.body.id)).toMatchObject({ status: 'DONE' });
    const rows = await sheetRows(manager, all.body.id);
    expect(JSON.stringify(rows)).not.toContain('secret.change@example.com');
    expect(rows.slice(1).map((r) => r[1])).not.toContain('users');

    // HQ still gets it
    const hqFile = await api.request('POST', '/api/exports', {
      token: hq,
      body: { type: 'audit', filters: { from: addDays(today, -1), to: today, table: 'users' } },
    });
    expect(hqFile.status).toBe(202);
    expect(await finishedExport(hq, hqFile.body.id)).toMatchObject({ status: 'DONE' });
    expect(JSON.stringify(await sheetRows(hq, hqFile.body.id))).toContain('secret.change@example.com');
  });

  it('an unknown table is a 400 naming the field, not an empty file', async () => {
    const hq = await api.login(w.hq.username);
    const today = seoulToday();
    const res = await api.request('POST', '/api/exports', {
      token: hq,
      body: { type: 'audit', filters: { from: today, to: today, table: 'refresh_tokens' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('filters.table');
  });
});

describe('GET /api/settlements reads only', () => {
  it('a coordinator’s reads of far-away years create no weeks', async () => {
    const coordinator = await api.login(w.coordinator.username);
    const count = async () =>
      (await db.owner.query('SELECT count(*)::int AS n FROM settlement_periods WHERE branch_id = $1', [w.branch.id]))
        .rows[0].n as number;
    const before = await count();
    for (const [from, to] of [
      ['1000-01-06', '1000-12-31'],
      ['9998-01-05', '9998-12-31'],
    ]) {
      const r = await api.request('GET', `/api/settlements?branchId=${w.branch.id}&from=${from}&to=${to}`, {
        token: coordinator,
      });
      expect(r.body).toMatchObject({ items: [] });
    }
    const monday = mondayOf(seoulToday());
    const near = await api.request(
      'GET',
      `/api/settlements?branchId=${w.branch.id}&from=${addDays(monday, 70)}&to=${addDays(monday, 76)}`,
      {
        token: coordinator,
      },
    );
    expect(near.status).toBe(200);
    expect(await count()).toBe(before);
  });

  it('a range longer than a year is a 400 naming the field', async () => {
    const hq = await api.login(w.hq.username);
    const r = await api.request('GET', `/api/settlements?branchId=${w.branch.id}&from=2025-01-01&to=2026-03-01`, {
      token: hq,
    });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('to');
  });

  it('weeks come from the maintenance job: this week and the seven before it, and four ahead', async () => {
    const fresh = await createWorld(db.owner);
    const manager = await api.login(fresh.manager.username);
    expect((await api.request('GET', '/api/settlements', { token: manager })).body.items).toEqual([]);
    expect(await api.runtime.jobs.runNow('settlement-weeks')).toBe('completed');
    const monday = mondayOf(seoulToday());
    const listed = await api.request('GET', `/api/settlements?to=${addDays(monday, 34)}`, { token: manager });
    expect(listed.body.items.map((p: { periodStart: string }) => p.periodStart)).toEqual(
      Array.from({ length: 12 }, (_, i) => addDays(monday, 7 * (i - 7))),
    );
  });

  it('a week outside the job’s window is made by HQ or the branch’s manager, to lock it', async () => {
    const other = await createWorld(db.owner);
    const hq = await api.login(w.hq.username);
    const monday = addDays(mondayOf(seoulToday()), -7 * 30);
    const made = await api.request('POST', '/api/settlements/weeks', {
      token: hq,
      body: { branchId: w.branch.id, periodStart: monday },
    });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ branchId: w.branch.id, periodStart: monday, status: 'OPEN', version: 1 });
    const again = await api.request('POST', '/api/settlements/weeks', {
      token: hq,
      body: { branchId: w.branch.id, periodStart: monday },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(made.body.id);
    const locked = await api.request('POST', `/api/settlements/${made.body.id}/lock`, {
      token: hq,
      body: { version: 1 },
    });
    expect(locked.status).toBe(200);

    const coordinator = await api.login(w.coordinator.username);
    const refused = await api.request('POST', '/api/settlements/weeks', {
      token: coordinator,
      body: { branchId: w.branch.id, periodStart: addDays(monday, 7) },
    });
    expect(refused.status).toBe(403);
    const manager = await api.login(w.manager.username);
    const foreign = await api.request('POST', '/api/settlements/weeks', {
      token: manager,
      body: { branchId: other.branch.id, periodStart: addDays(monday, 7) },
    });
    expect(foreign.status).toBe(404);
    for (const [periodStart, field] of [
      [addDays(monday, 1), 'periodStart'],
      [addDays(mondayOf(seoulToday()), 7 * 60), 'periodStart'],
      ['1000-01-06', 'periodStart'],
    ] as const) {
      const bad = await api.request('POST', '/api/settlements/weeks', {
        token: manager,
        body: { branchId: w.branch.id, periodStart },
      });
      expect(bad.status, periodStart).toBe(400);
      expect(bad.body.error.field).toBe(field);
    }
    const rows = await db.owner.query('SELECT count(*)::int AS n FROM settlement_periods WHERE branch_id = $1', [
      other.branch.id,
    ]);
    expect(rows.rows[0].n).toBe(0);
  });
});
