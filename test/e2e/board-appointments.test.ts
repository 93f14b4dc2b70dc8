// Issue 12, appointments and the board, as a clerk meets them at 1600×900 in Chromium with real key presses:
// digit keys assign and move on to the next unassigned order, U unassigns, skills read in Korean, 20+ installers
// fit one screen as a compact list, Esc closes the drawer (which leaves the toolbar alone), 연기 keeps or replaces
// the time window, the drawer and the grid pick windows from the branch's slots, and a split child lands on the
// board with its parent's appointment.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, seoulToday } from '../support/fixtures.js';
import { DEMO_PASSWORD, shot, startWorld, type World } from './support.js';

let w: World;
let page: Page;
let branchId: string;
const DAY = addDays(seoulToday(), 21);
const orders: Array<{ id: string; orderNo: string }> = [];

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await w.db.owner.query(sql, params)).rows as T[];

/** An order's appointment as the head office has it, hours in Korean time. */
async function appointment(id: string) {
  const rows = await q<{ day: string; hours: string | null }>(
    `SELECT to_char(appointment_date, 'YYYY-MM-DD') AS day,
            to_char(lower(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') || '–' ||
            to_char(upper(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') AS hours
       FROM orders WHERE id = $1`,
    [id],
  );
  return rows[0];
}

const NAMES = ['강민수', '고은비', '권도윤', '김하준', '남지호', '노서연', '류태오', '문가은', '박시우'];
const MORE = ['배주원', '서예린', '손건우', '신하람', '안도현', '오수아', '윤재민', '장서윤'];

beforeAll(async () => {
  w = await startWorld();
  page = w.page;
  await page.setViewportSize({ width: 1600, height: 900 });
  branchId = (await q<{ id: string }>("SELECT branch_id AS id FROM users WHERE username = 'mgr.seoul'"))[0]!.id;
  const login = await w.server.request('POST', '/api/auth/login', {
    body: { username: 'mgr.seoul', password: DEMO_PASSWORD },
  });
  const token = login.body.accessToken;
  // the demo branch has 5 installers; 17 more make the board switch to its compact list
  for (const name of [...NAMES, ...MORE]) {
    const r = await w.server.request('POST', '/api/installers', {
      token,
      body: { name, skillTags: ['washer'], regions: ['서울 강남구'], capacityPerDay: 6 },
    });
    expect(r.status).toBe(201);
  }
  const hours = [
    ['09', '12'],
    ['12', '15'],
    ['15', '18'],
  ] as const;
  for (let i = 0; i < 3; i++) {
    const res = await w.server.request('POST', '/api/orders', {
      token,
      body: {
        orderNo: `BA-${Date.now().toString(36).toUpperCase()}-${i}`,
        customerName: `약속고객${i}`,
        customerPhone: `010-4000-000${i}`,
        address: { line1: `테헤란로 ${20 + i}`, city: '서울 강남구' },
        branchId,
        appointmentDate: DAY,
        appointmentTimeWindow: {
          start: `${DAY}T${hours[i]![0]}:00:00+09:00`,
          end: `${DAY}T${hours[i]![1]}:00:00+09:00`,
        },
        lines: [
          { itemCode: 'GEN-100', itemName: '선풍기', quantity: 1 },
          { itemCode: 'GEN-200', itemName: '가습기', quantity: 1 },
        ],
      },
    });
    expect(res.status).toBe(201);
    orders.push({ id: res.body.id, orderNo: res.body.orderNo });
  }
}, 240_000);

afterAll(async () => {
  await w?.close();
});

async function openBoard(waitFor = orders) {
  await page.click('[data-testid=nav-board]');
  await page.fill('[data-testid=board-date]', DAY);
  for (const o of waitFor) await page.waitForSelector(`[data-testid=card-${o.orderNo}]`);
}

/** The focused element's order id (a board card) or test id. */
const focused = () =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.dataset.orderId ?? el?.dataset.testid ?? el?.tagName ?? null;
  });

describe('the assignment board', () => {
  it('signs in and shows 22 installers as a compact list that fits 1600×900, skills in Korean', async () => {
    await page.goto(w.shell.url);
    await page.waitForSelector('form[aria-label="로그인"]');
    await page.fill('input[name=username]', 'mgr.seoul');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.orders-grid');
    await openBoard();
    await expect.poll(() => page.locator('.installer-col').count(), { timeout: 30_000 }).toBe(22);
    expect(await page.locator('[data-testid=board-installers].compact').count()).toBe(1);
    // every installer row inside the window, nothing to scroll
    const boxes = await page.locator('.installer-col').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { bottom: r.bottom, right: r.right };
      }),
    );
    for (const b of boxes) {
      expect(b.bottom).toBeLessThanOrEqual(900);
      expect(b.right).toBeLessThanOrEqual(1600);
    }
    const list = page.locator('[data-testid=board-installers]');
    const [scrollH, clientH] = await list.evaluate((e) => [e.scrollHeight, e.clientHeight]);
    expect(scrollH).toBeLessThanOrEqual(clientH);
    // each row has its capacity bar; skills read as the reference data names them
    expect(await page.locator('.installer-col .capacity-bar').count()).toBe(22);
    const skills = await page.locator('[data-testid=installer-skills]').allTextContents();
    expect(skills.join(' ')).toContain('세탁기');
    expect(skills.join(' ')).not.toMatch(/washer|aircon|fridge/);
    await shot(page, 'ba-01-board-compact');
  });

  it('digit keys assign the selected order and move the focus to the next unassigned one; U unassigns', async () => {
    // an installer among the first nine with room (the digit keys reach those)
    const caps = await page
      .locator('.installer-col [data-testid=capacity-text]')
      .allTextContents()
      .then((l) =>
        l.slice(0, 9).map((x) =>
          x
            .match(/(\d+) \/ (\d+)/)!
            .slice(1)
            .map(Number),
        ),
      );
    const slot = caps.findIndex(([used, cap]) => cap! - used! >= 3);
    expect(slot).toBeGreaterThanOrEqual(0);
    const key = String(slot + 1);
    const installer = (await page.locator('.installer-name').nth(slot).textContent())!;

    const [first, second] = orders;
    await page.click(`[data-testid=card-${first!.orderNo}]`);
    const nextId = await page
      .locator(`[data-testid=card-${first!.orderNo}]`)
      .evaluate((e) => (e.nextElementSibling as HTMLElement | null)?.dataset.orderId);
    await page.keyboard.press(key);
    await page.waitForSelector(`[data-testid=installer-${installer}] >> [data-testid=assigned-${first!.orderNo}]`);
    // the focus is on the next unassigned order: pressing the digit again places that one
    expect(await focused()).toBe(nextId);
    expect(await page.getAttribute(`[data-order-id="${nextId}"]`, 'aria-selected')).toBe('true');
    await shot(page, 'ba-02-board-next-selected');

    // U on an assigned order (reached by Tab/focus) gives it back to the unassigned list, keyboard on it
    await page.click(`[data-testid=card-${second!.orderNo}]`);
    await page.keyboard.press(key);
    await page.waitForSelector(`[data-testid=assigned-${second!.orderNo}]`);
    await page.focus(`[data-testid=assigned-${second!.orderNo}]`);
    await page.keyboard.press('u');
    await page.waitForSelector(`[data-testid=card-${second!.orderNo}]`);
    await expect.poll(focused).toBe(second!.id);
    await expect
      .poll(
        async () =>
          (
            await q<{ s: string; i: string | null }>(
              'SELECT status AS s, installer_id AS i FROM orders WHERE id = $1',
              [second!.id],
            )
          )[0],
        { timeout: 30_000 },
      )
      .toEqual({ s: '미배정', i: null });
    await expect
      .poll(async () => (await q<{ s: string }>('SELECT status AS s FROM orders WHERE id = $1', [first!.id]))[0]!.s, {
        timeout: 30_000,
      })
      .toBe('배정');
  });

  it('the drawer leaves the toolbar uncovered, and Esc closes it', async () => {
    await page.click(`[data-testid=assigned-${orders[0]!.orderNo}]`);
    await page.waitForSelector('[data-testid=order-detail]');
    const drawer = (await page.locator('[data-testid=order-detail]').boundingBox())!;
    for (const sel of ['[data-testid=suggest]', '[data-testid=board-print]', '[data-testid=board-date]']) {
      const b = (await page.locator(sel).boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(drawer.x);
      expect(b.y + b.height).toBeLessThanOrEqual(900);
    }
    await shot(page, 'ba-03-board-drawer');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=order-detail]', { state: 'detached' });
    // the orders grid's toolbar too: the drawer opened from a row leaves every button in view
    await page.click('[data-testid=nav-orders]');
    await page.fill('[data-testid=filter-orderNo]', orders[0]!.orderNo);
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count()).toBe(1);
    await page.dblclick('.rdg-row:not(.rdg-summary-row) [aria-colindex="3"]');
    await page.waitForSelector('[data-testid=order-detail]');
    const gridDrawer = (await page.locator('[data-testid=order-detail]').boundingBox())!;
    for (const button of await page.locator('.workspace .toolbar button').all()) {
      const b = (await button.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(gridDrawer.x);
    }
    await shot(page, 'ba-03b-grid-drawer');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=order-detail]', { state: 'detached' });
    await page.fill('[data-testid=filter-orderNo]', '');
    await openBoard([orders[1]!, orders[2]!]);
  });
});

describe('appointments', () => {
  it('연기 keeps the time window on the new date unless the clerk picks a slot', async () => {
    const target = orders[2]!; // 15:00–18:00
    await page.click(`[data-testid=card-${target.orderNo}]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=order-detail]');
    await page.click('[data-testid=action-status]');
    await page.selectOption('[data-testid=status-select]', '연기');
    await page.selectOption('[data-testid=reason-select]', 'P01');
    await page.fill('[data-testid=status-form] input[type=date]', addDays(DAY, 1));
    expect(await page.inputValue('[data-testid=status-window]')).toBe('');
    expect(await page.locator('[data-testid=status-window] option').first().textContent()).toContain('15:00–18:00');
    await shot(page, 'ba-04-postpone-window');
    await page.click('[data-testid=status-submit]');
    await expect
      .poll(() => appointment(target.id), { timeout: 30_000 })
      .toEqual({ day: addDays(DAY, 1), hours: '15:00–18:00' });
  });

  it('the appointment form picks the window from the branch slots', async () => {
    const target = orders[2]!;
    await page.waitForSelector('[data-testid=order-detail]');
    await page.click('[data-testid=action-appointment]');
    await page.fill('[data-testid=appointment-form] input[type=date]', addDays(DAY, 2));
    const options = await page.locator('[data-testid=appointment-window] option').allTextContents();
    expect(options).toEqual(
      expect.arrayContaining(['09:00–12:00', '12:00–15:00', '15:00–18:00', '오전 09:00–13:00', '오후 13:00–18:00']),
    );
    await page.selectOption('[data-testid=appointment-window]', '13:00-18:00');
    await page.fill('[data-testid=appointment-form] input:not([type])', '고객 요청');
    await page.click('[data-testid=appointment-submit]');
    await expect
      .poll(() => appointment(target.id), { timeout: 30_000 })
      .toEqual({ day: addDays(DAY, 2), hours: '13:00–18:00' });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=order-detail]', { state: 'detached' });
  });

  it("the grid's time-window cell is a list of the slots, chosen with the keyboard", async () => {
    const target = orders[1]!; // 12:00–15:00, unassigned again
    await page.click('[data-testid=nav-orders]');
    await page.fill('[data-testid=filter-orderNo]', target.orderNo);
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count()).toBe(1);
    const col = await page
      .locator('.rdg-header-row [role=columnheader]', { hasText: '시간대' })
      .getAttribute('aria-colindex');
    const cell = page.locator(`.rdg-row:not(.rdg-summary-row) [aria-colindex="${col}"]`);
    await cell.click();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=window-editor]');
    expect(await page.inputValue('[data-testid=window-editor]')).toBe('12:00-15:00');
    await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('[data-testid=window-editor]')).toBe('15:00-18:00');
    await shot(page, 'ba-05-grid-window-editor');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=window-editor]', { state: 'detached' });
    expect(await cell.textContent()).toBe('15:00–18:00');
    await expect.poll(() => appointment(target.id), { timeout: 30_000 }).toEqual({ day: DAY, hours: '15:00–18:00' });
  });

  it("a split child takes its parent's appointment and shows on that day's board", async () => {
    const parent = orders[1]!;
    await page.fill('[data-testid=filter-orderNo]', '');
    await openBoard([parent]);
    await page.dblclick(`[data-testid=card-${parent.orderNo}]`);
    await page.waitForSelector('[data-testid=order-detail]');
    await page.click('[data-testid=action-split]');
    await page.locator('[data-testid=split-form] input[type=number]').nth(1).fill('1');
    await page.click('[data-testid=split-submit]');
    await page.waitForSelector('[data-testid=split-form]', { state: 'detached' });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=order-detail]', { state: 'detached' });
    // predicted locally at once (provisional number), then the head office's row
    await page.waitForSelector(`[data-testid=card-${parent.orderNo}-S1]`, { timeout: 30_000 });
    expect(await page.textContent(`[data-testid=card-${parent.orderNo}-S1]`)).toContain('15:00–18:00');
    await expect
      .poll(
        async () =>
          (await q<{ id: string }>('SELECT id FROM orders WHERE order_no = $1', [`${parent.orderNo}-S1`]))[0]?.id,
        { timeout: 30_000 },
      )
      .toBeTruthy();
    const id = (await q<{ id: string }>('SELECT id FROM orders WHERE order_no = $1', [`${parent.orderNo}-S1`]))[0]!.id;
    expect(await appointment(id)).toEqual({ day: DAY, hours: '15:00–18:00' });
    await shot(page, 'ba-06-board-split-child');
  });
});
