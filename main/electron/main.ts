// The Electron shell: a hardened window on the app:// bundle, IPC registered from the contract behind the sender
// check, the client services in their worker thread (never on this thread), events forwarded to the window,
// updates from the head office. Everything Electron-specific is here; the rest of main/ runs in plain Node.
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron';
import electronUpdater from 'electron-updater';
import type { AppInfo, ClientApiHandlers } from '../../domain/client-api.js';
import { FileStore, filesDir } from '../channel-handlers/file-store.js';
import { type ServicesWorker, startServicesWorker } from '../services/worker-host.js';
import { hardenContents, permissionCheckHandler, permissionRequestHandler } from './guards.js';
import { EVENT_CHANNEL, registerIpcHandlers } from './ipc.js';
import { APP_INDEX, APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './protocol.js';
import { startUpdateChecks } from './updater.js';
import { mainWindowOptions } from './window-options.js';

// dist-electron/main/electron/main.js → the app root
const appRoot = join(import.meta.dirname, '..', '..', '..');
const rendererDir = join(appRoot, 'dist', 'renderer');
const preloadPath = join(appRoot, 'dist-electron', 'preload', 'preload.cjs');
const dataDir = join(app.getPath('userData'), 'client');
const allowedOrigins = [APP_ORIGIN];

app.enableSandbox();
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
if (!app.requestSingleInstanceLock()) app.quit();

let window: BrowserWindow | null = null;
let services: ServicesWorker | null = null;

async function createWindow(): Promise<void> {
  window = new BrowserWindow(mainWindowOptions(preloadPath, '지점 배차 관리'));
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => {
    window = null;
  });
  await window.loadURL(APP_INDEX);
}

app.on('web-contents-created', (_e, contents) => hardenContents(contents, allowedOrigins));
app.on('second-instance', () => {
  if (window?.isMinimized()) window.restore();
  window?.focus();
});

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler(permissionRequestHandler);
  session.defaultSession.setPermissionCheckHandler(permissionCheckHandler);
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));

  services = await startServicesWorker(
    {
      dataDir,
      handlerModules: [
        new URL('../channel-handlers/screen-handlers.js', import.meta.url).href,
        new URL('../channel-handlers/attachment-handlers.js', import.meta.url).href,
      ],
    },
    // the worker died (e.g. out of its memory on a bad file): a new one serves the next calls, signed out
    { onRestart: (e) => console.warn(`client services restarted: ${e.message}`) },
  );
  const files = new FileStore(filesDir(dataDir));
  const pkg = JSON.parse(await readFile(join(appRoot, 'package.json'), 'utf8')) as { version: string };
  // npm start passes the head office it started; an installed app asks on the login screen.
  const info: AppInfo = {
    shell: 'electron',
    version: pkg.version,
    defaultServerUrl: process.env.DISPATCH_SERVER_URL ?? null,
  };
  const handlers: Partial<ClientApiHandlers> = {
    ...services.handlers,
    'app:info': async () => info,
    async 'files:save'({ fileId }) {
      const f = files.get(fileId);
      if (!f) throw { code: 'NOT_FOUND', message: 'file not found', field: 'fileId' };
      const target = await dialog.showSaveDialog(window ?? undefined!, {
        defaultPath: join(app.getPath('documents'), f.fileName),
      });
      if (target.canceled || !target.filePath) return { savedTo: null };
      await copyFile(f.path, target.filePath);
      return { savedTo: target.filePath };
    },
  };
  registerIpcHandlers(ipcMain, handlers, { allowedOrigins });
  services.subscribe((event) => window?.webContents.send(EVENT_CHANNEL, event));
  await createWindow();

  // the head office address is known once someone signs in; updates come from there
  let stopUpdates: (() => void) | null = null;
  services.subscribe(async (event) => {
    if (stopUpdates || event.type !== 'sync-state' || event.state.status !== 'online') return;
    const s = await handlers['auth:session']?.({});
    if (s?.serverUrl) stopUpdates = startUpdateChecks(electronUpdater.autoUpdater, s.serverUrl, console.warn);
  });
});

app.on('window-all-closed', async () => {
  await services?.close();
  app.quit();
});
