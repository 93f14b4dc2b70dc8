// HQ's notice texts in the branch client, end to end in Chromium with real key presses: each event's 알림톡
// template id and text and its SMS/LMS text, with the variables listed and a preview filled with sample values;
// the head office's refusal (400 naming the field) shown next to that field; the branches' notice phone numbers
// (domain/phone.ts); and the grid's boolean cell (the customer's notice opt-out) toggled by Space and a click.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, shot, startWorld, type World } from './support.js';

let w: World;
let page: Page;

beforeAll(async () => {
  w = await startWorld();
  page = w.page;
  // signed in as HQ (the demo's HQ_ADMIN) for both tests
  await page.goto(w.shell.url);
  await page.waitForSelector('form[aria-label="로그인"]');
  await page.fill('input[name=username]', 'hq');
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.orders-grid');
}, 240_000);

afterAll(async () => {
  await w?.close();
});

async function template(event: string) {
  const { rows } = await w.db.owner.query(
    'SELECT kakao_template_id AS "kakaoTemplateId", body, sms_body AS "smsBody" FROM notice_templates WHERE event = $1',
    [event],
  );
  return rows[0] as { kakaoTemplateId: string; body: string; smsBody: string | null };
}

/** replaces a field's text the way a person does: focus, select all, type */
async function retype(selector: string, text: string) {
  await page.focus(selector);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

describe('HQ edits the notice texts and the branches’ numbers', () => {
  it('HQ edits a template (refused field shown in place, preview with sample values), the SMS text and a branch phone', async () => {
    await page.click('[data-testid=nav-noticeTemplates]');
    const screen = page.locator('[data-testid=notice-templates]');
    await screen.waitFor({ timeout: 15_000 });
    // the variables a text may use are listed
    for (const v of ['#{고객명}', '#{방문일}', '#{방문시간}', '#{기사명}', '#{지점전화}'])
      expect(await screen.locator('[data-testid=template-variables]').textContent()).toContain(v);

    await page.click('[data-testid=template-tab-CANCELLED]');
    await expect.poll(() => page.inputValue('[data-testid=template-kakao-id]')).toBe('KA01TP_DISPATCH_CANCELLED');

    // a variable that does not exist: the head office refuses it and the message stands under the text
    await retype('[data-testid=template-body]', '#{고객명} 고객님, 방문이 취소되었습니다. 쿠폰 #{쿠폰번호}');
    // the preview fills the variables with sample values as the clerk types
    expect(await page.textContent('[data-testid=template-preview-body]')).toContain(
      '홍길동 고객님, 방문이 취소되었습니다.',
    );
    await page.click('[data-testid=template-save]');
    const bodyError = page.locator('[data-testid=template-body-error]');
    await bodyError.waitFor({ timeout: 15_000 });
    expect(await bodyError.textContent()).toContain('#{쿠폰번호}');
    expect(await page.getAttribute('[data-testid=template-body]', 'aria-invalid')).toBe('true');
    expect((await template('CANCELLED')).body).not.toContain('쿠폰');
    await shot(page, 'notice-templates-01-refused');

    // corrected by keyboard; the SMS text shorter than the 알림톡 one; saved with Ctrl+Enter
    const body = '#{고객명} 고객님, #{방문일} 방문이 취소되었습니다.\n문의: #{지점전화}';
    await page.focus('[data-testid=template-body]');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('#{고객명} 고객님, #{방문일} 방문이 취소되었습니다.');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('문의: #{지점전화}');
    expect(await bodyError.count()).toBe(0);
    await retype('[data-testid=template-sms]', '[취소] #{방문일} 방문 취소. 문의 #{지점전화}');
    const smsPreview = page.locator('[data-testid=template-preview-sms]');
    expect(await smsPreview.textContent()).toContain('[취소] 12월 8일(화) 방문 취소. 문의 02-555-0101');
    expect(await page.textContent('[data-testid=template-preview-channel]')).toContain('SMS');
    await page.keyboard.press('Control+Enter');
    await expect
      .poll(async () => (await template('CANCELLED')).smsBody, { timeout: 15_000 })
      .toBe('[취소] #{방문일} 방문 취소. 문의 #{지점전화}');
    expect((await template('CANCELLED')).body).toBe(body);
    await shot(page, 'notice-templates-02-saved');

    // the branches' numbers: a number that is none is refused next to its field; a good one is saved written out
    await page.click('[data-testid=template-tab-phones]');
    const seoul = (await w.db.owner.query("SELECT id FROM branches WHERE code = 'SEL'")).rows[0]?.id as
      | string
      | undefined;
    const branchId =
      seoul ?? ((await w.db.owner.query('SELECT id FROM branches ORDER BY code LIMIT 1')).rows[0].id as string);
    const input = `[data-testid=branch-phone-${branchId}]`;
    await retype(input, '02-55');
    await page.keyboard.press('Enter');
    const phoneError = page.locator(`[data-testid=branch-phone-error-${branchId}]`);
    await phoneError.waitFor({ timeout: 15_000 });
    expect(await phoneError.textContent()).toContain('전화번호');
    await retype(input, '0255550123');
    await page.keyboard.press('Enter');
    await expect
      .poll(
        async () =>
          (await w.db.owner.query('SELECT phone FROM notice_branch_phones WHERE branch_id = $1', [branchId])).rows[0]
            ?.phone,
        { timeout: 15_000 },
      )
      .toBe('02-5555-0123');
    await expect.poll(() => page.inputValue(input)).toBe('02-5555-0123');
    expect(await phoneError.count()).toBe(0);
    await shot(page, 'notice-templates-03-phones');
  });

  it('the grid’s opt-out column: Space on the cell ticks it, a click unticks it, both reach the head office', async () => {
    const { rows } = await w.db.owner.query(
      `SELECT id, order_no AS "orderNo" FROM orders WHERE deleted_at IS NULL AND status = '미배정'
         AND NOT notices_opt_out ORDER BY created_at DESC LIMIT 1`,
    );
    const order = rows[0] as { id: string; orderNo: string };
    const optOut = async () =>
      (await w.db.owner.query('SELECT notices_opt_out AS v FROM orders WHERE id = $1', [order.id])).rows[0].v;
    await page.click('[data-testid=nav-orders]');
    await page.waitForSelector('.orders-grid');
    // the column is hidden until the clerk shows it
    await page.click('summary:has-text("열")');
    await page.click('.dropdown-menu label:has-text("알림 거부") input');
    await page.click('summary:has-text("열")');
    await page.fill('[data-testid=filter-orderNo]', order.orderNo);
    await expect.poll(() => page.locator('.rdg-row:not(.rdg-summary-row)').count(), { timeout: 30_000 }).toBe(1);
    // the grid renders the columns in view only: scroll to the far right, where the shown column is
    await page.locator('.orders-grid').evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    const check = page.locator('.rdg-row:not(.rdg-summary-row) [data-testid=cell-check-noticesOptOut]');
    expect(await check.isChecked()).toBe(false);
    await page.locator('.rdg-row:not(.rdg-summary-row) .rdg-cell:has([data-testid=cell-check-noticesOptOut])').click({
      position: { x: 6, y: 6 },
    });
    await page.keyboard.press('Space');
    await expect.poll(() => check.isChecked(), { timeout: 15_000 }).toBe(true);
    await expect.poll(optOut, { timeout: 30_000 }).toBe(true);
    await check.click();
    await expect.poll(() => check.isChecked(), { timeout: 15_000 }).toBe(false);
    await expect.poll(optOut, { timeout: 30_000 }).toBe(false);
    await shot(page, 'notice-templates-04-grid-opt-out');
  });
});
