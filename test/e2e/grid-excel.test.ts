// The orders grid as Excel to a clerk (issue 12): real Chromium, real key presses and mouse drags, the real
// clipboard (filled and read through navigator.clipboard, permissions granted), the real client services and head
// office behind them. Paste of an Excel block (time windows into 시간대 too), cell ranges, copy, Delete, Ctrl+Z, the
// message of a refused edit, the phone filter, an empty filter result, 초기화 and saved views. Screenshots go to
// test-results/screens/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLayout, visibleColumns } from '../../renderer/grid/layout.js';
import { addDays, seoulToday } from '../support/fixtures.js';
import { DEMO_PASSWORD, shot, startWorld, type World, windowedOrderCount } from './support.js';

let w: World;
let page: Page;
let total = 0;
const DAY = addDays(seoulToday(), 41);
const NAME = '엑셀고객';
const created: string[] = [];
const PREFIX = `XL${Date.now().toString(36).toUpperCase()}-`;

const COLS = visibleColumns(defaultLayout());
type Key = (typeof COLS)[number];
/** aria-colindex of a column in the default layout: tick box and sync status come first */
const colIdx = (key: Key) => 3 + COLS.indexOf(key);

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await w.db.owner.query(sql, params)).rows as T[];
const dataRows = () => page.locator('.rdg-row:not(.rdg-summary-row)');
const cell = (r: number, key: Key) =>
  dataRows()
    .nth(r)
    .locator(`[aria-colindex="${colIdx(key)}"]`);
const cellText = async (r: number, key: Key) => (await cell(r, key).textContent()) ?? '';
const gridCount = () => page.locator('[data-testid=grid-count]');
const shownCount = async () => (await gridCount().textContent())?.split('·')[0]?.trim();

async function setClipboard(text: string) {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
}
async function readClipboard(): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}
async function headOffice(orderNo: string) {
  return (
    await q<{ name: string; phone: string | null; city: string; remarks: string | null }>(
      `SELECT customer_name AS name, customer_phone AS phone, address->>'city' AS city, remarks
         FROM orders WHERE order_no = $1`,
      [orderNo],
    )
  )[0]!;
}
async function headOfficeVersioned(orderNo: string) {
  return (await q('SELECT customer_name, vendor, remarks, version FROM orders WHERE order_no = $1', [orderNo]))[0]!;
}
async function auditedUpdates(orderNos: string[]): Promise<number> {
  const [r] = await q<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_logs a JOIN orders o ON o.id = a.record_id
      WHERE o.order_no = ANY($1::text[]) AND a.action = 'UPDATE'`,
    [orderNos],
  );
  return r!.n;
}
/** an order's vendor and appointment as the head office has them, hours in Korean time */
async function appointment(orderNo: string) {
  return (
    await q<{ vendor: string; day: string; hours: string | null }>(
      `SELECT vendor, to_char(appointment_date, 'YYYY-MM-DD') AS day,
              to_char(lower(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') || '–' ||
              to_char(upper(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') AS hours
         FROM orders WHERE order_no = $1`,
      [orderNo],
    )
  )[0]!;
}
/** the order numbers of the first n rows as the grid shows them */
async function orderNos(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await cellText(i, 'orderNo'));
  return out;
}
async function showOurOrders() {
  await page.fill('[data-testid=filter-orderNo]', PREFIX);
  await expect.poll(() => dataRows().count()).toBe(6);
  // back to the left edge: a step that ended on 비고 leaves the grid scrolled right, its first columns not drawn
  await page.locator('.orders-grid').evaluate((g) => g.scrollTo(0, 0));
  await expect.poll(() => cell(0, 'status').count()).toBe(1);
}
async function toast(text: string) {
  await page.locator('.toast', { hasText: text }).first().waitFor({ timeout: 30_000 });
  // out of the way for the next step
  for (const el of await page.locator('.toast').all()) await el.click({ timeout: 500 }).catch(() => undefined);
}
async function waitSent() {
  await page.waitForSelector('.rdg-row [data-testid=pending-badge]', { state: 'detached', timeout: 30_000 });
}

beforeAll(async () => {
  w = await startWorld();
  page = w.page;
  await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(w.shell.url).origin });
  const branchId = (await q<{ id: string }>("SELECT branch_id AS id FROM users WHERE username = 'mgr.seoul'"))[0]!.id;
  const login = await w.server.request('POST', '/api/auth/login', {
    body: { username: 'mgr.seoul', password: DEMO_PASSWORD },
  });
  const token = login.body.accessToken;
  for (let i = 0; i < 6; i++) {
    const res = await w.server.request('POST', '/api/orders', {
      token,
      body: {
        orderNo: `${PREFIX}${i}`,
        customerName: `${NAME}${i}`,
        customerPhone: `010-61${i}5-73${i}8`,
        ...(i === 5 ? { customerPhone2: '010-6299-4321' } : {}),
        address: { line1: `세종대로 ${10 + i}`, city: '서울 중구' },
        vendor: '동부대우전자',
        branchId,
        appointmentDate: DAY,
        lines: [{ itemCode: 'AC-2000', itemName: '벽걸이 에어컨', quantity: 1 }],
      },
    });
    expect(res.status).toBe(201);
    created.push(res.body.orderNo);
  }
  total = await windowedOrderCount(w, branchId);
  await page.goto(w.shell.url);
  await page.fill('input[name=username]', 'mgr.seoul');
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('.orders-grid');
  // the branch's window mirrored (expect.poll only runs inside a test)
  const all = `${total.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}건`;
  await page.waitForFunction(
    (text) => document.querySelector('[data-testid=grid-count]')?.textContent?.startsWith(text),
    all,
    { timeout: 60_000 },
  );
}, 300_000);

afterAll(async () => {
  await w?.close();
});

describe('the orders grid is Excel to a clerk', { timeout: 120_000 }, () => {
  it('Ctrl+V of a block from Excel fills the rectangle from the selected cell, each cell checked, all sent', async () => {
    await showOurOrders();
    const nos = await orderNos(2);
    await cell(0, 'customerName').click();
    // as Excel writes it: a quoted cell with doubled quotes, CRLF rows, a final newline
    await setClipboard('김엑셀\t010-7100-0001\t서울 종로구\r\n"박""따옴""표"\t01071000002\t서울 용산구\r\n');
    await page.keyboard.press('Control+V');
    await toast('6개 셀을 붙여넣었습니다');
    // the block went into the cells, not into one cell's editor
    expect(await page.locator('[data-testid=cell-editor]').count()).toBe(0);
    const row0 = dataRows().filter({ hasText: nos[0]! });
    const row1 = dataRows().filter({ hasText: nos[1]! });
    expect(await row0.locator(`[aria-colindex="${colIdx('customerName')}"]`).textContent()).toBe('김엑셀');
    expect(await row1.locator(`[aria-colindex="${colIdx('customerName')}"]`).textContent()).toBe('박"따옴"표');
    expect(await row1.locator(`[aria-colindex="${colIdx('customerPhone')}"]`).textContent()).toBe('010-7100-0002');
    await expect
      .poll(async () => [await headOffice(nos[0]!), await headOffice(nos[1]!)], { timeout: 30_000 })
      .toMatchObject([
        { name: '김엑셀', phone: '010-7100-0001', city: '서울 종로구' },
        { name: '박"따옴"표', phone: '010-7100-0002', city: '서울 용산구' },
      ]);
    // a cell with a line break, quoted by Excel, lands whole in one cell
    await row0.locator(`[aria-colindex="${colIdx('remarks')}"]`).click();
    await setClipboard('"1층 현관\n경비실 호출"\r\n');
    await page.keyboard.press('Control+V');
    await toast('1개 셀을 붙여넣었습니다');
    await expect
      .poll(async () => (await headOffice(nos[0]!)).remarks, { timeout: 30_000 })
      .toBe('1층 현관\n경비실 호출');
    await waitSent();
  });

  it('refuses the whole paste when a cell is bad, listing order number, column and reason', async () => {
    await showOurOrders();
    const nos = await orderNos(3);
    const before = await Promise.all(nos.map(headOffice));
    await cell(0, 'status').click();
    await setClipboard('미배정\t새이름\t010-1\r\n배정\t\t010-7200-0002\r\n미배정\t좋은이름\t010-7200-0003\r\n');
    await page.keyboard.press('Control+V');
    const list = page.locator('[data-testid=grid-problems]');
    await list.waitFor();
    const text = (await list.textContent()) ?? '';
    expect(text).toContain('붙여넣지 않았습니다. 아래 3개 셀을 고친 뒤 다시 붙여넣으세요.');
    expect(text).toContain(`${nos[0]} · 연락처: 전화번호 형식이 아닙니다`);
    expect(text).toContain(`${nos[1]} · 상태: 이 열은 여기서 편집할 수 없습니다.`);
    expect(text).toContain(`${nos[1]} · 고객명: 값이 없습니다`);
    await shot(page, 'grid-excel-paste-refused');
    // nothing changed, here or at the head office
    expect(await cellText(2, 'customerName')).not.toBe('좋은이름');
    expect(await page.locator('.rdg-row [data-testid=pending-badge]').count()).toBe(0);
    expect(await Promise.all(nos.map(headOffice))).toEqual(before);
    await page.click('[data-testid=grid-problems] button');
    await list.waitFor({ state: 'detached' });
    // a block that reaches past the last row is refused too
    await cell(5, 'customerName').click();
    await setClipboard('가\r\n나\r\n');
    await page.keyboard.press('Control+V');
    expect(await list.textContent()).toContain('표 밖으로 나갑니다');
    await page.click('[data-testid=grid-problems] button');
  });

  it('selects a range by mouse drag and by Shift+arrows, highlighted, and Ctrl+C copies it as TSV', async () => {
    await showOurOrders();
    const from = await cell(1, 'customerName').boundingBox();
    const to = await cell(3, 'city').boundingBox();
    await page.mouse.move(from!.x + 10, from!.y + 10);
    await page.mouse.down();
    await page.mouse.move(to!.x + 10, to!.y + 10, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.rdg-cell.in-range').count()).toBe(9);
    await shot(page, 'grid-excel-range');
    await page.keyboard.press('Control+C');
    // Excel's quoting: a cell with a quote (박"따옴"표 from the first step) goes in quotes, its quotes doubled
    const excelCell = (v: string) => (/[\t\r\n"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const expected: string[] = [];
    for (let r = 1; r <= 3; r++)
      expected.push(
        [await cellText(r, 'customerName'), await cellText(r, 'customerPhone'), await cellText(r, 'city')]
          .map(excelCell)
          .join('\t'),
      );
    await expect.poll(readClipboard).toBe(expected.join('\r\n'));

    await cell(0, 'customerPhone').click();
    expect(await page.locator('.rdg-cell.in-range').count()).toBe(0);
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(() => page.locator('.rdg-cell.in-range').count()).toBe(6);
    await page.keyboard.press('Control+C');
    const rows: string[] = [];
    for (let r = 0; r <= 2; r++) rows.push(`${await cellText(r, 'customerPhone')}\t${await cellText(r, 'city')}`);
    await expect.poll(readClipboard).toBe(rows.join('\r\n'));
    // an arrow without Shift starts over from one cell
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('.rdg-cell.in-range').count()).toBe(0);
  });

  it('Ctrl+C copies the ticked rows without a cell clicked first', async () => {
    await showOurOrders();
    const nos = await orderNos(2);
    await page.reload();
    await page.waitForSelector('.orders-grid');
    await showOurOrders();
    for (let r = 0; r < 2; r++) await dataRows().nth(r).locator('input[type=checkbox]').check();
    await setClipboard('');
    await page.keyboard.press('Control+C');
    await expect.poll(readClipboard).toContain(nos[0]!);
    const lines = (await readClipboard()).split('\r\n').map((l) => l.split('\t'));
    expect(lines[0]!.slice(0, 3)).toEqual(['수주번호', '상태', '고객명']);
    expect(lines.slice(1).map((l) => l[0])).toEqual(nos);
    // nothing focused at all (the page itself): still the ticked rows
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await setClipboard('');
    await page.keyboard.press('Control+C');
    await expect.poll(readClipboard).toContain(nos[1]!);
    for (let r = 0; r < 2; r++) await dataRows().nth(r).locator('input[type=checkbox]').uncheck();
  });

  it('Delete clears the editable cells of a range and refuses required ones with a message', async () => {
    await showOurOrders();
    const nos = await orderNos(2);
    await cell(0, 'customerPhone').click();
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Delete');
    await toast('2개 셀을 지웠습니다');
    expect(await cellText(0, 'customerPhone')).toBe('');
    expect(await cellText(1, 'customerPhone')).toBe('');
    await expect
      .poll(async () => [(await headOffice(nos[0]!)).phone, (await headOffice(nos[1]!)).phone], { timeout: 30_000 })
      .toEqual([null, null]);
    // the name is required: nothing of the range is cleared
    const name = await cellText(0, 'customerName');
    await cell(0, 'status').click();
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Delete');
    const list = page.locator('[data-testid=grid-problems]');
    expect(await list.textContent()).toContain(`${nos[0]} · 고객명: 값이 없습니다`);
    expect(await list.textContent()).toContain('지우지 않았습니다');
    expect(await cellText(0, 'customerName')).toBe(name);
    await page.click('[data-testid=grid-problems] button');
    await waitSent();
  });

  it('Ctrl+Z takes the last edit not yet sent (a whole paste) back out of the outbox; once sent, it says so', async () => {
    await showOurOrders();
    const nos = await orderNos(2);
    const before = [await cellText(0, 'customerName'), await cellText(1, 'customerName')];
    const headBefore = await Promise.all(nos.map(headOfficeVersioned));
    const audited = await auditedUpdates(nos);
    w.proxy.setDown(true);
    await page.waitForSelector('[data-testid=sync-indicator][data-status=offline]', { timeout: 30_000 });
    await cell(0, 'customerName').click();
    await setClipboard('되돌릴이름1\r\n되돌릴이름2\r\n');
    await page.keyboard.press('Control+V');
    await toast('2개 셀을 붙여넣었습니다');
    expect(await cellText(1, 'customerName')).toBe('되돌릴이름2');
    const pending = page.locator('[data-testid=sync-pending]');
    await expect.poll(() => pending.textContent(), { timeout: 15_000 }).toBe('대기 2건');
    await page.keyboard.press('Control+Z');
    await toast('되돌렸습니다 (주문 2건). 아직 보내지 않은 변경이라 본사에는 보내지 않습니다.');
    expect([await cellText(0, 'customerName'), await cellText(1, 'customerName')]).toEqual(before);
    // the outbox the clerk sees is empty again: nothing waits, the rows carry no pending mark
    await pending.waitFor({ state: 'detached', timeout: 15_000 });
    expect(await page.locator('[data-testid=offline-banner]').textContent()).toContain(
      '변경하면 이 PC에 저장되고 연결되면 자동으로 보내집니다.',
    );
    expect(await page.locator('.rdg-row [data-testid=pending-badge]').count()).toBe(0);
    await shot(page, 'grid-excel-undo-withdrawn');
    w.proxy.setDown(false);
    await page.waitForSelector('[data-testid=sync-indicator][data-status=online]', { timeout: 30_000 });
    // the head office never heard of it: same values, same version, no audit row
    expect(await Promise.all(nos.map(headOfficeVersioned))).toEqual(headBefore);
    expect(await auditedUpdates(nos)).toBe(audited);

    // an edit the head office already has is not undone behind the clerk's back
    await cell(0, 'vendor').click();
    await setClipboard('보낸업체');
    await page.keyboard.press('Control+V');
    await toast('1개 셀을 붙여넣었습니다');
    await waitSent();
    await page.keyboard.press('Control+Z');
    await toast('이미 본사로 보냈기 때문에 되돌리지 않았습니다');
    expect(await cellText(0, 'vendor')).toBe('보낸업체');
  });

  it('an invalid inline edit shows its message next to the cell', async () => {
    await showOurOrders();
    await cell(0, 'customerPhone').click();
    await page.keyboard.press('Enter');
    await page.keyboard.type('12-34');
    await page.keyboard.press('Enter');
    const msg = page.locator('[data-testid=cell-message]');
    await msg.waitFor();
    expect(await msg.textContent()).toBe('전화번호 형식이 아닙니다');
    expect(await msg.isVisible()).toBe(true);
    const c = (await cell(0, 'customerPhone').boundingBox())!;
    const m = (await msg.boundingBox())!;
    // right under the cell, not somewhere else on the screen
    expect(Math.abs(m.x - c.x)).toBeLessThan(12);
    expect(m.y).toBeGreaterThanOrEqual(c.y + c.height - 2);
    expect(m.y).toBeLessThan(c.y + c.height + 12);
    await shot(page, 'grid-excel-cell-message');
    await page.keyboard.press('Escape');
    await msg.waitFor({ state: 'detached' });
  });

  it('keeps a cell being typed in open while the head office changes the same order (a pull redraws its row)', async () => {
    await showOurOrders();
    const [no] = await orderNos(1);
    await cell(0, 'customerPhone').click();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('010-7');
    // meanwhile the head office renames the customer: the next pull brings a new copy of this row
    const hq = (
      await w.server.request('POST', '/api/auth/login', { body: { username: 'hq', password: DEMO_PASSWORD } })
    ).body.accessToken;
    const current = await w.server.request(
      'GET',
      `/api/orders/${(await q<{ id: string }>('SELECT id FROM orders WHERE order_no = $1', [no]))[0]!.id}`,
      { token: hq },
    );
    const renamed = await w.server.request('PATCH', `/api/orders/${current.body.id}`, {
      token: hq,
      body: { version: current.body.version, customerName: '본사변경고객' },
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    await expect.poll(() => cellText(0, 'customerName'), { timeout: 30_000 }).toBe('본사변경고객');
    // the clerk's typing is still there, and goes on
    expect(await page.locator('[data-testid=cell-editor]').inputValue()).toBe('010-7');
    await page.keyboard.type('123-4567');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await headOffice(no!)).phone, { timeout: 30_000 }).toBe('010-7123-4567');
    expect((await headOffice(no!)).name).toBe('본사변경고객');
  });

  it('pastes time windows from Excel into 시간대 as the branch slots, refuses other hours, and Delete clears one', async () => {
    await showOurOrders();
    const nos = await orderNos(2);
    const row = (i: number) => dataRows().filter({ hasText: nos[i]! });
    const windowCell = (i: number) => row(i).locator(`[aria-colindex="${colIdx('timeWindow')}"]`);
    const before = await Promise.all(nos.map(appointment));
    // 업체 … 시간대 of two rows, as Excel copies them: hours that are no slot and a word that is no window refuse it all
    await cell(0, 'vendor').click();
    await setClipboard(`창호상사\t\t${DAY}\t10-11\r\n대한가구\t\t${DAY}\t아침 일찍\r\n`);
    await page.keyboard.press('Control+V');
    const list = page.locator('[data-testid=grid-problems]');
    await list.waitFor();
    const text = (await list.textContent()) ?? '';
    expect(text).toContain(`${nos[0]} · 시간대: 시간대는 지점의 시간대 중에서 고르세요: 09:00–12:00`);
    expect(text).toContain('오전 09:00–13:00');
    expect(text).toContain(`${nos[1]} · 시간대: 시간대 형식이 아닙니다`);
    await shot(page, 'grid-excel-window-refused');
    expect(await page.locator('.rdg-row [data-testid=pending-badge]').count()).toBe(0);
    expect(await Promise.all(nos.map(appointment))).toEqual(before);
    await page.click('[data-testid=grid-problems] button');
    await list.waitFor({ state: 'detached' });

    // the same block with windows written the ways people do: each becomes one of the branch's slots
    await cell(0, 'vendor').click();
    await setClipboard(`창호상사\t\t${DAY}\t09-12\r\n대한가구\t\t${DAY}\t오후\r\n`);
    await page.keyboard.press('Control+V');
    await toast('4개 셀을 붙여넣었습니다');
    expect(await windowCell(0).textContent()).toBe('09:00–12:00');
    // 오후 is the branch's slot of that name
    expect(await windowCell(1).textContent()).toBe('13:00–18:00');
    await expect
      .poll(async () => Promise.all(nos.map(appointment)), { timeout: 30_000 })
      .toEqual([
        { vendor: '창호상사', day: DAY, hours: '09:00–12:00' },
        { vendor: '대한가구', day: DAY, hours: '13:00–18:00' },
      ]);
    await waitSent();
    await shot(page, 'grid-excel-window-pasted');

    // Delete on a 시간대 cell: the appointment keeps its date and has no window
    await windowCell(0).click();
    await page.keyboard.press('Delete');
    await toast('1개 셀을 지웠습니다');
    expect(await windowCell(0).textContent()).toBe('');
    await expect
      .poll(async () => appointment(nos[0]!), { timeout: 30_000 })
      .toEqual({ vendor: '창호상사', day: DAY, hours: null });
    expect(await appointment(nos[1]!)).toEqual({ vendor: '대한가구', day: DAY, hours: '13:00–18:00' });
    await waitSent();
  });

  it('the phone filter matches the digits whatever the dashes, on both phone columns', async () => {
    await page.fill('[data-testid=filter-orderNo]', '');
    // one of ours whose phone the earlier steps left alone (010-61x5-73x8)
    const [target] = await q<{ no: string; phone: string }>(
      `SELECT order_no AS no, customer_phone AS phone FROM orders
        WHERE order_no LIKE $1 AND customer_phone LIKE '010-61%' ORDER BY order_no LIMIT 1`,
      [`${PREFIX}%`],
    );
    const p = target!.phone;
    for (const typed of [p.replace(/-/g, ''), p, p.slice(4, 11), p.slice(-4)]) {
      await page.fill('[data-testid=filter-customerPhone]', typed);
      await expect.poll(() => dataRows().filter({ hasText: target!.no }).count()).toBe(1);
    }
    await page.fill('[data-testid=filter-customerPhone]', '');
    // the second phone's column, shown from the columns menu
    await page.click('summary:has-text("열")');
    await page.locator('.dropdown-menu label', { hasText: '보조 연락처' }).locator('input').check();
    await page.click('summary:has-text("열")');
    for (const typed of ['01062994321', '010-6299-4321', '4321']) {
      await page.fill('[data-testid=filter-customerPhone2]', typed);
      await expect.poll(() => dataRows().filter({ hasText: created[5]! }).count()).toBe(1);
    }
    await page.fill('[data-testid=filter-customerPhone2]', '');
    await page.click('summary:has-text("열")');
    await page.locator('.dropdown-menu label', { hasText: '보조 연락처' }).locator('input').uncheck();
    await page.click('summary:has-text("열")');
  });

  it('a filter with no match keeps its row to correct it, and 초기화 always brings the rows back', async () => {
    await page.fill('[data-testid=filter-orderNo]', '없는수주번호');
    await page.waitForSelector('[data-testid=grid-empty]');
    expect(await page.textContent('[data-testid=grid-empty]')).toContain('조건에 맞는 주문이 없습니다');
    await shot(page, 'grid-excel-no-match');
    // the filter row is still there: the clerk corrects the filter where it was typed
    await page.click('[data-testid=filter-orderNo]');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(PREFIX);
    await expect.poll(() => dataRows().count()).toBe(6);
    // several filters at once, none matching, then 초기화
    await page.fill('[data-testid=filter-customerPhone]', '999999999');
    await page.click('[data-testid=quick-unassigned]');
    await page.locator('label.check', { hasText: '동기화 대기만' }).locator('input').check();
    await page.waitForSelector('[data-testid=grid-empty]');
    await page.click('.toolbar > button:has-text("초기화")');
    const all = `${total.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}건`;
    await expect.poll(shownCount).toBe(all);
    expect(await page.inputValue('[data-testid=filter-orderNo]')).toBe('');
    expect(await page.locator('[data-testid=grid-empty]').count()).toBe(0);
  });

  it('saves named views per user and restores the last one at the next start', async () => {
    // arrange: hide 의뢰처, widen 고객명, filter and sort by 수주번호
    await page.click('summary:has-text("열")');
    await page.locator('.dropdown-menu label', { hasText: '의뢰처' }).locator('input').uncheck();
    await page.click('summary:has-text("열")');
    const head = page.locator('[role=columnheader]', { hasText: '고객명' });
    const box = (await head.boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width + 78, box.y + box.height / 2, { steps: 6 });
    await page.mouse.up();
    const wide = Math.round((await head.boundingBox())!.width);
    expect(wide).toBeGreaterThan(box.width + 40);
    await page.fill('[data-testid=filter-orderNo]', PREFIX);
    // 수주번호 descending (second click on the header)
    await page.locator('[role=columnheader]', { hasText: '수주번호' }).click();
    await page.locator('[role=columnheader]', { hasText: '수주번호' }).click();
    await expect.poll(() => dataRows().count()).toBe(6);
    const sortedFirst = `${PREFIX}5`;
    await expect.poll(() => cellText(0, 'orderNo')).toBe(sortedFirst);
    await page.click('[data-testid=views-menu] summary');
    await page.fill('[data-testid=view-name]', '엑셀 작업');
    await page.click('[data-testid=view-save]');
    await toast('"엑셀 작업" 보기를 저장했습니다');
    await shot(page, 'grid-excel-views');
    await page.click('[data-testid=views-menu] summary');

    // back to the plain arrangement: the view's filter, column and width go
    await page.click('.toolbar > button:has-text("초기화")');
    await page.click('summary:has-text("열")');
    await page.click('button:has-text("열 배치 초기화")');
    await page.click('summary:has-text("열")');
    await expect.poll(() => page.locator('[role=columnheader]', { hasText: '의뢰처' }).count()).toBe(1);
    await page.click('[data-testid=views-menu] summary');
    await page.selectOption('[data-testid=view-select]', '엑셀 작업');
    await page.click('[data-testid=views-menu] summary');
    await expect.poll(() => page.inputValue('[data-testid=filter-orderNo]')).toBe(PREFIX);
    expect(await page.locator('[role=columnheader]', { hasText: '의뢰처' }).count()).toBe(0);
    expect(Math.round((await head.boundingBox())!.width)).toBe(wide);
    expect(await cellText(0, 'orderNo')).toBe(sortedFirst);

    // the next start opens the grid as the clerk left it
    // the last view is written once the clerk pauses
    await expect.poll(() => page.getAttribute('[data-testid=views-menu]', 'data-writing')).toBe('false');
    await page.reload();
    await page.waitForSelector('.orders-grid');
    await expect.poll(() => page.inputValue('[data-testid=filter-orderNo]')).toBe(PREFIX);
    await expect.poll(() => dataRows().count()).toBe(6);
    expect(await page.locator('[role=columnheader]', { hasText: '의뢰처' }).count()).toBe(0);
    expect(Math.round((await head.boundingBox())!.width)).toBe(wide);
    expect(await cellText(0, 'orderNo')).toBe(sortedFirst);
    expect(await page.textContent('[data-testid=views-menu] summary')).toContain('엑셀 작업');

    // delete it
    await page.click('[data-testid=views-menu] summary');
    await page.click('[data-testid=view-delete]');
    await toast('"엑셀 작업" 보기를 지웠습니다');
    expect(await page.locator('[data-testid=view-select] option').allTextContents()).toEqual(['(저장 안 된 배치)']);
  });
});
