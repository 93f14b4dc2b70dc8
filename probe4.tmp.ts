import { chromium } from 'playwright-core';
const url = process.argv[2]!;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
const ctx = await b.newContext({ viewport: { width: 1440, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
const page = await ctx.newPage();
page.on('console', m => { if (m.type() === 'error') console.log('console', m.text().slice(0, 300)); });
page.on('pageerror', e => console.log('pageerror', e.message));
await page.goto(url);
await page.waitForSelector('form[aria-label], .orders-grid');
if (await page.$('form[aria-label]')) {
await page.fill('input[name=serverUrl]', 'http://127.0.0.1:18480');
await page.fill('input[name=username]', 'mgr.seoul');
await page.fill('input[name=password]', 'demo1234');
await page.click('button[type=submit]');
}
await page.waitForSelector('.orders-grid', { timeout: 30000 });
await page.waitForTimeout(3000);
for (const s of ['board','dashboard','customers','waste','notifications','settlements','exports','sync','settings']) {
  await page.click(`[data-testid=nav-${s}]`);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `test-results/dev-${s}.png` });
}
await page.click('[data-testid=nav-orders]');
await page.waitForTimeout(500);
await page.dblclick('.rdg-row >> nth=3 >> .rdg-cell >> nth=2');
await page.waitForTimeout(1500);
await page.screenshot({ path: 'test-results/dev-detail.png' });
await b.close();
