// npm run start:web [-- --server URL] [--port N] [--no-build]
// Without --server: starts the head office with the demo data (embedded PostgreSQL, or DATABASE_URL) like
// `npm start`, then the browser shell against it. Prints the address to open; the token in it is what lets the
// page talk to the local services.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowserShell } from './launch.js';

const root = resolve(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const stops: Array<() => Promise<unknown>> = [];
let serverUrl = value('--server') ?? process.env.DISPATCH_SERVER_URL;

if (!flag('--no-build') || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
}

if (!serverUrl) {
  const [{ startDemoHeadOffice, DEMO_LOGINS_LINE }, { createLogger }] = await Promise.all([
    import('../../scripts/demo-head-office.js'),
    import('../../server/logger.js'),
  ]);
  const headOffice = await startDemoHeadOffice(createLogger(process.env.LOG_LEVEL ?? 'warn'));
  serverUrl = headOffice.url;
  stops.push(() => headOffice.stop());
  console.log(`head office: ${headOffice.url} (${DEMO_LOGINS_LINE})`);
}

const shell = await launchBrowserShell({
  dataDir: process.env.DISPATCH_CLIENT_DATA ?? join(root, '.data', 'client-web'),
  serverUrl,
  port: Number(value('--port') ?? process.env.DISPATCH_WEB_PORT ?? 0),
});
stops.unshift(() => shell.stopServices());
console.log(`\nbranch client (browser shell) — open this address:\n\n  ${shell.url}\n`);
console.log('It only answers on this PC (127.0.0.1), and only to a page holding its token.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops) await stop().catch(() => undefined);
    process.exit(0);
  });
}
