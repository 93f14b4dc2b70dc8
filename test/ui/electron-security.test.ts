// The Electron shell against Electron's security checklist. The Electron binary cannot run on this build machine,
// so the test holds the exact objects and functions the shell hands to Electron: window options, the permission,
// window-open, navigation and webview handlers, the app:// protocol handler and its CSP, and the IPC registration.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientApi } from '../../domain/client-api.js';
import {
  isAppUrl,
  navigationGuard,
  permissionCheckHandler,
  permissionRequestHandler,
  webviewGuard,
  windowOpenHandler,
} from '../../main/electron/guards.js';
import { registerIpcHandlers } from '../../main/electron/ipc.js';
import { APP_ORIGIN, createAppProtocolHandler } from '../../main/electron/protocol.js';
import { updateFeed } from '../../main/electron/updater.js';
import { mainWindowOptions } from '../../main/electron/window-options.js';
import { CONTENT_SECURITY_POLICY } from '../../main/transport/csp.js';

describe('BrowserWindow options', () => {
  const prefs = mainWindowOptions('/app/preload.cjs', '지점 배차 관리').webPreferences!;
  it('isolates the renderer: context isolation, sandbox, no Node anywhere', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });
  it('keeps web security on and the risky features off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });
  it('loads only our preload', () => {
    expect(prefs.preload).toBe('/app/preload.cjs');
  });
});

describe('content handlers', () => {
  it('denies every permission request and check', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'usb', 'hid']) {
      let granted: boolean | null = null;
      permissionRequestHandler(null, p, (g) => {
        granted = g;
      });
      expect(granted).toBe(false);
      expect(permissionCheckHandler(null, p, APP_ORIGIN)).toBe(false);
    }
  });
  it('denies window.open', () => {
    expect(windowOpenHandler({ url: 'https://example.com' } as never)).toEqual({ action: 'deny' });
    expect(windowOpenHandler({ url: `${APP_ORIGIN}/index.html` } as never)).toEqual({ action: 'deny' });
  });
  it('refuses navigation away from the app', () => {
    const guard = navigationGuard();
    const attempt = (url: string) => {
      let prevented = false;
      guard({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(attempt('https://evil.example/')).toBe(true);
    expect(attempt('file:///etc/passwd')).toBe(true);
    expect(attempt('app://other/index.html')).toBe(true);
    expect(attempt('javascript:alert(1)')).toBe(true);
    expect(attempt(`${APP_ORIGIN}/index.html`)).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
  it('refuses webviews', () => {
    let prevented = false;
    webviewGuard({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });
});

describe('app:// protocol and CSP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  const handle = createAppProtocolHandler(dir);
  it('serves the renderer with a strict CSP', async () => {
    const res = await handle(new Request(`${APP_ORIGIN}/index.html`));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(/script-src[^;]*unsafe-inline/.test(csp)).toBe(false);
    expect(csp).not.toMatch(/https?:/);
  });
  it('serves nothing outside the renderer folder or from another host', async () => {
    expect((await handle(new Request(`${APP_ORIGIN}/..%2F..%2F..%2Fetc%2Fpasswd`))).status).toBe(404);
    expect((await handle(new Request('app://other/index.html'))).status).toBe(404);
    expect((await handle(new Request(`${APP_ORIGIN}/missing.js`))).status).toBe(404);
  });
});

describe('IPC', () => {
  it('registers exactly one handler per contract channel and nothing else', () => {
    const registered: string[] = [];
    registerIpcHandlers(
      { handle: (ch: string) => registered.push(ch), removeHandler: () => undefined } as never,
      {},
      { allowedOrigins: [APP_ORIGIN] },
    );
    expect(registered.sort()).toEqual(Object.keys(clientApi).sort());
  });
});

describe('updates', () => {
  it('come from the head office over the generic provider', () => {
    expect(updateFeed('https://hq.example.com:8443/')).toEqual({
      provider: 'generic',
      url: 'https://hq.example.com:8443/updates',
      channel: 'latest',
    });
  });
});
