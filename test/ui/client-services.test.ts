// The contract with the real client services: the services worker (sync engine + screen handlers) against the
// real head office and PostgreSQL, reached through both shells' transports (IPC registration and the browser
// shell's HTTP), and the renderer's stores driven over that transport.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result, TaskProgress, WindowBridge } from '../../domain/client-api.js';
import { applyOrderView, cellText } from '../../domain/order-view.js';
import { TOKEN_HEADER } from '../../main/browser-shell/http-transport.js';
import { type BrowserShell, startBrowserShell } from '../../main/browser-shell/shell-server.js';
import { FileStore, filesDir } from '../../main/channel-handlers/file-store.js';
import { registerIpcHandlers } from '../../main/electron/ipc.js';
import { EXPORT_META_SHEET } from '../../main/excel/export-orders.js';
import { readWorkbook } from '../../main/excel/read-sheet.js';
import { type ServicesWorker, startServicesWorker } from '../../main/services/worker-host.js';
import { buildWindowApi } from '../../preload/build-api.js';
import { useBridge } from '../../renderer/platform/api.js';
import { createHttpApi } from '../../renderer/platform/http-api.js';
import { useLookups } from '../../renderer/stores/lookups.js';
import { useOrders } from '../../renderer/stores/orders.js';
import { useSession } from '../../renderer/stores/session.js';
import { useSync } from '../../renderer/stores/sync.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  createBranch,
  createInstaller,
  createOrder,
  createUser,
  seoulToday,
  type UserFixture,
} from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let server: TestServer;
let worker: ServicesWorker;
let browser: BrowserShell;
let httpApi: ReturnType<typeof createHttpApi>;
let ipcApi: WindowBridge;
let manager: UserFixture;
const orderIds: string[] = [];
const today = seoulToday();

beforeAll(async () => {
  db = await createTestDatabase();
  const branch = await createBranch(db.owner, { name: '테스트지점' });
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  const installer = await createInstaller(db.owner, { branchId: branch.id, name: '박기사', skillTags: ['aircon'] });
  for (let i = 0; i < 3; i++) {
    const o = await createOrder(db.owner, {
      branchId: branch.id,
      appointmentDate: today,
      customerName: `고객${i}`,
      ...(i === 0 ? { installerId: installer.id, status: '배정' as const } : {}),
      ...(i === 2
        ? {
            lines: [
              { itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 },
              { itemCode: 'AC-7', itemName: '벽걸이 에어컨', quantity: 2 },
            ],
          }
        : {}),
    });
    orderIds.push(o.id);
  }
  server = await startTestServer(db);
  const dataDir = mkdtempSync(join(tmpdir(), 'services-'));
  worker = await startServicesWorker({
    dataDir,
    engine: { pullIntervalMs: 300, backoff: { baseMs: 50, maxMs: 300 } },
    handlerModules: [new URL('../../main/channel-handlers/screen-handlers.ts', import.meta.url).href],
  });
  browser = await startBrowserShell({
    handlers: worker.handlers,
    events: worker,
    files: new FileStore(filesDir(dataDir)),
    rendererDir: '/nonexistent',
  });
  httpApi = createHttpApi({ baseUrl: browser.origin, token: browser.token, retryMs: 50 });
  const registered = new Map<string, (e: unknown, raw: unknown) => Promise<Result<unknown>>>();
  registerIpcHandlers(
    { handle: (ch: string, fn: never) => registered.set(ch, fn), removeHandler: () => undefined } as never,
    worker.handlers,
    { allowedOrigins: ['app://bundle'] },
  );
  const frame = { url: 'app://bundle/index.html', parent: null };
  ipcApi = buildWindowApi(
    async (ch, args) => structuredClone(await registered.get(ch)!({ senderFrame: frame }, structuredClone(args))),
    (l) => worker.subscribe(l),
  );
}, 120_000);

afterAll(async () => {
  httpApi?.close();
  await browser?.close();
  await worker?.close();
  await server?.stop();
  await db?.drop();
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

describe.each([
  { name: 'IPC', api: () => ipcApi },
  { name: 'HTTP', api: () => httpApi },
])('the real services over $name', ({ api }) => {
  it('refuses a wrong password with an error result naming the field', async () => {
    const r = await api()['auth:login']({
      serverUrl: server.url,
      username: manager.username,
      password: 'wrong password',
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe('password');
  });

  it('signs in, mirrors the branch, and serves the screens from the mirror', async () => {
    const login = await api()['auth:login']({
      serverUrl: server.url,
      username: manager.username,
      password: manager.password,
    });
    expect(login.ok && login.value.user.username).toBe(manager.username);
    const list = await until(
      () => api()['orders:list']({}),
      (r) => r.ok && r.value.length === 3,
      'three orders mirrored',
    );
    if (!list.ok) throw new Error('unreachable');
    const detail = await api()['detail:get']({ id: orderIds[0]! });
    expect(detail.ok && detail.value.lines.length).toBe(1);
    const sheets = await api()['print:sheets']({ date: today });
    expect(sheets.ok && sheets.value.map((s) => [s.installer.name, s.orders.length])).toEqual([['박기사', 1]]);
    const installers = await until(
      () => api()['lookups:installers']({}),
      (r) => r.ok && r.value.length === 1,
      'installers',
    );
    expect(installers.ok && installers.value[0]!.skillTags).toEqual(['aircon']);
  });

  it('validates a write before it reaches the outbox, and syncs a good one to the head office', async () => {
    const bad = await api()['orders:update']({ id: orderIds[1]!, patch: { version: 1, customerPhone: 'call me' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ code: 'VALIDATION', field: 'patch.customerPhone' });
    const current = await api()['orders:list']({});
    const row = current.ok ? current.value.find((r) => r.id === orderIds[1]) : undefined;
    const phone = `010-3333-${String(row!.version).padStart(4, '0')}`;
    const good = await api()['orders:update']({
      id: orderIds[1]!,
      patch: { version: row!.version, customerPhone: phone },
    });
    expect(good.ok && good.value.row.customerPhone).toBe(phone);
    await until(
      async () => (await db.owner.query('SELECT customer_phone FROM orders WHERE id = $1', [orderIds[1]])).rows[0],
      (r) => r.customer_phone === phone,
      'the edit at the head office',
    );
  });

  it('keeps per-user preferences', async () => {
    expect((await api()['prefs:set']({ key: 'grid.test', value: { a: [1, 2] } })).ok).toBe(true);
    expect(await api()['prefs:get']({ key: 'grid.test' })).toEqual({ ok: true, value: { a: [1, 2] } });
  });
});

async function sheet(rows: (string | number)[][]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('주문서');
  ws.addRow(['주문번호', '성명', '주소', '시군구', '모델', '제품명', '수량']);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
}

describe('vendor sheet import through the services', () => {
  it('creates all orders of a good sheet (several lines per order) and they reach the head office', async () => {
    const file = await sheet([
      ['IMP-1', '가져온고객', '중앙로 1', '서울 강남구', 'AC-1', '에어컨', 1],
      ['IMP-1', '', '', '', 'WM-2', '세탁기', 2],
      ['IMP-2', '가져온고객2', '중앙로 2', '서울 송파구', 'RF-3', '냉장고', 1],
    ]);
    const preview = await httpApi['excel:importPreview']({ file, vendor: '동부대우전자' });
    expect(preview.ok && [preview.value.rowCount, preview.value.orderCount, preview.value.errors]).toEqual([3, 2, []]);
    const r = await httpApi['excel:importCommit']({ file, vendor: '동부대우전자' });
    expect(r.ok && [r.value.created, r.value.errors]).toEqual([2, []]);
    await until(
      async () =>
        (
          await db.owner.query(
            "SELECT o.order_no, count(l.*) AS lines FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.order_no LIKE 'IMP-%' GROUP BY 1 ORDER BY 1",
          )
        ).rows,
      (rows) => rows.length === 2,
      'imported orders at the head office',
    ).then((rows) =>
      expect(rows.map((x) => [x.order_no, Number(x.lines)])).toEqual([
        ['IMP-1', 2],
        ['IMP-2', 1],
      ]),
    );
  });

  it('refuses a vendor sheet without its vendor, naming the field, and creates nothing', async () => {
    const file = await sheet([['IMP-NV', '의뢰처없음', '중앙로 9', '서울', 'AC-1', '에어컨', 1]]);
    const r = await httpApi['excel:importCommit']({ file });
    expect(!r.ok && [r.error.code, r.error.field, r.error.message]).toEqual([
      'VALIDATION',
      'vendor',
      '의뢰처를 입력하세요: 주문서의 주문은 의뢰처와 함께 만들어집니다',
    ]);
    const list = await httpApi['orders:list']({});
    expect(list.ok && list.value.filter((o) => o.orderNo === 'IMP-NV')).toEqual([]);
  });

  it('creates nothing when one row is bad, and names the row and column', async () => {
    const file = await sheet([
      ['IMP-3', '정상', '중앙로 3', '서울', 'AC-1', '에어컨', 1],
      ['IMP-4', '정상', '중앙로 4', '서울', 'AC-1', '에어컨', 0],
      ['IMP-1', '중복', '중앙로 5', '서울', 'AC-1', '에어컨', 1],
    ]);
    const r = await httpApi['excel:importCommit']({ file, vendor: 'X' });
    expect(r.ok && r.value.created).toBe(0);
    expect(r.ok && r.value.errors).toEqual([
      { row: 3, column: '수량', message: '1 이상의 정수여야 합니다' },
      { row: 4, column: '주문번호', message: '이미 있는 수주번호입니다' },
    ]);
    const list = await httpApi['orders:list']({});
    expect(list.ok && list.value.filter((o) => o.orderNo === 'IMP-3')).toEqual([]);
  });
});

describe('vendor sheets as people make them, through the services', () => {
  const HEAD = ['No.', '받는분', '핸드폰', '배송지', '지역', '배송일', '방문시간', '모델', '제품명', '수량'];
  async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<string> {
    const wb = new ExcelJS.Workbook();
    build(wb);
    return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
  }
  const vendorSheet = (ws: ExcelJS.Worksheet, no: string) => {
    ws.addRow(['한빛상사 12월 배송 의뢰']);
    ws.mergeCells('A1:J1');
    ws.addRow([]);
    ws.addRow(HEAD);
    ws.addRow([no, '시트고객', 1098765432, '중앙로 10', '서울 마포구', '12/20', '14~16시', 'AC-1', '에어컨', 1]);
    ws.addRow(['합계', '', '', '', '', '', '', '', '', 1]);
  };

  it('finds the table under a merged title, picks the sheet with orders or the one chosen, and says what it mended', async () => {
    const file = await workbook((wb) => {
      wb.addWorksheet('표지').addRow(['의뢰서']);
      vendorSheet(wb.addWorksheet('주문'), 'HB-1');
      vendorSheet(wb.addWorksheet('지난주'), 'HB-0');
    });
    const preview = await httpApi['excel:importPreview']({ file });
    if (!preview.ok) throw new Error(JSON.stringify(preview));
    const p = preview.value;
    expect([p.sheet, p.headerRow, p.headers, p.sheets.map((s) => s.name)]).toEqual([
      '주문',
      3,
      HEAD,
      ['표지', '주문', '지난주'],
    ]);
    // the merged title fills none of the drop-downs; 'No.' is no known word, so the order number stays unmapped
    expect(Object.values(p.mapping)).toEqual(HEAD.slice(1));
    const mapping = { ...p.mapping, orderNo: 'No.' };
    const mapped = await httpApi['excel:importPreview']({ file, vendor: '한빛상사', mapping });
    expect(mapped.ok && [mapped.value.errors, mapped.value.warnings.map((w) => [w.row, w.column])]).toEqual([
      [],
      [
        [4, '핸드폰'],
        [5, ''],
      ],
    ]);
    const other = await httpApi['excel:importPreview']({ file, vendor: '한빛상사', sheet: '지난주', mapping });
    expect(other.ok && [other.value.sheet, other.value.sample[0]?.orderNo]).toEqual(['지난주', 'HB-0']);
    const missing = await httpApi['excel:importPreview']({ file, sheet: '없는 시트' });
    expect(!missing.ok && [missing.error.field, missing.error.message]).toEqual([
      'sheet',
      '시트 "없는 시트"가 없습니다',
    ]);

    const r = await httpApi['excel:importCommit']({ file, vendor: '한빛상사', mapping });
    expect(r.ok && [r.value.created, r.value.errors, r.value.warnings.length]).toEqual([1, [], 2]);
    // the phone with its 0 back and the time window on the appointment day reach the head office
    await until(
      async () =>
        (
          await db.owner.query(
            "SELECT customer_phone, appointment_date::text AS day, lower(appointment_time_window) AS start FROM orders WHERE order_no = 'HB-1'",
          )
        ).rows,
      (rows) => rows.length === 1,
      'the imported order at the head office',
    ).then((rows) =>
      expect([rows[0].customer_phone, rows[0].start.toISOString()]).toEqual([
        '010-9876-5432',
        expect.stringMatching(/T05:00:00/),
      ]),
    );

    // next time, a sheet with the same header texts is recognised as 한빛상사's: its mapping comes back, no vendor typed
    const again = await workbook((wb) => vendorSheet(wb.addWorksheet('주문'), 'HB-2'));
    const next = await httpApi['excel:importPreview']({ file: again });
    expect(next.ok && [next.value.preset, next.value.mapping]).toEqual(['한빛상사', mapping]);
  });

  it('refuses a sheet over the row limit, naming the limit', async () => {
    const file = await workbook((wb) => {
      const ws = wb.addWorksheet('주문');
      ws.addRow(['주문번호', '성명']);
      ws.getCell('A50001').value = 'x';
    });
    const r = await httpApi['excel:importPreview']({ file, vendor: 'X' });
    expect(!r.ok && [r.error.code, r.error.field, r.error.message]).toEqual([
      'VALIDATION',
      'file',
      '시트 "주문"의 행이 50,000개를 넘어 열지 않습니다',
    ]);
  });
});

describe('progress of long work, reported by the services worker as it goes', () => {
  /** The progress events of one call, in the order the worker sent them. */
  async function progressOf<T>(task: TaskProgress['task'], call: () => Promise<T>): Promise<TaskProgress[]> {
    const seen: TaskProgress[] = [];
    const off = worker.subscribe((e) => {
      if (e.type === 'progress' && e.progress.task === task) seen.push(e.progress);
    });
    try {
      await call();
    } finally {
      off();
    }
    return seen;
  }
  const steady = (ps: TaskProgress[]) => ps.every((p, i) => i === 0 || p.percent >= ps[i - 1]!.percent);

  it('an import: reading the file (rows of its rows), checking rows, writing, with a rising percentage', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => [
      `PRG-${i}`,
      `진행고객${i}`,
      '중앙로 1',
      '서울',
      'GEN-1',
      '소형',
      1,
    ]);
    const file = await sheet(rows);
    const preview = await progressOf('import', () => httpApi['excel:importPreview']({ file, vendor: '진행상사' }));
    expect([...new Set(preview.map((p) => p.step))]).toEqual(['reading', 'checking', 'done']);
    expect(preview.find((p) => p.step === 'reading')!.total).toBe(401);
    expect(preview.filter((p) => p.step === 'checking').at(-1)).toMatchObject({ done: 400, total: 400 });
    expect(steady(preview)).toBe(true);
    expect(preview.at(-1)).toMatchObject({ step: 'done', percent: 100 });
    expect(preview.length).toBeLessThan(220);
    // the commit reads the kept file again without parsing it: checking, then writing the 400 orders
    const commit = await progressOf('import', () => httpApi['excel:importCommit']({ file, vendor: '진행상사' }));
    expect([...new Set(commit.map((p) => p.step))]).toEqual(['checking', 'writing', 'done']);
    expect(commit.filter((p) => p.step === 'writing').at(-1)).toMatchObject({ done: 400, total: 400 });
    expect(steady(commit)).toBe(true);
    expect(commit.at(-1)!.percent).toBe(100);
  });

  it('an export: the rows written of the rows shown; a PDF: the orders drawn', async () => {
    const exported = await progressOf('export', () =>
      httpApi['excel:export']({ view: {}, columns: ['orderNo', 'customerName'] }),
    );
    const list = await httpApi['orders:list']({});
    const total = list.ok ? list.value.length : 0;
    expect(total).toBeGreaterThan(400);
    expect(exported.filter((p) => p.step === 'writing').at(-1)).toMatchObject({ done: total, total });
    expect(steady(exported)).toBe(true);
    expect(exported.at(-1)).toMatchObject({ step: 'done', percent: 100 });
    const printed = await progressOf('print', () => httpApi['print:pdf']({ date: today }));
    expect(printed.at(-1)).toMatchObject({ step: 'done', percent: 100 });
    expect(steady(printed)).toBe(true);
  });
});

describe('xlsx export through the services', () => {
  it("writes the grid's filtered, sorted view from the local database, with the ids re-import needs", async () => {
    const list = await httpApi['orders:list']({});
    const view = {
      filters: { customerName: '고객' },
      sort: [{ key: 'customerName' as const, direction: 'DESC' as const }],
    };
    const columns = ['orderNo', 'customerName', 'status'] as const;
    const r = await httpApi['excel:export']({ view, columns: [...columns] });
    if (!r.ok || !list.ok) throw new Error(JSON.stringify(r));
    const shown = applyOrderView(list.value, view);
    expect(shown.length).toBeGreaterThan(1);
    const res = await fetch(`${browser.origin}/files/${r.value.fileId}`, {
      headers: { [TOKEN_HEADER]: browser.token },
    });
    const sheet = await readWorkbook(Buffer.from(await res.arrayBuffer()), EXPORT_META_SHEET);
    expect(sheet.rows.map((x) => x.cells)).toEqual(
      shown.map((o) => [...columns.map((k) => cellText(o, k)), o.id, String(o.version)]),
    );
  });

  it('re-imports a changed 시간대 as the appointment change of that day, and refuses hours that are no slot', async () => {
    const r = await httpApi['excel:export']({ view: {}, columns: ['orderNo', 'timeWindow'] });
    if (!r.ok) throw new Error(JSON.stringify(r));
    const res = await fetch(`${browser.origin}/files/${r.value.fileId}`, {
      headers: { [TOKEN_HEADER]: browser.token },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const ws = wb.worksheets[0]!;
    const rowOf = (id: string) => {
      let at = 0;
      ws.eachRow((row, n) => {
        if (row.values && (row.values as unknown[]).includes(id)) at = n;
      });
      if (!at) throw new Error(`order ${id} not in the export`);
      return ws.getRow(at);
    };
    const [good, bad] = [orderIds[1]!, orderIds[2]!];
    rowOf(good).getCell(2).value = '15-18';
    rowOf(bad).getCell(2).value = '10:00~11:00';
    const both = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
    const preview = await httpApi['excel:importPreview']({ file: both });
    if (!preview.ok) throw new Error(JSON.stringify(preview));
    expect(preview.value.errors).toEqual([
      {
        row: rowOf(bad).number,
        column: String(ws.getRow(1).getCell(2).value),
        message: expect.stringContaining('15:00–18:00'),
      },
    ]);
    // all or nothing: the good row waits for the bad one to be fixed
    const refused = await httpApi['excel:importCommit']({ file: both });
    expect(refused.ok && [refused.value.updated, refused.value.errors.length]).toEqual([0, 1]);

    rowOf(bad).getCell(2).value = cellText((await orderRow(bad))!, 'timeWindow');
    const fixed = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
    const done = await httpApi['excel:importCommit']({ file: fixed });
    expect(done.ok && [done.value.updated, done.value.errors]).toEqual([1, []]);
    const at = await until(
      async () =>
        (
          await db.owner.query(
            `SELECT appointment_date::text AS day,
                    to_char(lower(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') AS start,
                    to_char(upper(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') AS "end"
               FROM orders WHERE id = $1`,
            [good],
          )
        ).rows[0],
      (x) => x?.start === '15:00',
      'the window at the head office',
    );
    expect(at).toEqual({ day: today, start: '15:00', end: '18:00' });
  });
});

async function orderRow(id: string) {
  const list = await httpApi['orders:list']({});
  return list.ok ? list.value.find((o) => o.id === id) : undefined;
}

describe('renderer stores over the browser shell', () => {
  beforeAll(() => useBridge(httpApi));

  it('import presets: saved per vendor and offered again', async () => {
    const mapping = { orderNo: '주문번호', customerName: '성명' };
    expect((await httpApi['excel:savePreset']({ vendor: '삼성전자', mapping })).ok).toBe(true);
    const presets = await httpApi['excel:presets']({});
    expect(presets.ok && presets.value.filter((p) => p.vendor === '삼성전자').map((p) => p.mapping)).toEqual([mapping]);
    // the next preview for that vendor starts from the preset, not from a guess
    const file = await sheet([['P-1', '고객', '주소', '서울', 'AC-1', '에어컨', 1]]);
    const preview = await httpApi['excel:importPreview']({ file, vendor: '삼성전자' });
    expect(preview.ok && preview.value.mapping).toEqual(mapping);
  });

  it('session: logs in and out', async () => {
    expect(await useSession.getState().login(server.url, manager.username, 'nope nope')).toBe(false);
    expect(useSession.getState().error?.field).toBe('password');
    expect(await useSession.getState().login(server.url, manager.username, manager.password)).toBe(true);
    expect(useSession.getState().session?.user.username).toBe(manager.username);
  });

  it('orders: loads the mirror, applies an edit in place and marks it pending', async () => {
    await until(
      async () => {
        await useOrders.getState().load();
        return useOrders.getState().rows.map((r) => r.id);
      },
      (ids) => orderIds.every((id) => ids.includes(id)),
      'rows loaded',
    );
    const row = useOrders.getState().rows.find((r) => r.id === orderIds[2])!;
    const r = await useOrders.getState().update(row, { remarks: '문 앞에 두세요' });
    expect(r.ok).toBe(true);
    const after = useOrders.getState().rows.find((x) => x.id === orderIds[2])!;
    expect(after.remarks).toBe('문 앞에 두세요');
    expect(after.pendingOps).toBeGreaterThan(0);
    const stale = await useOrders.getState().update(row, { remarks: '다른 메모' });
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.error.code).toBe('CONFLICT');
  });

  it('orders: saves the column layout per user and reads it back', async () => {
    const layout = useOrders.getState().layout;
    const moved = { ...layout, hidden: [...layout.hidden, 'vendor' as const] };
    useOrders.getState().setLayout(moved);
    await until(
      async () => (await httpApi['prefs:get']({ key: 'grid.orders.layout' })) as Result<{ hidden: string[] } | null>,
      (r) => r.ok && (r.value?.hidden ?? []).includes('vendor'),
      'layout saved',
    );
    useOrders.setState({ layout });
    await useOrders.getState().loadLayout();
    expect(useOrders.getState().layout.hidden).toContain('vendor');
  });

  it('sync and lookups: state, installers and reason codes', async () => {
    await until(
      async () => {
        await useSync.getState().refresh();
        return useSync.getState().state;
      },
      (s) => s?.status !== 'offline' && s?.pending === 0,
      'online with nothing pending',
    );
    await useLookups.getState().load();
    expect(useLookups.getState().installers.map((i) => i.name)).toEqual(['박기사']);
    expect(useLookups.getState().reasonCodes.length).toBeGreaterThan(0);
  });
});

describe('offline import', () => {
  it('queues the orders in the outbox while the head office is unreachable', async () => {
    await server.stop();
    await until(
      () => httpApi['sync:state']({}),
      (r) => r.ok && r.value.status === 'offline',
      'offline',
    );
    const file = await sheet([['IMP-OFF-1', '오프라인고객', '중앙로 9', '서울', 'AC-1', '에어컨', 1]]);
    const r = await httpApi['excel:importCommit']({ file, vendor: '동부대우전자' });
    expect(r.ok && [r.value.created, r.value.queued]).toEqual([1, 1]);
    const list = await httpApi['orders:list']({});
    expect(list.ok && list.value.find((o) => o.orderNo === 'IMP-OFF-1')?.pendingOps).toBe(1);
    const state = await httpApi['sync:state']({});
    expect(state.ok && state.value.pending).toBeGreaterThanOrEqual(1);
    expect((await db.owner.query("SELECT 1 FROM orders WHERE order_no = 'IMP-OFF-1'")).rowCount).toBe(0);
  });

  it('records serials, waste pick-ups (add, edit, remove) and a split offline; refuses bad input naming the field', async () => {
    const id = orderIds[2]!;
    const before = await httpApi['detail:get']({ id });
    if (!before.ok) throw new Error('no detail');
    const ac = before.value.lines.find((l) => l.itemCode === 'AC-7')!;

    const serials = await httpApi['detail:serials']({ id, lineId: ac.id, serials: ['off-sn-1'] });
    expect(serials.ok && serials.value.serials.map((x) => x.serial)).toEqual(['OFF-SN-1']);
    expect(serials.ok && serials.value.order.pendingOps).toBeGreaterThan(0);
    const tooMany = await httpApi['detail:serials']({ id, lineId: ac.id, serials: ['A1', 'A2'] });
    expect(!tooMany.ok && tooMany.error).toMatchObject({ code: 'SERIAL_COUNT', field: 'serials' });

    const added = await httpApi['detail:waste']({ id, code: 'P01', quantity: 1 });
    if (!added.ok) throw new Error(added.error.message);
    expect(added.value.waste).toMatchObject([{ code: 'P01', quantity: 1, version: 1 }]);
    const unknown = await httpApi['detail:waste']({ id, code: 'Z99', quantity: 1 });
    expect(!unknown.ok && unknown.error).toMatchObject({ code: 'WASTE_CODE', field: 'code' });
    const negative = await httpApi['detail:waste']({ id, code: 'P01', quantity: -1 });
    expect(!negative.ok && negative.error).toMatchObject({ code: 'VALIDATION', field: 'quantity' });
    const wasteId = added.value.waste[0]!.id;
    const edited = await httpApi['detail:wasteEdit']({ wasteId, version: 1, quantity: 3 });
    expect(edited.ok && edited.value.waste).toMatchObject([{ code: 'P01', quantity: 3, version: 2 }]);
    const removed = await httpApi['detail:wasteRemove']({ wasteId, version: 2 });
    expect(removed.ok && removed.value.waste).toEqual([]);

    const version = removed.ok ? removed.value.order.version : 0;
    const above = await httpApi['detail:split']({ id, version, lines: [{ lineId: ac.id, quantity: 5 }] });
    expect(!above.ok && above.error).toMatchObject({ code: 'SPLIT_QUANTITY', field: 'lines.0.quantity' });
    const split = await httpApi['detail:split']({ id, version, lines: [{ lineId: ac.id, quantity: 1 }] });
    if (!split.ok) throw new Error(split.error.message);
    const parentNo = before.value.order.orderNo;
    expect(split.value).toMatchObject({ orderNo: `${parentNo}-S1`, status: '미배정' });
    expect(split.value.pendingOps).toBeGreaterThan(0);
    const parent = await httpApi['detail:get']({ id });
    expect(parent.ok && parent.value.lines.find((l) => l.id === ac.id)?.quantity).toBe(1);

    // none of it has reached the head office yet
    const hq = await db.owner.query(
      `SELECT (SELECT count(*)::int FROM serial_numbers WHERE serial = 'OFF-SN-1') AS serials,
              (SELECT count(*)::int FROM orders WHERE order_no LIKE $1) AS children`,
      [`${parentNo}-S%`],
    );
    expect(hq.rows[0]).toEqual({ serials: 0, children: 0 });
  });

  it('signs in offline against the verifier of the last online sign-in, and refuses a wrong password', async () => {
    const wrong = await httpApi['auth:login']({
      serverUrl: server.url,
      username: manager.username,
      password: 'not it',
    });
    expect(wrong.ok).toBe(false);
    const r = await httpApi['auth:login']({
      serverUrl: server.url,
      username: manager.username,
      password: manager.password,
    });
    expect(r.ok && r.value.offline).toBe(true);
    const list = await httpApi['orders:list']({});
    expect(list.ok && list.value.some((o) => o.orderNo === 'IMP-OFF-1')).toBe(true);
  });
});
