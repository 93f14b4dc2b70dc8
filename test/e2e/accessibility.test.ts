// Issue 12, accessibility: axe-core (the npm package, injected into the page) checks every screen and dialog of the
// client in Chromium at 1600×900 and finds no serious or critical violation. The surfaces are one table: a screen
// or dialog added later is one more row (how to open it, how to leave it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, seoulToday } from '../support/fixtures.js';
import { DEMO_PASSWORD, shot, startWorld, type World } from './support.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let w: World;
let page: Page;
const DAY = addDays(seoulToday(), 22);
let plain: string; // an order needing no skill, with a time window
let aircon: string; // an order needing the aircon skill
let contested: { id: string; orderNo: string }; // edited offline here and at the head office: a conflict
let splitting: { id: string; orderNo: string; lineId: string }; // split offline, refused at the head office
let token: string;

interface Finding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** The serious and critical violations axe finds in the page as it is now. */
async function axeFindings(): Promise<Finding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
    interface AxeViolation {
      id: string;
      impact: string | null;
      help: string;
      nodes: Array<{ target: unknown[]; failureSummary?: string }>;
    }
    const { violations } = await axe.run(document);
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact!,
        help: v.help,
        nodes: v.nodes.slice(0, 6).map((n) => `${n.target.join(' ')} — ${(n.failureSummary ?? '').split('\n')[1]}`),
      }));
  });
}

const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await w.db.owner.query(sql, params)).rows as T[];

async function screen(name: string) {
  await page.click(`[data-testid=nav-${name}]`);
  await page.waitForSelector(`[data-testid=nav-${name}][aria-current=page]`);
  await page.waitForSelector('.workspace section.screen, .workspace .screen');
}

async function openOrder(orderNo: string) {
  await screen('board');
  await page.fill('[data-testid=board-date]', DAY);
  await page.click(`[data-testid=card-${orderNo}]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=order-detail] .drawer-body');
}

async function drawerForm(action: string, form: string) {
  await openOrder(plain);
  await page.click(`[data-testid=action-${action}]`);
  await page.waitForSelector(form);
}

const closeDrawer = async () => {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=order-detail]', { state: 'detached' });
};
/** The same phone edited offline here and meanwhile at the head office: the conflict dialog opens on reconnect. */
async function conflict() {
  await screen('orders');
  w.proxy.setDown(true);
  await page.waitForSelector('[data-testid=sync-indicator][data-status=offline]', { timeout: 30_000 });
  await page.fill('[data-testid=filter-orderNo]', contested.orderNo);
  await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count()).toBe(1);
  const col = await page
    .locator('.rdg-header-row [role=columnheader]', { hasText: '연락처' })
    .getAttribute('aria-colindex');
  await page.dblclick(`.rdg-row:not(.rdg-summary-row) [aria-colindex="${col}"]`);
  await page.fill('[data-testid=cell-editor]', '010-1111-0009');
  await page.keyboard.press('Enter');
  const current = await w.server.request('GET', `/api/orders/${contested.id}`, { token });
  const theirs = await w.server.request('PATCH', `/api/orders/${contested.id}`, {
    token,
    body: { version: current.body.version, customerPhone: '010-2222-0009' },
  });
  expect(theirs.status).toBe(200);
  w.proxy.setDown(false);
  await page.waitForSelector('[data-testid=conflict-dialog]', { timeout: 30_000 });
}

const cancelModal = (sel: string) => async () => {
  await page.click(`${sel} .actions .btn.ghost`);
  await page.waitForSelector(sel, { state: 'detached' });
};

/** Every screen and dialog: how to open it and how to leave it. */
const SURFACES: Array<{ name: string; open: () => Promise<void>; close?: () => Promise<void> }> = [
  { name: 'orders', open: () => screen('orders') },
  { name: 'board', open: () => screen('board') },
  { name: 'happy calls', open: () => screen('happyCalls') },
  { name: 'dashboard', open: () => screen('dashboard') },
  { name: 'customers', open: () => screen('customers') },
  { name: 'waste', open: () => screen('waste') },
  { name: 'notifications', open: () => screen('notifications') },
  { name: 'settlements', open: () => screen('settlements') },
  { name: 'exports', open: () => screen('exports') },
  { name: 'notices', open: () => screen('notices') },
  { name: 'sync', open: () => screen('sync') },
  { name: 'settings', open: () => screen('settings') },
  {
    name: 'saved views menu',
    open: async () => {
      await screen('orders');
      await page.click('[data-testid=views-menu] > summary');
      await page.waitForSelector('[data-testid=view-name]');
    },
    close: () => page.click('[data-testid=views-menu] > summary'),
  },
  { name: 'order detail', open: () => openOrder(plain), close: closeDrawer },
  {
    name: 'status form',
    open: async () => {
      await drawerForm('status', '[data-testid=status-form]');
      await page.selectOption('[data-testid=status-select]', '연기');
    },
    close: closeDrawer,
  },
  {
    name: 'appointment form',
    open: () => drawerForm('appointment', '[data-testid=appointment-form]'),
    close: closeDrawer,
  },
  { name: 'split form', open: () => drawerForm('split', '[data-testid=split-form]'), close: closeDrawer },
  { name: 'serials form', open: () => drawerForm('serials', '.drawer form'), close: closeDrawer },
  { name: 'waste form', open: () => drawerForm('waste', '.drawer form'), close: closeDrawer },
  {
    name: 'import dialog',
    open: async () => {
      await screen('orders');
      await page.click('[data-testid=import-open]');
      await page.waitForSelector('[data-testid=import-dialog]');
    },
    close: cancelModal('[data-testid=import-dialog]'),
  },
  {
    name: 'print preview',
    open: async () => {
      await screen('board');
      await page.fill('[data-testid=board-date]', DAY);
      await page.click('[data-testid=board-print]');
      await page.waitForSelector('.print-preview, [role=dialog]');
    },
    close: async () => {
      await page.keyboard.press('Escape');
      await page.click('[role=dialog] .btn.ghost').catch(() => undefined);
      await page.waitForSelector('[role=dialog]', { state: 'detached' });
    },
  },
  {
    name: 'suggestion review',
    open: async () => {
      await screen('board');
      await page.fill('[data-testid=board-date]', DAY);
      await page.waitForSelector(`[data-testid=card-${plain}]`);
      await page.click('[data-testid=suggest]');
      await page.waitForSelector('[data-testid=suggest-review]');
    },
    close: cancelModal('[data-testid=suggest-review]'),
  },
  {
    name: 'offline banner',
    open: async () => {
      await screen('orders');
      w.proxy.setDown(true);
      await page.waitForSelector('[data-testid=offline-banner]', { timeout: 30_000 });
    },
  },
  {
    name: 'back-online report',
    open: async () => {
      w.proxy.setDown(false);
      await page.waitForSelector('[data-testid=back-online-report]', { timeout: 30_000 });
    },
  },
  {
    name: 'conflict dialog',
    open: conflict,
    close: async () => {
      await page.click('[data-testid=conflict-dialog] button:has-text("모두 내 변경")');
      await page.click('[data-testid=conflict-resolve]');
      await page.waitForSelector('[data-testid=conflict-dialog]', { state: 'detached' });
      await page.fill('[data-testid=filter-orderNo]', '');
    },
  },
  {
    name: 'assignment warning',
    open: async () => {
      await screen('board');
      await page.fill('[data-testid=board-date]', DAY);
      // an installer of the branch without the aircon skill: the aircon order needs a warning
      const names = await page.locator('.installer-name').allTextContents();
      const lacking = await q<{ name: string }>(
        `SELECT i.name FROM installers i JOIN users u ON u.branch_id = i.branch_id
          WHERE u.username = 'mgr.seoul' AND i.is_active AND NOT ('aircon' = ANY(i.skill_tags))`,
      );
      const at = names.findIndex((n) => lacking.some((l) => l.name === n));
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(9);
      await page.click(`[data-testid=card-${aircon}]`);
      await page.keyboard.press(String(at + 1));
      await page.waitForSelector('[data-testid=assign-warning]');
    },
    close: cancelModal('[data-testid=assign-warning]'),
  },
  {
    // a split made offline, refused by the head office (the item got its serials there meanwhile): its fix form
    name: 'resend fix form',
    open: async () => {
      await screen('orders');
      w.proxy.setDown(true);
      await page.waitForSelector('[data-testid=sync-indicator][data-status=offline]', { timeout: 30_000 });
      await openOrder(splitting.orderNo);
      await page.click('[data-testid=action-split]');
      await page.locator('[data-testid=split-form] label', { hasText: 'GEN-100' }).locator('input').fill('1');
      await page.click('[data-testid=split-submit]');
      await page.waitForSelector('[data-testid=split-form]', { state: 'detached', timeout: 15_000 });
      await closeDrawer();
      const serials = await w.server.request('POST', `/api/orders/${splitting.id}/serials`, {
        token,
        body: { lineId: splitting.lineId, serials: [`${splitting.orderNo}-1`, `${splitting.orderNo}-2`] },
      });
      expect(serials.status).toBe(201);
      w.proxy.setDown(false);
      await screen('sync');
      const resend = page.locator('[data-testid=failures-list] tbody tr', { hasText: splitting.orderNo });
      await resend.locator('[data-testid=failure-resend]').click({ timeout: 30_000 });
      await page.waitForSelector('[data-testid=resend-split-form]');
    },
    close: cancelModal('[data-testid=resend-split-form]'),
  },
];

beforeAll(async () => {
  w = await startWorld();
  page = w.page;
  await page.setViewportSize({ width: 1600, height: 900 });
  const branchId = (await q<{ id: string }>("SELECT branch_id AS id FROM users WHERE username = 'mgr.seoul'"))[0]!.id;
  const login = await w.server.request('POST', '/api/auth/login', {
    body: { username: 'mgr.seoul', password: DEMO_PASSWORD },
  });
  token = login.body.accessToken;
  const make = async (suffix: string, itemCode: string, itemName: string, quantity = 1) => {
    const r = await w.server.request('POST', '/api/orders', {
      token,
      body: {
        orderNo: `AX-${Date.now().toString(36).toUpperCase()}-${suffix}`,
        customerName: '접근성고객',
        customerPhone: '010-3000-0001',
        address: { line1: '테헤란로 5', city: '서울 강남구' },
        branchId,
        appointmentDate: DAY,
        appointmentTimeWindow: { start: `${DAY}T09:00:00+09:00`, end: `${DAY}T12:00:00+09:00` },
        lines: [
          { itemCode, itemName, quantity },
          { itemCode: 'GEN-200', itemName: '가습기', quantity: 1 },
        ],
      },
    });
    expect(r.status).toBe(201);
    return { id: r.body.id as string, orderNo: r.body.orderNo as string };
  };
  plain = (await make('P', 'GEN-100', '선풍기')).orderNo;
  aircon = (await make('A', 'AC-100', '벽걸이 에어컨')).orderNo;
  contested = await make('C', 'GEN-300', '가습기');
  const split = await make('S', 'GEN-100', '선풍기', 2);
  const [line] = await q<{ id: string }>("SELECT id FROM order_lines WHERE order_id = $1 AND item_code = 'GEN-100'", [
    split.id,
  ]);
  splitting = { ...split, lineId: line!.id };
}, 240_000);

afterAll(async () => {
  await w?.close();
});

describe('accessibility (axe-core): no serious or critical violation', () => {
  it('login', async () => {
    await page.goto(w.shell.url);
    await page.waitForSelector('form[aria-label="로그인"]');
    expect(await axeFindings()).toEqual([]);
    await shot(page, 'ax-login');
    await page.fill('input[name=username]', 'mgr.seoul');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.orders-grid');
    await page.waitForSelector('[data-testid=sync-indicator][data-status=online]', { timeout: 60_000 });
  });

  for (const s of SURFACES) {
    it(s.name, async () => {
      await s.open();
      try {
        const findings = await axeFindings();
        await shot(page, `ax-${s.name.replace(/\s+/g, '-')}`);
        expect(findings).toEqual([]);
      } finally {
        // the next row starts from the screen, whatever this one found
        await s.close?.();
      }
    });
  }

  // the head office's own screens: signed in as hq (the texts of the customer notices and the branches' numbers)
  it('head office: the notice texts screen and its branch phones tab', async () => {
    await page.click('.topbar button.btn.ghost:has-text("로그아웃")');
    await page.waitForSelector('form[aria-label="로그인"]');
    await page.fill('input[name=username]', 'hq');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=sync-indicator][data-status=online]', { timeout: 120_000 });
    await screen('noticeTemplates');
    expect(await axeFindings()).toEqual([]);
    await shot(page, 'ax-notice-templates');
    await page.click('[data-testid=template-tab-phones]');
    expect(await axeFindings()).toEqual([]);
    await shot(page, 'ax-notice-branch-phones');
  });

  it("head office: a branch's appointment slots, also with a refused field", async () => {
    await screen('branchSlots');
    await page.waitForSelector('[data-testid=slots-table]', { timeout: 30_000 });
    expect(await axeFindings()).toEqual([]);
    await shot(page, 'ax-branch-slots');
    // a time that is none: the message under its field is read as well
    await page.focus('[data-testid=slot-end-0]');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('25시');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=slot-error-0-end]');
    expect(await axeFindings()).toEqual([]);
    await shot(page, 'ax-branch-slots-refused');
    await page.click('[data-testid=slots-reset]');
    await page.waitForSelector('[data-testid=slot-error-0-end]', { state: 'detached' });
  });

  it('the English UI: the same screens read as well', async () => {
    await page.selectOption('.topbar select[aria-label]', 'en');
    await page.waitForSelector('[data-testid=nav-orders]:has-text("Orders")');
    for (const name of ['orders', 'board', 'happyCalls', 'sync', 'branchSlots', 'noticeTemplates']) {
      await screen(name);
      if (name === 'branchSlots') {
        await page.waitForSelector('[data-testid=slots-table]', { timeout: 30_000 });
        await shot(page, 'ax-english-branch-slots');
      }
      expect(await axeFindings(), name).toEqual([]);
    }
    await shot(page, 'ax-english-notice-templates');
    await page.selectOption('.topbar select[aria-label]', 'ko');
  });

  it('인수 and 부분인수 read in different colours', async () => {
    const colours = await page.evaluate(() => {
      const probe = (tone: string) => {
        const el = document.createElement('span');
        el.className = `status-badge tone-${tone}`;
        document.body.append(el);
        const c = getComputedStyle(el);
        const out = `${c.color} on ${c.backgroundColor}`;
        el.remove();
        return out;
      };
      return { delivered: probe('done'), partial: probe('partial') };
    });
    expect(colours.partial).not.toBe(colours.delivered);
  });
});
