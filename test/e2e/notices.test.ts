// Customer notices in the branch client, end to end in Chromium: the order drawer's notice section and the notice
// list with its filters, both read online from the head office (the e2e head office has no provider configured, so
// a notice stays queued there: what the clerk sees is the head office's state, whichever it is).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, seoulToday } from '../support/fixtures.js';
import { DEMO_PASSWORD, shot, startWorld, type World } from './support.js';

let w: World;
let page: Page;
let order: { id: string; orderNo: string };
let cancelled: { id: string; orderNo: string };

beforeAll(async () => {
  w = await startWorld();
  page = w.page;
  const login = await w.server.request('POST', '/api/auth/login', {
    body: { username: 'mgr.seoul', password: DEMO_PASSWORD },
  });
  const token = login.body.accessToken;
  const branchId = (await w.db.owner.query("SELECT branch_id AS id FROM users WHERE username = 'mgr.seoul'")).rows[0]
    .id as string;
  const installers = await w.server.request('GET', '/api/installers', { token });
  const day = addDays(seoulToday(), 40);
  const make = async (i: number) => {
    const res = await w.server.request('POST', '/api/orders', {
      token,
      body: {
        orderNo: `NT-${Date.now().toString(36).toUpperCase()}-${i}`,
        customerName: `알림고객${i}`,
        customerPhone: `010-6000-000${i}`,
        address: { line1: `테헤란로 ${20 + i}`, city: '서울 강남구' },
        branchId,
        appointmentDate: day,
        lines: [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 }],
      },
    });
    expect(res.status).toBe(201);
    for (const inst of installers.body.items ?? installers.body) {
      const a = await w.server.request('POST', `/api/orders/${res.body.id}/assign`, {
        token,
        body: { version: res.body.version, installerId: inst.id },
      });
      if (a.status === 200)
        return { id: res.body.id as string, orderNo: res.body.orderNo as string, version: a.body.version };
    }
    throw new Error('no installer could take the order');
  };
  const o1 = await make(1);
  order = o1;
  const o2 = await make(2);
  const c = await w.server.request('POST', `/api/orders/${o2.id}/status`, {
    token,
    body: { version: o2.version, status: '취소', reasonCode: 'C01' },
  });
  expect(c.status).toBe(200);
  cancelled = o2;
}, 240_000);

afterAll(async () => {
  await w?.close();
});

describe('customer notices in the client', () => {
  it('shows the order’s notices in its drawer and the head office’s list with filters', async () => {
    await page.goto(w.shell.url);
    await page.waitForSelector('form[aria-label="로그인"]');
    await page.fill('input[name=username]', 'mgr.seoul');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.orders-grid');

    // the drawer of the assigned order: its assignment notice, queued at the head office
    await page.fill('[data-testid=filter-orderNo]', order.orderNo);
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count(), { timeout: 30_000 }).toBe(1);
    await page.dblclick('.rdg-row:not(.rdg-summary-row) [aria-colindex="3"]');
    const section = page.locator('[data-testid=order-notices]');
    await section.waitFor();
    await expect.poll(() => section.locator('tbody tr').count(), { timeout: 15_000 }).toBe(1);
    expect(await section.locator('tbody tr').textContent()).toContain('배정·약속 안내');
    expect(await section.locator('tbody tr').getAttribute('data-status')).toBe('QUEUED');
    await shot(page, 'notices-01-drawer');

    // the customer asks for no more messages: the clerk ticks the box while the link is down (an order edit
    // through the outbox); the head office has the flag once the link is back
    w.proxy.setDown(true);
    await page.click('[data-testid=notices-opt-out]');
    await expect.poll(() => page.isChecked('[data-testid=notices-opt-out]'), { timeout: 15_000 }).toBe(true);
    await section.locator('text=고객이 알림 수신을 거부했습니다').waitFor();
    w.proxy.setDown(false);
    await expect
      .poll(
        async () =>
          (await w.db.owner.query('SELECT notices_opt_out AS v FROM orders WHERE id = $1', [order.id])).rows[0].v,
        { timeout: 30_000 },
      )
      .toBe(true);
    await page.click('[data-testid=order-detail] button[aria-label="닫기"]');

    // the list: both orders' notices; the event filter keeps the cancellation only
    await page.click('[data-testid=nav-notices]');
    const table = page.locator('[data-testid=notices-table]');
    await table.waitFor({ timeout: 15_000 });
    await expect.poll(() => table.locator(`tr:has-text("${order.orderNo}")`).count()).toBe(1);
    await expect.poll(() => table.locator(`tr:has-text("${cancelled.orderNo}")`).count()).toBe(2);
    await page.selectOption('label:has-text("알림 종류") select', 'CANCELLED');
    await expect.poll(() => table.locator(`tr:has-text("${order.orderNo}")`).count()).toBe(0);
    await expect.poll(() => table.locator(`tr:has-text("${cancelled.orderNo}")`).count()).toBe(1);
    expect(await table.locator(`tr:has-text("${cancelled.orderNo}")`).textContent()).toContain('취소');
    await shot(page, 'notices-02-list');

    // offline the drawer says the head office cannot answer, instead of showing nothing
    await page.click(`[data-testid=notices-table] button:has-text("${cancelled.orderNo}")`);
    await section.waitFor();
    await expect.poll(() => section.locator('tbody tr').count(), { timeout: 15_000 }).toBe(2);
    w.proxy.setDown(true);
    await section.locator('button', { hasText: '새로고침' }).click();
    await section.locator('[data-testid=unavailable]').waitFor({ timeout: 30_000 });
    w.proxy.setDown(false);
  });
});
