// Issue 12, a branch's appointment slots get an HQ screen: in Chromium with real key presses, HQ picks a branch,
// adds a slot (refused first, the field named), reorders it with Alt+↑, renames and removes slots and saves; the
// head office stores the list, and a branch clerk's PC — signed in before, so the change reaches it by sync — offers
// the new slot in the grid's 시간대 list. Screenshots go to test-results/screens/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APPOINTMENT_SLOTS } from '../../domain/appointment-slots.js';
import { addDays, seoulToday } from '../support/fixtures.js';
import { DEMO_PASSWORD, shot, startWorld, type World } from './support.js';

let w: World;
let page: Page;
let branchId: string;
let order: { id: string; orderNo: string };
const DAY = addDays(seoulToday(), 25);

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await w.db.owner.query(sql, params)).rows as T[];
const storedSlots = async () =>
  (await q<{ slots: unknown }>('SELECT appointment_slots AS slots FROM branches WHERE id = $1', [branchId]))[0]!.slots;
const hours = async () =>
  (
    await q<{ hours: string | null }>(
      `SELECT to_char(lower(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') || '–' ||
              to_char(upper(appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') AS hours
         FROM orders WHERE id = $1`,
      [order.id],
    )
  )[0]!.hours;

async function signIn(username: string) {
  await page.waitForSelector('form[aria-label="로그인"]');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=sync-indicator][data-status=online]', { timeout: 120_000 });
}
async function signOut() {
  await page.click('.topbar button.btn.ghost:has-text("로그아웃")');
  await page.waitForSelector('form[aria-label="로그인"]');
}
/** the grid's 시간대 list for our order, as the clerk opens it (Enter on the cell), then closed again */
async function windowOptions(): Promise<string[]> {
  const col = await page
    .locator('.rdg-header-row [role=columnheader]', { hasText: '시간대' })
    .getAttribute('aria-colindex');
  await page.locator(`.rdg-row:not(.rdg-summary-row) [aria-colindex="${col}"]`).click();
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=window-editor]');
  return page.locator('[data-testid=window-editor] option').allTextContents();
}
async function showOrder() {
  await page.click('[data-testid=nav-orders]');
  await page.fill('[data-testid=filter-orderNo]', order.orderNo);
  await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count(), { timeout: 30_000 }).toBe(1);
}

beforeAll(async () => {
  w = await startWorld();
  page = w.page;
  await page.setViewportSize({ width: 1600, height: 900 });
  branchId = (await q<{ id: string }>("SELECT branch_id AS id FROM users WHERE username = 'mgr.seoul'"))[0]!.id;
  const token = (
    await w.server.request('POST', '/api/auth/login', { body: { username: 'mgr.seoul', password: DEMO_PASSWORD } })
  ).body.accessToken;
  const r = await w.server.request('POST', '/api/orders', {
    token,
    body: {
      orderNo: `SL-${Date.now().toString(36).toUpperCase()}`,
      customerName: '시간대고객',
      customerPhone: '010-5000-0001',
      address: { line1: '테헤란로 7', city: '서울 강남구' },
      branchId,
      appointmentDate: DAY,
      appointmentTimeWindow: { start: `${DAY}T09:00:00+09:00`, end: `${DAY}T12:00:00+09:00` },
      lines: [{ itemCode: 'GEN-100', itemName: '선풍기', quantity: 1 }],
    },
  });
  expect(r.status).toBe(201);
  order = { id: r.body.id, orderNo: r.body.orderNo };
  await page.goto(w.shell.url);
}, 240_000);

afterAll(async () => {
  await w?.close();
});

describe("HQ edits a branch's appointment slots; the branch's clerks are offered them", { timeout: 180_000 }, () => {
  it("the clerk's PC starts with the branch's current slots", async () => {
    await signIn('mgr.seoul');
    await showOrder();
    const options = await windowOptions();
    expect(options).toContain('18:00–21:00');
    expect(options).not.toContain('저녁 19:00–21:00');
    await page.keyboard.press('Escape');
    await signOut();
  });

  it('HQ picks the branch, adds, edits, reorders and removes slots by keyboard, refused fields named, and saves', async () => {
    await signIn('hq');
    await page.click('[data-testid=nav-branchSlots]');
    await page.waitForSelector('[data-testid=slots-table]', { timeout: 30_000 });
    await page.selectOption('[data-testid=slots-branch]', branchId);
    // the branch's slots, in the order its clerks see them
    const shown = () => page.locator('[data-testid^=slot-shown-]').allTextContents();
    await expect
      .poll(shown)
      .toEqual(DEFAULT_APPOINTMENT_SLOTS.map((s) => (s.label ? `${s.label} ` : '') + `${s.start}–${s.end}`));

    // a new slot: its name, then times typed short; an end before its start is refused under that field
    await page.click('[data-testid=slots-add]');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('slot-label-6');
    await page.keyboard.type('저녁');
    await page.keyboard.press('Tab');
    await page.keyboard.type('19');
    await page.keyboard.press('Tab');
    await page.keyboard.type('1800');
    await page.keyboard.press('Enter');
    const endError = page.locator('[data-testid=slot-error-6-end]');
    await endError.waitFor();
    expect(await endError.textContent()).toBe('끝 시각은 시작 시각보다 늦어야 합니다');
    expect(await page.getAttribute('[data-testid=slot-end-6]', 'aria-invalid')).toBe('true');
    expect(await page.inputValue('[data-testid=slot-start-6]')).toBe('19:00');
    expect(await storedSlots()).toEqual(DEFAULT_APPOINTMENT_SLOTS);
    await shot(page, 'branch-slots-01-refused');

    // corrected where the focus is; the message goes as the field is fixed
    await page.keyboard.press('Control+A');
    await page.keyboard.type('21:00');
    await expect.poll(() => endError.count()).toBe(0);
    // Alt+↑ three times: after 15:00–18:00
    for (let i = 0; i < 3; i++) await page.keyboard.press('Alt+ArrowUp');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('slot-end-3');
    // the old evening slot goes (its ✕, by keyboard)
    expect(await page.textContent('[data-testid=slot-shown-4]')).toBe('18:00–21:00');
    await page.focus('[data-testid=slot-remove-4]');
    await page.keyboard.press('Enter');
    // and the first slot gets a name
    await page.focus('[data-testid=slot-label-0]');
    await page.keyboard.type('아침');
    const expected = [
      { start: '09:00', end: '12:00', label: '아침' },
      { start: '12:00', end: '15:00' },
      { start: '15:00', end: '18:00' },
      { start: '19:00', end: '21:00', label: '저녁' },
      { start: '09:00', end: '13:00', label: '오전' },
      { start: '13:00', end: '18:00', label: '오후' },
    ];
    expect(await shown()).toEqual([
      '아침 09:00–12:00',
      '12:00–15:00',
      '15:00–18:00',
      '저녁 19:00–21:00',
      '오전 09:00–13:00',
      '오후 13:00–18:00',
    ]);
    await shot(page, 'branch-slots-02-edited');
    await page.keyboard.press('Enter');
    await page.locator('.toast', { hasText: '시간대를 저장했습니다' }).first().waitFor({ timeout: 30_000 });
    await expect.poll(storedSlots, { timeout: 15_000 }).toEqual(expected);
    // the screen shows the head office's list again, nothing left unsaved
    await expect.poll(() => page.isDisabled('[data-testid=slots-save]')).toBe(true);
    await shot(page, 'branch-slots-03-saved');
    await signOut();
  });

  it("the clerk's 시간대 list offers the new slot after sync, and choosing it reaches the head office", async () => {
    await signIn('mgr.seoul');
    await showOrder();
    await expect
      .poll(
        async () => {
          const options = await windowOptions();
          await page.keyboard.press('Escape');
          await page.waitForSelector('[data-testid=window-editor]', { state: 'detached' });
          return options;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toEqual([
        '아침 09:00–12:00',
        '12:00–15:00',
        '15:00–18:00',
        '저녁 19:00–21:00',
        '오전 09:00–13:00',
        '오후 13:00–18:00',
        '시간대 없음',
      ]);
    await windowOptions();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('[data-testid=window-editor]')).toBe('19:00-21:00');
    await shot(page, 'branch-slots-04-clerk-list');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=window-editor]', { state: 'detached' });
    await expect.poll(hours, { timeout: 30_000 }).toBe('19:00–21:00');
  });
});
