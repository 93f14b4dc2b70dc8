// The end-to-end world: a test database with the demo data, the real head office, the browser shell with the real
// client services (sync engine + screen handlers) reaching the head office through a TCP proxy (so a test can cut
// the link), the built renderer, and Debian's Chromium.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { seedDemo } from '../../db/seed/demo.js';
import { SYNC_WINDOW_DEFAULT_MONTHS } from '../../domain/sync-protocol.js';
import { type LaunchedShell, launchBrowserShell } from '../../main/browser-shell/launch.js';
import { windowStart } from '../../server/sync/sync.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../sync/tcp-proxy.js';

export const root = resolve(import.meta.dirname, '..', '..');
export const SHOTS = join(root, 'test-results', 'screens');
export const DEMO_PASSWORD = 'demo1234';

export interface World {
  db: TestDatabase;
  server: TestServer;
  proxy: TcpProxy;
  shell: LaunchedShell;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  downloads: string;
  restartServer(): Promise<void>;
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  mkdirSync(SHOTS, { recursive: true });
  // each world builds the renderer into a directory of its own: e2e files run in parallel, and a build into the
  // shared dist/renderer empties it under another world's shell while its page is loading (a blank page)
  const rendererDir = mkdtempSync(join(tmpdir(), 'e2e-renderer-'));
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', rendererDir, '--emptyOutDir'], {
    cwd: root,
    stdio: 'inherit',
  });
  const db = await createTestDatabase();
  await seedDemo(db.ownerUrl);
  let server = await startTestServer(db);
  const proxy = await TcpProxy.start(server.url);
  const shell = await launchBrowserShell({
    rendererDir,
    dataDir: mkdtempSync(join(tmpdir(), 'e2e-client-')),
    serverUrl: proxy.url,
    // quick pulls and retries, so the test waits for seconds rather than the production minutes
    engine: { pullIntervalMs: 400, backoff: { baseMs: 100, maxMs: 600 } },
    httpTimeoutMs: 5000,
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const world: World = {
    db,
    server,
    proxy,
    shell,
    browser,
    context,
    page,
    downloads: mkdtempSync(join(tmpdir(), 'e2e-downloads-')),
    async stopServer() {
      await server.stop();
    },
    async restartServer() {
      // same JWT secret, so the client's access token stays valid across the restart
      server = await startTestServer(db, { config: { jwtSecret: server.jwtSecret } });
      world.server = server;
      proxy.retarget(server.url);
    },
    async close() {
      await browser.close().catch(() => undefined);
      await shell.stopServices().catch(() => undefined);
      await server.stop().catch(() => undefined);
      await proxy.close().catch(() => undefined);
      await db.drop();
      rmSync(rendererDir, { recursive: true, force: true });
    },
  };
  return world;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * How many of the branch's orders a client with the default window mirrors (docs/sync-protocol.md, "The window":
 * open, or written since the window's start): the grid's total. `withDeleted`: the first sync's count, which
 * brings deleted orders too (as deletes).
 */
/** The condition "in the default window" on an orders row, with its start as parameter `$n`. */
export const inDefaultWindow = (n: number) => `(order_sync_open(status) OR updated_at >= $${n})`;
export const defaultWindowStart = () => windowStart(SYNC_WINDOW_DEFAULT_MONTHS);

export async function windowedOrderCount(w: World, branchId: string, opts: { withDeleted?: boolean } = {}) {
  const { rows } = await w.db.owner.query<{ n: string }>(
    `SELECT count(*) AS n FROM orders
      WHERE branch_id = $1 AND ${inDefaultWindow(2)}${opts.withDeleted ? '' : ' AND deleted_at IS NULL'}`,
    [branchId, defaultWindowStart()],
  );
  return Number(rows[0]!.n);
}
