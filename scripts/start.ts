// `npm start`: the head office with the demo data (port PORT, default 8080) and the branch client — the Electron
// app when its binary is installed, otherwise the browser shell (same renderer, same services), whose address is
// printed. Demo logins: hq, mgr.seoul, mgr.busan, coord, inst1 — password demo1234.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createLogger } from '../server/logger.js';
import { DEMO_LOGINS_LINE, startDemoHeadOffice } from './demo-head-office.js';

const root = resolve(import.meta.dirname, '..');
const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
const headOffice = await startDemoHeadOffice(logger);
console.log(`head office: ${headOffice.url} (${DEMO_LOGINS_LINE})`);

/** The Electron binary's path, or null where it could not be downloaded (the package throws then). */
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const stops: Array<() => Promise<unknown>> = [() => headOffice.stop()];
const binary = electronBinary();
if (binary) {
  const { execFileSync } = await import('node:child_process');
  execFileSync('npm', ['run', '--silent', 'build:renderer'], { cwd: root, stdio: 'inherit' });
  execFileSync('npm', ['run', '--silent', 'build:electron'], { cwd: root, stdio: 'inherit' });
  const app = spawn(binary, [root], { stdio: 'inherit', env: { ...process.env, DISPATCH_SERVER_URL: headOffice.url } });
  app.on('exit', async () => {
    await headOffice.stop();
    process.exit(0);
  });
  stops.unshift(async () => app.kill());
} else {
  console.log('The Electron binary is not installed here: starting the browser shell of the client instead.');
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  const { launchBrowserShell } = await import('../main/browser-shell/launch.js');
  const shell = await launchBrowserShell({
    dataDir: process.env.DISPATCH_CLIENT_DATA ?? join(root, '.data', 'client-web'),
    serverUrl: headOffice.url,
    port: Number(process.env.DISPATCH_WEB_PORT ?? 0),
  });
  stops.unshift(() => shell.stopServices());
  console.log(`\nbranch client (browser shell) — open this address:\n\n  ${shell.url}\n`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops) await stop().catch(() => undefined);
    process.exit(0);
  });
}
