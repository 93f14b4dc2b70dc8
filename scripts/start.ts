// `npm start`: the head office with the demo data (port PORT, default 8080) and the branch client — the Electron
// app when its binary is installed, otherwise the browser shell (same renderer, same services), whose address is
// printed. `npm run start:web` (`--web`) always takes the browser shell. Demo logins: hq, mgr.seoul, mgr.busan,
// coord, inst1 — password demo1234.
//
// Flags: --web (browser shell), --server URL (join a running head office instead of starting the demo one),
// --port N (the browser shell's port), --no-build (reuse dist/renderer when it is there).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createLogger } from '../server/logger.js';
import { DEMO_LOGINS_LINE, startDemoHeadOffice } from './demo-head-office.js';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const stops: Array<() => Promise<unknown>> = [];
let serverUrl = value('--server') ?? process.env.DISPATCH_SERVER_URL;
if (!serverUrl) {
  const headOffice = await startDemoHeadOffice(
    createLogger(process.env.LOG_LEVEL ?? (flag('--web') ? 'warn' : 'info')),
  );
  serverUrl = headOffice.url;
  stops.push(() => headOffice.stop());
  console.log(`head office: ${headOffice.url} (${DEMO_LOGINS_LINE})`);
}

/** The Electron binary's path, or null where it could not be downloaded (the package throws then). */
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

async function stopAll(): Promise<void> {
  for (const stop of stops) await stop().catch(() => undefined);
}

const binary = flag('--web') ? null : electronBinary();
if (binary) {
  execFileSync('npm', ['run', '--silent', 'build:renderer'], { cwd: root, stdio: 'inherit' });
  execFileSync('npm', ['run', '--silent', 'build:electron'], { cwd: root, stdio: 'inherit' });
  const app = spawn(binary, [root], { stdio: 'inherit', env: { ...process.env, DISPATCH_SERVER_URL: serverUrl } });
  app.on('exit', async () => {
    await stopAll();
    process.exit(0);
  });
  stops.unshift(async () => app.kill());
} else {
  if (!flag('--web')) console.log('The Electron binary is not installed here: starting the browser shell instead.');
  if (!flag('--no-build') || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  }
  const { launchBrowserShell } = await import('../main/browser-shell/launch.js');
  const shell = await launchBrowserShell({
    dataDir: process.env.DISPATCH_CLIENT_DATA ?? join(root, '.data', 'client-web'),
    serverUrl,
    port: Number(value('--port') ?? process.env.DISPATCH_WEB_PORT ?? 0),
  });
  stops.unshift(() => shell.stopServices());
  console.log(`\nbranch client (browser shell) — open this address:\n\n  ${shell.url}\n`);
  console.log('It only answers on this PC (127.0.0.1), and only to a page holding its token.');
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await stopAll();
    process.exit(0);
  });
}
