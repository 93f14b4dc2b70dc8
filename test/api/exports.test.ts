import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellToText } from '../../main/excel/read-sheet.js';
import { AccessTokens } from '../../server/auth/tokens.js';
import { QUEUES } from '../../server/jobs/job-queue.js';
import { loadBulkOrders } from '../support/bulk-orders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, auditRows, createOrder, createWorld, mondayOf, seoulToday, type World } from '../support/fixtures.js';
import { officeCsv } from '../support/office.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let storageDir: string;
let w: World;
let other: World;

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(join(tmpdir(), 'dispatch-exports-'));
  api = await startTestServer(db, { config: { storage: { dir: storageDir }, jobs: { pollingIntervalSeconds: 0.5 } } });
  w = await createWorld(db.owner);
  other = await createWorld(db.owner);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
  await rm(storageDir, { recursive: true, force: true });
});

type Token = Awaited<ReturnType<TestServer['login']>>;

async function waitForExport(token: Token, id: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.request('GET', `/api/exports/${id}`, { token });
    expect(res.status).toBe(200);
    if (res.body.status === 'DONE' || res.body.status === 'FAILED') return res.body;
    if (Date.now() > deadline) throw new Error(`export ${id} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function download(token: Token, id: string): Promise<{ status: number; rows: unknown[][]; headers: Headers }> {
  const res = await fetch(`${api.url}/api/exports/${id}/file`, {
    headers: { authorization: `Bearer ${token.accessToken}` },
  });
  if (res.status !== 200) return { status: res.status, rows: [], headers: res.headers };
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await res.arrayBuffer());
  const rows: unknown[][] = [];
  // cells as a spreadsheet shows them: dates (written as Excel dates) as the day, or day and time
  workbook.worksheets[0]!.eachRow((row) =>
    rows.push((row.values as unknown[]).slice(1).map((v) => (v instanceof Date ? cellToText(v) : v))),
  );
  return { status: 200, rows, headers: res.headers };
}

describe('orders export', () => {
  it('builds the xlsx in the background with the grid’s filters, in the creator’s scope and language', async () => {
    const mine = [
      await createOrder(db.owner, { branchId: w.branch.id, customerName: '김철수' }),
      await createOrder(db.owner, { branchId: w.branch.id, customerName: '이영희' }),
    ];
    await createOrder(db.owner, { branchId: w.branch.id, status: '취소' });
    const theirs = await createOrder(db.owner, { branchId: other.branch.id });

    const token = await api.login(w.manager.username);
    const created = await api.request('POST', '/api/exports', {
      token,
      body: { type: 'orders', filters: { status: ['미배정'] } },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ type: 'orders', status: 'PENDING', fileUrl: null, createdBy: w.manager.id });
    expect(created.body.filters).toMatchObject({ status: ['미배정'], sort: '-createdAt' });

    const done = await waitForExport(token, created.body.id);
    expect(done).toMatchObject({ status: 'DONE', rowCount: 2, fileUrl: `/api/exports/${created.body.id}/file` });
    expect(Date.parse(done.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);

    const file = await download(token, created.body.id);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('spreadsheetml');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="orders-\d{8}-\d{4}\.xlsx"/);
    expect(file.rows[0]?.slice(0, 5)).toEqual(['수주번호', '상태', '부서코드', '지점', '고객명']);
    const orderNos = file.rows.slice(1).map((r) => r[0]);
    expect(orderNos).toEqual([mine[1]!.orderNo, mine[0]!.orderNo]); // newest first, like the grid
    expect(orderNos).not.toContain(theirs.orderNo);
    expect(file.rows[1]?.slice(1, 5)).toEqual(['미배정', w.branch.code, w.branch.name, '이영희']);

    const list = await api.request('GET', '/api/exports', { token });
    expect(list.body.items[0]).toMatchObject({ id: created.body.id, status: 'DONE' });
  });

  it('opens in LibreOffice with the grid’s headers, dates as dates and phone numbers as written', async () => {
    const order = await createOrder(db.owner, {
      branchId: w.branch.id,
      customerName: '정수민',
      customerPhone: '010-0123-4567',
      appointmentDate: addDays(seoulToday(), 3),
    });
    const token = await api.login(w.manager.username);
    const created = await api.request('POST', '/api/exports', {
      token,
      body: { type: 'orders', filters: { q: order.orderNo } },
    });
    await waitForExport(token, created.body.id);
    const res = await fetch(`${api.url}/api/exports/${created.body.id}/file`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    const file = join(storageDir, 'opened.xlsx');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const [header, row] = await officeCsv(file);
    const at = (name: string) => row![header!.indexOf(name)];
    expect(header).toEqual(
      expect.arrayContaining(['수주번호', '부서코드', '고객명', '연락처', '약속일자', '시간대', '접수 시각']),
    );
    expect(at('수주번호')).toBe(order.orderNo);
    expect(at('고객명')).toBe('정수민');
    expect(at('연락처')).toBe('010-0123-4567');
    expect(at('약속일자')).toBe(addDays(seoulToday(), 3));
    expect(at('접수 시각')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0]!;
    expect(ws.getCell(2, header!.indexOf('약속일자') + 1).value).toBeInstanceOf(Date);
    expect(ws.pageSetup).toMatchObject({ orientation: 'landscape', fitToWidth: 1, printTitlesRow: '1:1' });
    expect(ws.autoFilter).toBeTruthy();
  }, 120_000);

  it('holds exactly the rows GET /api/orders lists for the same filters', async () => {
    await createOrder(db.owner, { branchId: w.branch.id, customerName: '박민수', customerPhone: '010-5555-1234' });
    await createOrder(db.owner, { branchId: w.branch.id, appointmentDate: addDays(seoulToday(), 5) });
    const token = await api.login(w.hq.username);
    const cases: [Record<string, unknown>, string][] = [
      [{ q: '5555' }, 'q=5555'],
      [{ branchId: w.branch.id, sort: 'orderNo' }, `branchId=${w.branch.id}&sort=orderNo`],
      [
        { dateField: 'appointment', from: seoulToday(), to: addDays(seoulToday(), 7), sort: '-appointmentDate' },
        `dateField=appointment&from=${seoulToday()}&to=${addDays(seoulToday(), 7)}&sort=-appointmentDate`,
      ],
      [{ status: ['취소'], branchId: w.branch.id }, `status=취소&branchId=${w.branch.id}`],
    ];
    for (const [filters, query] of cases) {
      const grid = await api.request('GET', `/api/orders?${query}&limit=500`, { token });
      expect(grid.status, query).toBe(200);
      const created = await api.request('POST', '/api/exports', { token, body: { type: 'orders', filters } });
      expect(created.status, query).toBe(202);
      await waitForExport(token, created.body.id);
      const file = await download(token, created.body.id);
      expect(
        file.rows.slice(1).map((r) => r[0]),
        query,
      ).toEqual(grid.body.items.map((o: { orderNo: string }) => o.orderNo));
      expect(grid.body.items.length, query).toBeGreaterThan(0);
    }
  });

  it('only the creator or HQ sees an export and its file', async () => {
    const token = await api.login(w.manager.username);
    const created = await api.request('POST', '/api/exports', { token, body: { type: 'orders' } });
    expect(created.status).toBe(202);
    await waitForExport(token, created.body.id);

    const otherManager = await api.login(other.manager.username);
    for (const path of [`/api/exports/${created.body.id}`, `/api/exports/${created.body.id}/file`]) {
      const res = await api.request('GET', path, { token: otherManager });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await api.request('GET', '/api/exports', { token: otherManager })).body.items).toEqual([]);
    const hq = await api.login(w.hq.username);
    expect((await api.request('GET', `/api/exports/${created.body.id}`, { token: hq })).status).toBe(200);
    expect((await download(hq, created.body.id)).status).toBe(200);
  });

  it('refuses a branch outside the caller’s scope before anything is queued', async () => {
    const token = await api.login(w.manager.username);
    const res = await api.request('POST', '/api/exports', {
      token,
      body: { type: 'orders', filters: { branchId: other.branch.id } },
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'filters.branchId' });
    const { rows } = await db.owner.query('SELECT count(*)::int AS n FROM exports WHERE filters @> $1', [
      JSON.stringify({ branchId: other.branch.id }),
    ]);
    expect(rows[0].n).toBe(0);
  });
});

describe('settlement and audit exports', () => {
  it('settlement: each week with its orders counted by outcome', async () => {
    const monday = mondayOf(addDays(seoulToday(), 14));
    await createOrder(db.owner, { branchId: w.branch.id, appointmentDate: monday, status: '인수' });
    await createOrder(db.owner, { branchId: w.branch.id, appointmentDate: addDays(monday, 2), status: '취소' });
    await createOrder(db.owner, { branchId: w.branch.id, appointmentDate: addDays(monday, 6) });
    const token = await api.login(w.manager.username);
    // the week exists once the settlement-weeks job made it
    expect(await api.runtime.jobs.runNow('settlement-weeks')).toBe('completed');
    const created = await api.request('POST', '/api/exports', {
      token,
      body: { type: 'settlement', filters: { from: monday, to: addDays(monday, 6) } },
    });
    expect(created.status).toBe(202);
    expect(await waitForExport(token, created.body.id)).toMatchObject({ status: 'DONE', rowCount: 1 });
    const file = await download(token, created.body.id);
    // locked by / at and unlocked by / at are empty cells
    expect(file.rows[1]).toEqual([
      w.branch.code,
      w.branch.name,
      monday,
      addDays(monday, 6),
      'OPEN',
      undefined,
      undefined,
      undefined,
      undefined,
      3,
      1,
      0,
      1,
      1,
    ]);
  });

  it('audit: the audit rows of one order, with actors, for HQ', async () => {
    const order = await createOrder(db.owner, { branchId: w.branch.id });
    const manager = await api.login(w.manager.username);
    const patched = await api.request('PATCH', `/api/orders/${order.id}`, {
      token: manager,
      body: { version: order.version, remarks: '감사 기록 테스트' },
    });
    expect(patched.status).toBe(200);
    expect((await auditRows(db.owner, 'orders', order.id)).length).toBe(2);

    const hq = await api.login(w.hq.username);
    const today = seoulToday();
    const created = await api.request('POST', '/api/exports', {
      token: hq,
      body: { type: 'audit', filters: { from: addDays(today, -1), to: today, orderId: order.id } },
    });
    expect(created.status).toBe(202);
    expect(await waitForExport(hq, created.body.id)).toMatchObject({ status: 'DONE' });
    const file = await download(hq, created.body.id);
    expect(file.rows[0]).toEqual(['일시', '테이블', '레코드', '작업', '변경자', '주문', '변경 내용', '메모']);
    const updates = file.rows.filter((r) => r[1] === 'orders' && r[3] === 'UPDATE');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.[4]).toBe(w.manager.username);
    expect(String(updates[0]?.[6])).toContain('감사 기록 테스트');
  });
});

describe('waste and ECOAS exports', () => {
  it('ecoas: the same rows as GET /api/waste/ecoas for the month; waste: the FR-07 totals', async () => {
    const manager = await api.login(w.manager.username);
    for (const [code, quantity] of [
      ['P01', 1],
      ['P02', 2],
    ] as const) {
      const order = await createOrder(db.owner, { branchId: w.branch.id, partnerId: w.partner.id });
      const added = await api.request('POST', `/api/orders/${order.id}/waste`, {
        token: manager,
        body: { code, quantity },
      });
      expect(added.status).toBe(201);
    }
    const theirOrder = await createOrder(db.owner, { branchId: other.branch.id });
    const theirs = await api.request('POST', `/api/orders/${theirOrder.id}/waste`, {
      token: await api.login(other.manager.username),
      body: { code: 'P03', quantity: 5 },
    });
    expect(theirs.status).toBe(201);
    const month = seoulToday().slice(0, 7);

    const created = await api.request('POST', '/api/exports', {
      token: manager,
      body: { type: 'ecoas', filters: { month } },
    });
    expect(created.status).toBe(202);
    expect(await waitForExport(manager, created.body.id)).toMatchObject({ status: 'DONE', rowCount: 2 });
    const exported = await download(manager, created.body.id);
    const report = await fetch(`${api.url}/api/waste/ecoas?month=${month}&format=xlsx`, {
      headers: { authorization: `Bearer ${manager.accessToken}` },
    });
    expect(report.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await report.arrayBuffer());
    const reportRows: unknown[][] = [];
    wb.worksheets[0]!.eachRow((row) => reportRows.push((row.values as unknown[]).slice(1)));
    expect(exported.rows).toEqual(reportRows);
    expect(exported.rows.slice(1).map((r) => [r[3], r[5]])).toEqual([
      ['P01', 1],
      ['P02', 2],
    ]);

    const totals = await api.request('POST', '/api/exports', {
      token: manager,
      body: { type: 'waste', filters: { from: addDays(seoulToday(), -1), to: seoulToday(), groupBy: 'code' } },
    });
    expect(totals.status).toBe(202);
    expect(await waitForExport(manager, totals.body.id)).toMatchObject({ status: 'DONE' });
    const file = await download(manager, totals.body.id);
    expect(file.rows).toEqual([
      ['구분', '이름', '수량', '수거 건수', '주문 수'],
      ['P01', '냉장고', 1, 1, 1],
      ['P02', '세탁기', 2, 1, 1],
      ['합계', undefined, 3, 2],
    ]);
  });
});

describe('refusals', () => {
  it('names the field', async () => {
    const token = await api.login(w.hq.username);
    const cases: [unknown, string][] = [
      [{}, 'type'],
      [{ type: 'invoices' }, 'type'],
      [{ type: 'orders', filters: { status: ['배달중'] } }, 'filters.status.0'],
      [{ type: 'orders', filters: { limit: 10 } }, 'filters.limit'],
      [{ type: 'orders', filters: { from: '2026-02-01', to: '2026-01-01' } }, 'filters.to'],
      [{ type: 'settlement', filters: { to: '2026-01-01' } }, 'filters.from'],
      [{ type: 'audit', filters: { from: '2024-01-01', to: '2026-01-01' } }, 'filters.to'],
      [{ type: 'audit', filters: { from: '2026-01-01', to: '2026-01-02', recordId: 'x' } }, 'filters.recordId'],
      [{ type: 'orders', extra: true }, 'extra'],
      [{ type: 'ecoas', filters: { month: '2026-13' } }, 'filters.month'],
      [{ type: 'ecoas', filters: { month: '2026-01', format: 'csv' } }, 'filters.format'],
      [{ type: 'waste', filters: { from: '2026-01-01', to: '2026-01-02', groupBy: 'vendor' } }, 'filters.groupBy'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', '/api/exports', { token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'VALIDATION', field });
    }
    const bad = await api.request('GET', '/api/exports/not-an-id', { token });
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION', field: 'id' });
  });

  it('refuses roles without the action (also the action of the exported data)', async () => {
    const installer = await api.login(w.installerUser.username);
    const denied = await api.request('POST', '/api/exports', { token: installer, body: { type: 'orders' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.details).toEqual({ action: 'exports.create' });
    expect((await api.request('GET', '/api/exports', { token: installer })).status).toBe(403);

    const coordinator = await api.login(w.coordinator.username);
    const audit = await api.request('POST', '/api/exports', {
      token: coordinator,
      body: { type: 'audit', filters: { from: '2026-01-01', to: '2026-01-02' } },
    });
    expect(audit.status).toBe(403);
    expect(audit.body.error.details).toEqual({ action: 'audit.read' });
    const otherPartner = await api.request('POST', '/api/exports', {
      token: coordinator,
      body: { type: 'waste', filters: { from: '2026-01-01', to: '2026-01-02', partnerId: other.partner.id } },
    });
    expect(otherPartner.status).toBe(404);
    expect(otherPartner.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'filters.partnerId' });
  });

  it('an export queued before its creator was disabled ends FAILED with the reason; its file is 409', async () => {
    const token = await api.login(other.manager.username);
    const hq = await api.login(w.hq.username);
    await db.owner.query('UPDATE users SET is_active = false WHERE id = $1', [other.manager.id]);
    try {
      // the disabled user's session ends at once: no new export
      const refused = await api.request('POST', '/api/exports', { token, body: { type: 'orders' } });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('SESSION_REVOKED');
      // one queued while the account was still active is built after it was disabled: the job refuses it
      const id = randomUUID();
      await db.owner.query(`INSERT INTO exports(id, type, filters, created_by) VALUES ($1, 'orders', '{}', $2)`, [
        id,
        other.manager.id,
      ]);
      await api.runtime.jobs.send(QUEUES.exportBuild, { exportId: id });
      const failed = await waitForExport(hq, id);
      expect(failed).toMatchObject({ status: 'FAILED', fileUrl: null });
      expect(failed.lastError).toBe('이 내보내기를 요청한 계정이 사용 중지되었습니다.');
      const file = await api.request('GET', `/api/exports/${id}/file`, { token: hq });
      expect(file.status).toBe(409);
      expect(file.body.error.code).toBe('EXPORT_FAILED');
    } finally {
      await db.owner.query('UPDATE users SET is_active = true WHERE id = $1', [other.manager.id]);
    }
  });
});

describe('expiry', () => {
  it('an expired file is gone (410) and the sweep job deletes it from storage', async () => {
    const token = await api.login(w.manager.username);
    const created = await api.request('POST', '/api/exports', { token, body: { type: 'orders' } });
    await waitForExport(token, created.body.id);
    const stored = join(storageDir, 'exports', `${created.body.id}.xlsx`);
    expect(existsSync(stored)).toBe(true);

    await db.owner.query(`UPDATE exports SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      created.body.id,
    ]);
    const gone = await api.request('GET', `/api/exports/${created.body.id}/file`, { token });
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('EXPORT_EXPIRED');
    expect((await api.request('GET', `/api/exports/${created.body.id}`, { token })).body.fileUrl).toBeNull();

    expect(await api.runtime.jobs.runNow('export-sweep')).toBe('completed');
    expect(existsSync(stored)).toBe(false);
    const { rows } = await db.owner.query('SELECT status, file_url FROM exports WHERE id = $1', [created.body.id]);
    expect(rows[0]).toEqual({ status: 'DONE', file_url: null });
  });
});

describe('many orders', () => {
  // The same path as a large export (several cursor batches of BATCH rows, the streaming writer, the stored file
  // read back with the streaming reader) at a size a test can afford; 100k orders and the memory they take are
  // measured by `npm run bench:export` (docs/performance.md).
  it('exports orders spanning several cursor batches: every order once, newest first', async () => {
    const big = await createWorld(db.owner);
    const count = 4_500;
    await loadBulkOrders(db.owner, big.branch.id, count);
    const token = await api.login(big.manager.username);
    const created = await api.request('POST', '/api/exports', { token, body: { type: 'orders' } });
    expect(created.status).toBe(202);
    const done = await waitForExport(token, created.body.id, 120_000);
    expect(done).toMatchObject({ status: 'DONE', rowCount: count });
    const res = await fetch(`${api.url}/api/exports/${created.body.id}/file`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(res.status).toBe(200);
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.fromWeb(res.body as never), {
      sharedStrings: 'ignore',
      styles: 'ignore',
      worksheets: 'emit',
    });
    const seen = new Set<unknown>();
    let rows = 0;
    let first: unknown;
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const no = (row.values as unknown[])[1];
        if (rows === 1) first = no;
        if (rows > 0) seen.add(no);
        rows++;
      }
    }
    expect(rows).toBe(count + 1);
    expect(seen.size).toBe(count);
    expect(first).toBe('BIG-1'); // newest first
  });
});

describe('progress', () => {
  // The builder is held between its writes to the export's row, deterministically: a lock on the row (FOR UPDATE)
  // makes its next write wait; the next lock queues behind that write before the held one goes, so each step
  // lets exactly one write through, and the list is read while the builder waits — mid-build, its long read
  // transaction open.
  it('a running export shows rows written of its total; DONE shows all of them', async () => {
    const big = await createWorld(db.owner);
    const count = 4_500;
    await loadBulkOrders(db.owner, big.branch.id, count, 'PRG-');
    const token = await api.login(big.manager.username);
    const id = randomUUID();
    await db.owner.query(`INSERT INTO exports(id, type, filters, created_by) VALUES ($1, 'orders', '{}', $2)`, [
      id,
      big.manager.id,
    ]);
    const ours: number[] = [];
    const lockRow = async () => {
      const c = await db.owner.connect();
      await c.query('BEGIN');
      const pid: number = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      ours.push(pid);
      const held = c.query('SELECT 1 FROM exports WHERE id = $1 FOR UPDATE', [id]);
      return { c, pid, held };
    };
    const until = async (sql: string, params: unknown[]) => {
      while ((await db.owner.query(sql, params)).rows.length === 0) await new Promise((r) => setTimeout(r, 20));
    };
    const builderWaitsOn = (pid: number) =>
      until('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) AND NOT pid = ANY($2::int[])', [
        pid,
        ours,
      ]);

    let lock = await lockRow();
    await lock.held;
    // the job as POST /api/exports queues it: in the creator's session
    const sid = JSON.parse(Buffer.from(token.accessToken.split('.')[1]!, 'base64url').toString()).sid;
    const session = new AccessTokens(api.jwtSecret, 900).sealSession(sid);
    await api.runtime.jobs.send(QUEUES.exportBuild, { exportId: id, session });
    const seen: { status: string; progress: unknown }[] = [];
    const release = async () => {
      await lock.c.query('COMMIT');
      lock.c.release();
    };
    try {
      for (let step = 0; step < 10; step++) {
        await builderWaitsOn(lock.pid);
        const res = await api.request('GET', `/api/exports/${id}`, { token });
        seen.push({ status: res.body.status, progress: res.body.progress });
        const listed = await api.request('GET', '/api/exports', { token });
        expect(listed.body.items[0]).toMatchObject({ id, progress: res.body.progress });
        if ((res.body.progress?.done ?? 0) > 0) break;
        const next = await lockRow();
        await until('SELECT 1 WHERE cardinality(pg_blocking_pids($1)) > 0', [next.pid]);
        await release();
        await next.held;
        lock = next;
      }
    } finally {
      await release();
    }
    // waiting to start, started (not counted yet), counted, the first rows written
    expect(seen).toEqual([
      { status: 'PENDING', progress: null },
      { status: 'RUNNING', progress: { done: 0, total: null } },
      { status: 'RUNNING', progress: { done: 0, total: count } },
      { status: 'RUNNING', progress: { done: 2_000, total: count } },
    ]);
    const done = await waitForExport(token, id, 120_000);
    expect(done).toMatchObject({ status: 'DONE', rowCount: count, progress: { done: count, total: count } });
  });
});
