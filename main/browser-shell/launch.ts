// The browser shell put together: the client services in their worker thread (sync engine + screen handlers), the
// contract over HTTP on 127.0.0.1 with a random token, the built renderer. Used by `npm run start:web` and by the
// end-to-end tests, so both run the same thing.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppInfo } from '../../domain/client-api.js';
import { FileStore, filesDir } from '../channel-handlers/file-store.js';
import { startServicesWorker } from '../services/worker-host.js';
import { type BrowserShell, startBrowserShell } from './shell-server.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface LaunchOptions {
  dataDir: string;
  /** the head office to pre-fill on the login form */
  serverUrl?: string;
  port?: number;
  rendererDir?: string;
  /** the sync engine's timers (tests shorten them) */
  engine?: Record<string, unknown>;
  httpTimeoutMs?: number;
}

export interface LaunchedShell extends BrowserShell {
  stopServices(): Promise<void>;
}

export async function launchBrowserShell(opts: LaunchOptions): Promise<LaunchedShell> {
  const worker = await startServicesWorker(
    {
      dataDir: opts.dataDir,
      engine: opts.engine,
      httpTimeoutMs: opts.httpTimeoutMs,
      handlerModules: [
        new URL('../channel-handlers/screen-handlers.ts', import.meta.url).href,
        new URL('../channel-handlers/attachment-handlers.ts', import.meta.url).href,
      ],
    },
    { onRestart: (e) => console.warn(`client services restarted: ${e.message}`) },
  );
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const info: AppInfo = { shell: 'browser', version, defaultServerUrl: opts.serverUrl ?? null };
  const shell = await startBrowserShell({
    handlers: { ...worker.handlers, 'app:info': async () => info },
    events: worker,
    files: new FileStore(filesDir(opts.dataDir)),
    rendererDir: opts.rendererDir ?? join(repoRoot, 'dist', 'renderer'),
    port: opts.port,
  });
  return {
    ...shell,
    async stopServices() {
      await shell.close();
      await worker.close();
    },
  };
}
