// The branch client end to end, as a clerk uses it: Chromium → browser shell → client services (SQLite mirror,
// outbox, sync engine) → head office → PostgreSQL, all real. One clerk's day in order: sign in (Korean UI), filter
// the grid, assign on the board (keyboard, drag and drop, accepted suggestions), postpone with a reason, print a
// sheet, export the grid, refuse a bad import, work through an outage, resolve a conflict. Screenshots of every
// main screen go to test-results/screens/.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, seoulToday } from '../support/fixtures.js';
import { makePng } from '../support/png.js';
import {
  DEMO_PASSWORD,
  defaultWindowStart,
  inDefaultWindow,
  shot,
  startWorld,
  type World,
  windowedOrderCount,
} from './support.js';

let w: World;
let page: Page;
let branchId: string;
let token: string;
const DAY = addDays(seoulToday(), 24);
const created: Array<{ id: string; orderNo: string }> = [];
let splitOrder: { id: string; orderNo: string };

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await w.db.owner.query(sql, params)).rows as T[];
const count = async (sql: string, params: unknown[] = []) => Number((await q<{ n: string }>(sql, params))[0]!.n);
const fmt = (n: number) => n.toLocaleString('en-US');
const gridCount = () => page.locator('[data-testid=grid-count]');

async function waitForCount(shown: number, total: number) {
  await expect
    .poll(async () => (await gridCount().textContent())?.split('·')[0]?.trim(), { timeout: 30_000 })
    .toBe(`${fmt(shown)} / ${fmt(total)}건`);
}

beforeAll(async () => {
  w = await startWorld();
  page = w.page;
  branchId = (await q<{ id: string }>("SELECT branch_id AS id FROM users WHERE username = 'mgr.seoul'"))[0]!.id;
  // orders for a day of their own, made at the head office by the branch manager (another session)
  const login = await w.server.request('POST', '/api/auth/login', {
    body: { username: 'mgr.seoul', password: DEMO_PASSWORD },
  });
  token = login.body.accessToken;
  const cities = ['서울 강남구', '서울 송파구', '서울 강서구', '서울 영등포구', '서울 노원구', '서울 마포구'];
  for (let i = 0; i < 6; i++) {
    const res = await w.server.request('POST', '/api/orders', {
      token,
      body: {
        orderNo: `E2E-${Date.now().toString(36).toUpperCase()}-${i}`,
        customerName: `테스트고객${i}`,
        customerPhone: `010-5000-000${i}`,
        address: { line1: `테헤란로 ${10 + i}`, city: cities[i] },
        vendor: '동부대우전자',
        branchId,
        appointmentDate: DAY,
        appointmentTimeWindow: { start: `${DAY}T0${1 + i}:00:00Z`, end: `${DAY}T0${3 + i}:00:00Z` },
        lines: [{ itemCode: 'AC-2000', itemName: '벽걸이 에어컨', quantity: 1 }],
      },
    });
    expect(res.status).toBe(201);
    created.push({ id: res.body.id, orderNo: res.body.orderNo });
  }
  const twoUnits = await w.server.request('POST', '/api/orders', {
    token,
    body: {
      orderNo: `E2E-${Date.now().toString(36).toUpperCase()}-S`,
      customerName: '분할고객',
      address: { line1: '테헤란로 99', city: '서울 강남구' },
      branchId,
      appointmentDate: addDays(DAY, 3),
      lines: [{ itemCode: 'AC-2000', itemName: '벽걸이 에어컨', quantity: 2 }],
    },
  });
  expect(twoUnits.status).toBe(201);
  splitOrder = { id: twoUnits.body.id, orderNo: twoUnits.body.orderNo };
}, 240_000);

afterAll(async () => {
  await w?.close();
});

describe('branch client', () => {
  it('signs in with the Korean UI and mirrors the branch', async () => {
    await page.goto(w.shell.url);
    await page.waitForSelector('form[aria-label="로그인"]');
    expect(await page.textContent('h1')).toBe('지점 배차 관리');
    await expect.poll(() => page.inputValue('input[name=serverUrl]')).toBe(w.proxy.url);
    await shot(page, '01-login');
    await page.fill('input[name=username]', 'mgr.seoul');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.orders-grid');
    const total = await windowedOrderCount(w, branchId);
    await waitForCount(total, total);
    // status and label read in one go: the next sync cycle may flip the indicator to 동기화 중 at any moment
    const onlineLabel = await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid=sync-indicator]');
      return el?.getAttribute('data-status') === 'online' ? el.textContent : null;
    });
    expect(await onlineLabel.jsonValue()).toContain('온라인');
    expect(await page.textContent('[data-testid=branch]')).toContain('서울지점');
    await shot(page, '02-orders-grid');
  });

  it('filters the grid per column', async () => {
    const total = await windowedOrderCount(w, branchId);
    const name = (
      await q<{ name: string }>(
        `SELECT customer_name AS name FROM orders WHERE branch_id = $1 AND deleted_at IS NULL AND ${inDefaultWindow(2)}
          ORDER BY created_at LIMIT 1`,
        [branchId, defaultWindowStart()],
      )
    )[0]!.name;
    // the grid filters what this PC keeps: the branch's window
    const expected = await count(
      `SELECT count(*) AS n FROM orders WHERE branch_id = $1 AND deleted_at IS NULL AND ${inDefaultWindow(3)}
          AND customer_name LIKE '%' || $2 || '%'`,
      [branchId, name, defaultWindowStart()],
    );
    await page.fill('[data-testid=filter-customerName]', name);
    await waitForCount(expected, total);
    const names = await page.locator('.rdg-row:not(.rdg-summary-row) [aria-colindex="5"]').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).toContain(name);
    await shot(page, '03-orders-filtered');
    await page.fill('[data-testid=filter-customerName]', '');
    await waitForCount(total, total);
  });

  it('assigns on the board by keyboard, by drag and drop, and by accepting suggestions', async () => {
    await page.click('[data-testid=nav-board]');
    await page.fill('[data-testid=board-date]', DAY);
    for (const o of created) await page.waitForSelector(`[data-testid=card-${o.orderNo}]`);
    // keyboard: pick the first card, press 1 (the first installer column)
    const firstInstaller = (await page.locator('.installer-name').first().textContent())!;
    await page.click(`[data-testid=card-${created[0]!.orderNo}]`);
    await page.keyboard.press('1');
    await page.waitForSelector(`[data-testid=installer-${firstInstaller}] >> text=${created[0]!.orderNo}`);
    // drag and drop onto the second installer
    const secondInstaller = (await page.locator('.installer-name').nth(1).textContent())!;
    await page.dragAndDrop(`[data-testid=card-${created[1]!.orderNo}]`, `[data-testid=installer-${secondInstaller}]`);
    await page.waitForSelector(`[data-testid=installer-${secondInstaller}] >> text=${created[1]!.orderNo}`);
    // the rest: suggestions, reviewed and applied in one step
    await page.click('[data-testid=suggest]');
    await page.waitForSelector('[data-testid=suggest-review]');
    for (const o of created.slice(2)) await page.waitForSelector(`[data-testid=suggest-row-${o.orderNo}]`);
    await shot(page, '04-board-suggestions');
    await page.click('[data-testid=suggest-apply]');
    await page.waitForSelector('[data-testid=suggest-review]', { state: 'detached' });
    await expect
      .poll(
        () =>
          count(
            "SELECT count(*) AS n FROM orders WHERE id = ANY($1) AND status = '배정' AND installer_id IS NOT NULL",
            [created.map((o) => o.id)],
          ),
        { timeout: 30_000 },
      )
      .toBe(6);
    const placed = await q<{ order_no: string; name: string }>(
      'SELECT o.order_no, i.name FROM orders o JOIN installers i ON i.id = o.installer_id WHERE o.id = ANY($1)',
      [[created[0]!.id, created[1]!.id]],
    );
    expect(Object.fromEntries(placed.map((p) => [p.order_no, p.name]))).toEqual({
      [created[0]!.orderNo]: firstInstaller,
      [created[1]!.orderNo]: secondInstaller,
    });
    // no installer was pushed past its capacity by the suggestions
    const over = await count(
      `SELECT count(*) AS n FROM (SELECT i.id FROM orders o JOIN installers i ON i.id = o.installer_id
        WHERE o.appointment_date = $1 AND o.status IN ('배정','배정확정','출고확정','출문','부재')
        GROUP BY i.id, i.capacity_per_day HAVING count(*) > i.capacity_per_day) x`,
      [DAY],
    );
    expect(over).toBe(0);
    await page.waitForSelector('[data-testid=board-unassigned] .order-card', { state: 'detached' });
    await shot(page, '05-board-assigned');
  });

  it('postpones an order with a reason code', async () => {
    const target = created[2]!;
    await page.click(`button:has-text("${target.orderNo}")`);
    await page.waitForSelector('[data-testid=order-detail]');
    await page.click('[data-testid=action-status]');
    // the new status starts unchosen: applying then changes nothing and says what is missing
    expect(await page.inputValue('[data-testid=status-select]')).toBe('');
    await page.click('[data-testid=status-submit]');
    await page.waitForSelector('[data-testid=status-form] .form-error:has-text("바꿀 상태를 고르세요.")');
    await page.selectOption('[data-testid=status-select]', '연기');
    // choosing one clears that message, so the next refusal below is the form's own
    await page.waitForSelector('[data-testid=status-form] .form-error', { state: 'detached' });
    // without a reason the form refuses
    await page.click('[data-testid=status-submit]');
    await page.waitForSelector('[data-testid=status-form] .form-error, [data-testid=status-form] select:invalid');
    await page.selectOption('[data-testid=reason-select]', 'P01');
    await page.fill('[data-testid=status-form] input[type=date]', addDays(DAY, 1));
    await shot(page, '06-detail-status-reason');
    await page.click('[data-testid=status-submit]');
    await expect
      .poll(
        async () =>
          (
            await q<{ status: string; reason: string | null; day: string }>(
              `SELECT o.status, h.reason_code AS reason, to_char(o.appointment_date, 'YYYY-MM-DD') AS day
                 FROM orders o JOIN order_status_history h ON h.order_id = o.id AND h.new_status = o.status
                WHERE o.id = $1 ORDER BY h.changed_at DESC LIMIT 1`,
              [target.id],
            )
          )[0],
        { timeout: 30_000 },
      )
      .toEqual({ status: '연기', reason: 'P01', day: addDays(DAY, 1) });
    await page.waitForSelector('[data-testid=status-history] >> text=P01');
    await shot(page, '07-order-detail');
    await page.click('[data-testid=order-detail] button[aria-label="닫기"]');
  });

  it("prints an installer's sheet: the PDF lists exactly that installer's orders", async () => {
    const rows = await q<{ installer: string; id: string; order_no: string }>(
      `SELECT i.name AS installer, i.id, o.order_no FROM orders o JOIN installers i ON i.id = o.installer_id
        WHERE o.appointment_date = $1 AND o.branch_id = $2 AND o.deleted_at IS NULL ORDER BY i.name`,
      [DAY, branchId],
    );
    const installer = rows[0]!;
    const mine = rows.filter((r) => r.id === installer.id).map((r) => r.order_no);
    const others = rows.filter((r) => r.id !== installer.id).map((r) => r.order_no);
    await page.click('[data-testid=board-print]');
    await page.waitForSelector('[data-testid=print-preview]');
    await page.selectOption('[data-testid=print-installer]', installer.id);
    await page.waitForSelector(`[data-testid=sheet-${installer.installer}]`);
    await expect.poll(() => page.locator('.sheet').count()).toBe(1);
    await shot(page, '08-print-preview');
    const download = page.waitForEvent('download');
    await page.click('[data-testid=print-pdf]');
    const file = join(w.downloads, 'sheet.pdf');
    await (await download).saveAs(file);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('배정표');
    expect(text).toContain(installer.installer);
    for (const no of mine) expect(text).toContain(no);
    for (const no of others) expect(text).not.toContain(no);
    // what the print button prints (the shell's print of the preview, A4 print styles)
    await page.emulateMedia({ media: 'print' });
    const printed = join(w.downloads, 'printed.pdf');
    writeFileSync(printed, await page.pdf({ format: 'A4', printBackground: true }));
    await page.emulateMedia({ media: 'screen' });
    const printedText = execFileSync('pdftotext', [printed, '-'], { encoding: 'utf8' });
    for (const no of mine) expect(printedText).toContain(no);
    expect(printedText).toContain('고객 서명');
    await page.click('[data-testid=print-preview] button:has-text("닫기")');
  });

  it('exports the grid view to xlsx and the file holds the grid rows in grid order', async () => {
    await page.click('[data-testid=nav-orders]');
    await page.click('[data-testid=quick-unassigned]');
    const expected = await q<{ order_no: string }>(
      "SELECT order_no FROM orders WHERE branch_id = $1 AND deleted_at IS NULL AND status = '미배정' AND installer_id IS NULL",
      [branchId],
    );
    const total = await windowedOrderCount(w, branchId);
    await waitForCount(expected.length, total);
    const visible = await page.locator('.rdg-row:not(.rdg-summary-row) [aria-colindex="3"]').allTextContents();
    const download = page.waitForEvent('download');
    await page.click('[data-testid=export]');
    const file = join(w.downloads, 'grid.xlsx');
    await (await download).saveAs(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('주문');
    expect(ws.getRow(1).getCell(1).value).toBe('수주번호');
    const sheetNos: string[] = [];
    ws.eachRow((r, n) => {
      if (n > 1) sheetNos.push(String(r.getCell(1).value));
    });
    expect(sheetNos.length).toBe(expected.length);
    expect(new Set(sheetNos)).toEqual(new Set(expected.map((e) => e.order_no)));
    expect(sheetNos.slice(0, visible.length)).toEqual(visible);
    await page.click('[data-testid=quick-all]');
  });

  it('re-imports the edited export without asking for a vendor, and the edit reaches the head office', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(join(w.downloads, 'grid.xlsx')) as never);
    const ws = wb.worksheets[0]!;
    const headers = (ws.getRow(1).values as unknown[]).map(String);
    const remarksCol = headers.indexOf('비고');
    expect(remarksCol).toBeGreaterThan(0);
    const orderNo = String(ws.getRow(2).getCell(1).value);
    ws.getRow(2).getCell(remarksCol).value = '엑셀에서 고친 비고';
    const file = join(w.downloads, 'grid-edited.xlsx');
    await wb.xlsx.writeFile(file);
    await page.click('[data-testid=import-open]');
    await page.setInputFiles('[data-testid=import-file]', file);
    await page.click('[data-testid=import-check]');
    await page.waitForFunction(
      () => !document.querySelector<HTMLButtonElement>('[data-testid=import-commit]')?.disabled,
    );
    expect(await page.inputValue('[data-testid=import-vendor]')).toBe('');
    await page.click('[data-testid=import-commit]');
    await expect
      .poll(async () => (await q<{ remarks: string }>('SELECT remarks FROM orders WHERE order_no = $1', [orderNo]))[0])
      .toEqual({ remarks: '엑셀에서 고친 비고' });
    await page.waitForSelector('[data-testid=sync-pending]', { state: 'detached', timeout: 30_000 });
  });

  it('refuses a bad vendor sheet with row-level errors and creates nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM orders');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('주문서');
    ws.addRow(['주문번호', '성명', '전화번호', '주소', '시군구', '배송일', '모델', '제품명', '수량']);
    ws.addRow(['V-OK-1', '정상고객', '010-1234-5678', '중앙로 1', '서울 강남구', DAY, 'AC-1', '에어컨', 1]);
    ws.addRow(['V-BAD-2', '', '010-1234-5678', '중앙로 2', '서울 강남구', DAY, 'AC-1', '에어컨', 1]);
    ws.addRow(['V-BAD-3', '고객', '010-1234-5678', '중앙로 3', '서울 강남구', '내일', 'AC-1', '에어컨', '두 대']);
    const file = join(w.downloads, 'vendor.xlsx');
    await wb.xlsx.writeFile(file);
    await page.click('[data-testid=import-open]');
    await page.setInputFiles('[data-testid=import-file]', file);
    await page.fill('[data-testid=import-vendor]', '동부대우전자');
    await page.click('[data-testid=import-check]');
    await page.waitForSelector('[data-testid=import-errors]');
    const errorRows = await page
      .locator('[data-testid=import-errors] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(errorRows).toEqual([
      ['3', '성명', '값이 없습니다'],
      ['4', '배송일', '날짜가 아닙니다 (예: 2026-11-26)'],
      ['4', '수량', '숫자가 아닙니다'],
    ]);
    expect(await page.isDisabled('[data-testid=import-commit]')).toBe(true);
    await shot(page, '09-import-errors');
    await page.click('[data-testid=import-dialog] button:has-text("취소")');
    expect(await count('SELECT count(*) AS n FROM orders')).toBe(before);
    expect(await count("SELECT count(*) AS n FROM orders WHERE order_no LIKE 'V-%'")).toBe(0);
  });

  it('reads a vendor sheet as people make it: the table under a title, phones mended with a warning; another file starts over', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('표지').addRow(['12월 의뢰서']);
    const ws = wb.addWorksheet('주문');
    ws.addRow(['동부대우전자 12월 배송 의뢰서']);
    ws.mergeCells('A1:I1');
    ws.addRow([]);
    ws.addRow(['주문번호', '성명', '전화번호', '주소', '시군구', '배송일', '모델', '제품명', '수량']);
    ws.addRow(['V-E2E-1', '시트고객', 1055556666, '중앙로 7', '서울 강남구', DAY, 'AC-1', '에어컨', 1]);
    const titled = join(w.downloads, 'vendor-titled.xlsx');
    await wb.xlsx.writeFile(titled);
    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('Sheet1').addRows([
      ['번호', '이름'],
      ['1', 'a'],
    ]);
    const other = join(w.downloads, 'other.xlsx');
    await plain.xlsx.writeFile(other);

    await page.click('[data-testid=import-open]');
    await page.setInputFiles('[data-testid=import-file]', titled);
    await page.waitForSelector('[data-testid=import-header-row] >> text=머리글 3행');
    expect(await page.inputValue('[data-testid=import-sheet]')).toBe('주문');
    // the merged title fills none of the drop-downs
    expect(await page.inputValue('[data-testid=import-map-orderNo]')).toBe('주문번호');
    expect(await page.inputValue('[data-testid=import-map-customerName]')).toBe('성명');
    expect(await page.textContent('[data-testid=import-warnings]')).toContain('010-5555-6666');
    await shot(page, '09b-import-titled-sheet');
    // another file: nothing of the first stays
    await page.setInputFiles('[data-testid=import-file]', other);
    await page.waitForSelector('[data-testid=import-header-row] >> text=머리글 1행');
    expect(await page.inputValue('[data-testid=import-map-orderNo]')).toBe('');
    expect(await page.locator('[data-testid=import-warnings]').count()).toBe(0);
    // back to the vendor's sheet, imported
    await page.setInputFiles('[data-testid=import-file]', titled);
    await page.waitForSelector('[data-testid=import-header-row] >> text=머리글 3행');
    await page.fill('[data-testid=import-vendor]', '동부대우전자');
    await page.click('[data-testid=import-check]');
    await page.waitForSelector('[data-testid=import-warnings]');
    await page.click('[data-testid=import-commit]');
    await page.waitForSelector('[data-testid=import-dialog]', { state: 'detached' });
    await expect
      .poll(
        async () => (await q<{ p: string }>("SELECT customer_phone AS p FROM orders WHERE order_no = 'V-E2E-1'"))[0]?.p,
        {
          timeout: 20_000,
        },
      )
      .toBe('010-5555-6666');
  });

  async function editPhone(orderNo: string, phone: string) {
    await page.fill('[data-testid=filter-orderNo]', orderNo);
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count()).toBe(1);
    await page.dblclick('.rdg-row:not(.rdg-summary-row) [aria-colindex="6"]');
    await page.fill('[data-testid=cell-editor]', phone);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=cell-editor]', { state: 'detached' });
  }

  it('keeps working while the head office is down and syncs when it is back', async () => {
    const target = created[3]!;
    // the earlier tests' imports have reached the head office: the one edit below is then the only op waiting
    await page.waitForSelector('[data-testid=sync-pending]', { state: 'detached', timeout: 30_000 });
    await w.stopServer();
    await page.waitForSelector('[data-testid=sync-indicator][data-status=offline]', { timeout: 30_000 });
    await editPhone(target.orderNo, '010-7777-0003');
    await page.waitForSelector('.rdg-row [data-testid=pending-badge]');
    expect(await page.textContent('[data-testid=sync-pending]')).toBe('대기 1건');
    expect(await page.textContent('.rdg-row:not(.rdg-summary-row) [aria-colindex="6"]')).toBe('010-7777-0003');
    await shot(page, '10-offline-pending');
    expect((await q<{ p: string }>('SELECT customer_phone AS p FROM orders WHERE id = $1', [target.id]))[0]!.p).toBe(
      '010-5000-0003',
    );
    await w.restartServer();
    await page.waitForSelector('[data-testid=sync-indicator][data-status=online]', { timeout: 30_000 });
    await page.waitForSelector('.rdg-row [data-testid=pending-badge]', { state: 'detached', timeout: 30_000 });
    await expect
      .poll(
        async () => (await q<{ p: string }>('SELECT customer_phone AS p FROM orders WHERE id = $1', [target.id]))[0]!.p,
        {
          timeout: 30_000,
        },
      )
      .toBe('010-7777-0003');
    await shot(page, '11-synced');
  });

  it('shows a conflicting edit from another session side by side and applies the choice', async () => {
    const target = created[4]!;
    w.proxy.setDown(true);
    await page.waitForSelector('[data-testid=sync-indicator][data-status=offline]', { timeout: 30_000 });
    await editPhone(target.orderNo, '010-1111-0004');
    // meanwhile the head office changes the same field (another clerk's session)
    const current = await w.server.request('GET', `/api/orders/${target.id}`, { token });
    const theirs = await w.server.request('PATCH', `/api/orders/${target.id}`, {
      token,
      body: { version: current.body.version, customerPhone: '010-2222-0004' },
    });
    expect(theirs.status).toBe(200);
    w.proxy.setDown(false);
    await page.waitForSelector('[data-testid=conflict-dialog]', { timeout: 30_000 });
    const dialog = await page.textContent('[data-testid=conflict-dialog]');
    expect(dialog).toContain('010-1111-0004');
    expect(dialog).toContain('010-2222-0004');
    await shot(page, '12-conflict-dialog');
    await page.click('[data-testid=conflict-dialog] button:has-text("모두 내 변경")');
    await page.click('[data-testid=conflict-resolve]');
    await page.waitForSelector('[data-testid=conflict-dialog]', { state: 'detached' });
    await expect
      .poll(
        async () => (await q<{ p: string }>('SELECT customer_phone AS p FROM orders WHERE id = $1', [target.id]))[0]!.p,
        {
          timeout: 30_000,
        },
      )
      .toBe('010-1111-0004');
    await page.waitForSelector('[data-testid=sync-conflicts]', { state: 'detached' });
    await page.fill('[data-testid=filter-orderNo]', '');
  });

  it('copies selected rows as TSV for Excel', async () => {
    const [a, b] = [created[0]!, created[1]!];
    await page.fill('[data-testid=filter-orderNo]', 'E2E-');
    await page.fill('[data-testid=filter-customerName]', '테스트고객');
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count()).toBe(6);
    // select two rows with their checkboxes, then copy (what Ctrl+C raises)
    for (const o of [a, b]) {
      const row = page.locator('.rdg-row:not(.rdg-summary-row)', { hasText: o.orderNo });
      await row.locator('input[type=checkbox]').check();
    }
    const tsv = await page.evaluate(() => {
      const dt = new DataTransfer();
      document
        .querySelector('.grid-wrap .rdg-row:not(.rdg-summary-row) .rdg-cell')!
        .dispatchEvent(new ClipboardEvent('copy', { clipboardData: dt, bubbles: true, cancelable: true }));
      return dt.getData('text/plain');
    });
    const lines = tsv.split('\r\n').map((l) => l.split('\t'));
    expect(lines[0]!.slice(0, 3)).toEqual(['수주번호', '상태', '고객명']);
    expect(
      lines
        .slice(1)
        .map((l) => l[0])
        .sort(),
    ).toEqual([a.orderNo, b.orderNo].sort());
    // pasting blocks from Excel: test/e2e/grid-excel.test.ts
    for (const o of [a, b]) {
      const row = page.locator('.rdg-row:not(.rdg-summary-row)', { hasText: o.orderNo });
      await row.locator('input[type=checkbox]').uncheck();
    }
    await page.fill('[data-testid=filter-orderNo]', '');
    await page.fill('[data-testid=filter-customerName]', '');
  });

  it('records serials, a waste pick-up and a split, and uses the head office exports, ECOAS and notifications', async () => {
    // serials and waste pick-up on an assigned order, from its detail
    const target = created[5]!;
    await page.fill('[data-testid=filter-orderNo]', target.orderNo);
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count()).toBe(1);
    await page.dblclick('.rdg-row:not(.rdg-summary-row) [aria-colindex="3"]');
    await page.waitForSelector('[data-testid=order-detail]');
    await page.click('[data-testid=order-detail] button:has-text("시리얼 입력")');
    await page.fill('[data-testid=order-detail] textarea', 'SN-E2E-0001');
    await page.click('[data-testid=order-detail] form button[type=submit]');
    await page.waitForSelector('[data-testid=order-detail] .chip >> text=SN-E2E-0001', { timeout: 30_000 });
    // shown from the local copy at once; the outbox takes it to the head office
    await expect
      .poll(
        () =>
          count("SELECT count(*) AS n FROM serial_numbers WHERE serial = 'SN-E2E-0001' AND order_id = $1", [target.id]),
        { timeout: 30_000 },
      )
      .toBe(1);
    await page.click('[data-testid=order-detail] button:has-text("폐가전 입력")');
    await page.click('[data-testid=order-detail] form button[type=submit]');
    await expect
      .poll(() => count('SELECT count(*) AS n FROM waste_pickups WHERE order_id = $1', [target.id]), {
        timeout: 30_000,
      })
      .toBe(1);
    // attach a photo from the detail: listed at once, previewed, kept at the head office
    await page.setInputFiles('[data-testid=attachment-input]', {
      name: '설치 사진.png',
      mimeType: 'image/png',
      buffer: makePng(320, 200),
    });
    await page.waitForSelector('[data-testid=attachment-list] >> text=설치 사진.png', { timeout: 30_000 });
    expect(await count('SELECT count(*) AS n FROM attachments WHERE order_id = $1', [target.id])).toBe(1);
    await page.click('[data-testid=attachment-list] button:has-text("설치 사진.png")');
    await page.waitForSelector('[data-testid=attachment-preview] img');
    await page.locator('[data-testid=attachments]').scrollIntoViewIfNeeded();
    await shot(page, '12a-detail-attachment');
    await page.click('[data-testid=order-detail] button[aria-label="닫기"]');
    // split one of two units off into a child order
    await page.fill('[data-testid=filter-orderNo]', splitOrder.orderNo);
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count()).toBe(1);
    await page.dblclick('.rdg-row:not(.rdg-summary-row) [aria-colindex="3"]');
    await page.click('[data-testid=order-detail] button:has-text("주문 분할")');
    await page.fill('[data-testid=order-detail] form input[type=number]', '1');
    await page.click('[data-testid=order-detail] form button[type=submit]');
    await expect
      .poll(() => count('SELECT count(*) AS n FROM split_orders WHERE parent_order_id = $1', [splitOrder.id]), {
        timeout: 30_000,
      })
      .toBe(1);
    await page.waitForSelector('[data-testid=order-detail] form', { state: 'detached', timeout: 30_000 });
    await page.waitForSelector('[data-testid=order-detail] li >> text=분할 주문', { timeout: 30_000 });
    await shot(page, '12b-detail-split');
    await page.click('[data-testid=order-detail] button[aria-label="닫기"]');
    await page.fill('[data-testid=filter-orderNo]', '');
    // ECOAS report of this month, from the waste screen
    await page.click('[data-testid=nav-waste]');
    const ecoas = page.waitForEvent('download');
    await page.click('button:has-text("xlsx")');
    const ecoasFile = join(w.downloads, 'ecoas.xlsx');
    await (await ecoas).saveAs(ecoasFile);
    const ewb = new ExcelJS.Workbook();
    await ewb.xlsx.load(readFileSync(ecoasFile) as never);
    expect(ewb.worksheets[0]!.rowCount).toBeGreaterThan(1);
    // a head-office export of the orders, built in the background, then downloaded
    await page.click('[data-testid=nav-exports]');
    await page.click('[data-testid=export-create]');
    await expect
      .poll(
        async () => {
          await page.click('button:has-text("새로고침")');
          return page.locator('button:has-text("내려받기")').count();
        },
        { timeout: 60_000 },
      )
      .toBeGreaterThan(0);
    const exported = page.waitForEvent('download');
    await page.locator('button:has-text("내려받기")').first().click();
    const exportFile = join(w.downloads, 'hq-export.xlsx');
    await (await exported).saveAs(exportFile);
    const xwb = new ExcelJS.Workbook();
    await xwb.xlsx.load(readFileSync(exportFile) as never);
    expect(xwb.worksheets[0]!.rowCount).toBeGreaterThan(1);
    await shot(page, '18b-exports-done');
    // notifications: mark one read at the head office
    await page.click('[data-testid=nav-notifications]');
    const unread = page.locator('.notifications li.unread').first();
    await unread.waitFor();
    const before = await count(
      "SELECT count(*) AS n FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'mgr.seoul' AND n.status = 'UNREAD'",
    );
    await unread.locator('button:has-text("읽음")').click();
    await expect
      .poll(
        () =>
          count(
            "SELECT count(*) AS n FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'mgr.seoul' AND n.status = 'UNREAD'",
          ),
        {
          timeout: 30_000,
        },
      )
      .toBe(before - 1);
  });

  it('locks a settlement week at the head office', async () => {
    await page.click('[data-testid=nav-settlements]');
    const lockButtons = page.locator('button:has-text("마감")').filter({ hasNotText: '해제' });
    await lockButtons.first().waitFor();
    const week = (await page
      .locator('tbody tr', { has: lockButtons.first() })
      .first()
      .locator('td')
      .first()
      .textContent())!;
    const start = week.split(' ~ ')[0]!;
    page.once('dialog', (d) => void d.accept());
    await lockButtons.first().click();
    await expect
      .poll(
        async () =>
          (
            await q<{ status: string }>(
              'SELECT status FROM settlement_periods WHERE branch_id = $1 AND period_start = $2',
              [branchId, start],
            )
          )[0]?.status,
        { timeout: 30_000 },
      )
      .toBe('LOCKED');
  });

  it('shows the other screens (screenshots) in Korean and in English', async () => {
    for (const [i, screen] of [
      'dashboard',
      'customers',
      'waste',
      'notifications',
      'settlements',
      'exports',
      'sync',
      'settings',
    ].entries()) {
      await page.click(`[data-testid=nav-${screen}]`);
      await page.waitForTimeout(600);
      await shot(page, `${String(13 + i).padStart(2, '0')}-${screen}`);
    }
    await page.click('[data-testid=nav-dashboard]');
    await page.waitForSelector('[data-testid=progress-chart] .recharts-bar-rectangle');
    await page.selectOption('select[aria-label="언어"]', 'en');
    await page.click('[data-testid=nav-orders]');
    await page.waitForSelector('.rdg-header-row >> text=Order no.');
    await shot(page, '21-orders-english');
    await page.selectOption('select[aria-label="Language"]', 'ko');
    await page.waitForSelector('.rdg-header-row >> text=수주번호');
  });
});
