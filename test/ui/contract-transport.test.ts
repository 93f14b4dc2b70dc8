// Both shells carry the same contract the same way: IPC (ipcMain.handle registrations, driven here through the
// handler functions Electron would call) and the browser shell's HTTP transport (a real server on 127.0.0.1 and the
// renderer's own HTTP client). The handlers are a small table standing in for the services: what is under test is
// the carriage — routing, validation before any handler runs, error results, sender and token checks, events.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientApiHandlers, ClientEvent, Result, WindowBridge } from '../../domain/client-api.js';
import { type BrowserShell, startBrowserShell } from '../../main/browser-shell/shell-server.js';
import { createIpcHandler, registerIpcHandlers } from '../../main/electron/ipc.js';
import { CHANNELS } from '../../main/transport/dispatch.js';
import { createEventHub } from '../../main/transport/events.js';
import { buildWindowApi } from '../../preload/build-api.js';
import { createHttpApi } from '../../renderer/platform/http-api.js';

const ORDER_ID = '0190a0a0-0000-7000-8000-000000000001';
const calls: Array<{ channel: string; args: unknown }> = [];
const handlers: Partial<ClientApiHandlers> = {
  'auth:session': async () => null,
  'orders:unassign': async (args) => {
    calls.push({ channel: 'orders:unassign', args });
    if (args.unassign.version === 99)
      throw { code: 'CONFLICT', message: 'changed at head office', details: { v: 100 } };
    return { id: args.id, version: args.unassign.version + 1 } as never;
  },
  'prefs:get': async () => {
    throw new Error('disk on fire');
  },
};
const hub = createEventHub();

type Shell = { name: string; api: () => WindowBridge };
const APP_ORIGIN = 'app://bundle';

function ipcShell(): WindowBridge {
  const registered = new Map<string, (event: unknown, raw: unknown) => Promise<Result<unknown>>>();
  registerIpcHandlers(
    {
      handle: (ch: string, fn: (event: never, raw: unknown) => Promise<unknown>) => registered.set(ch, fn as never),
      removeHandler: (ch: string) => registered.delete(ch),
    } as never,
    handlers,
    { allowedOrigins: [APP_ORIGIN] },
  );
  const frame = { url: `${APP_ORIGIN}/index.html`, parent: null };
  // the structured clone that IPC applies to arguments and results
  const clone = <T>(v: T): T => structuredClone(v);
  return buildWindowApi(
    async (channel, args) => clone(await registered.get(channel)!({ senderFrame: frame }, clone(args))),
    (listener) => hub.subscribe(listener),
  );
}

let browser: BrowserShell;
let httpApi: ReturnType<typeof createHttpApi>;
beforeAll(async () => {
  browser = await startBrowserShell({ handlers, events: hub, rendererDir: '/nonexistent' });
  httpApi = createHttpApi({ baseUrl: browser.origin, token: browser.token, retryMs: 50 });
});
afterAll(async () => {
  httpApi.close();
  await browser.close();
});

const shells: Shell[] = [
  { name: 'electron ipc', api: ipcShell },
  { name: 'browser shell http', api: () => httpApi },
];

describe.each(shells)('contract over $name', ({ api }) => {
  it('exposes one method per channel, and nothing else but the event subscription', () => {
    const a = api();
    for (const ch of CHANNELS) expect(typeof a[ch]).toBe('function');
    const extras = Object.keys(a).filter((k) => !(CHANNELS as string[]).includes(k));
    expect(extras.filter((k) => k !== 'close')).toEqual(['onEvent']);
    expect('ipcRenderer' in a).toBe(false);
    expect('invoke' in a).toBe(false);
  });

  it('returns the handler value as ok', async () => {
    const before = calls.length;
    const r = await api()['orders:unassign']({ id: ORDER_ID, unassign: { version: 3 } });
    expect(r).toEqual({ ok: true, value: { id: ORDER_ID, version: 4 } });
    expect(calls.length).toBe(before + 1);
  });

  it('refuses a bad payload, naming the field, before the handler runs', async () => {
    const before = calls.length;
    const r = await api()['orders:unassign']({ id: 'not-a-uuid', unassign: { version: 3 } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('VALIDATION');
      expect(r.error.field).toBe('id');
    }
    const extra = await api()['orders:unassign']({ id: ORDER_ID, unassign: { version: 3 }, evil: 1 } as never);
    expect(extra.ok).toBe(false);
    expect(calls.length).toBe(before);
  });

  it('carries a coded failure as an error result with its details', async () => {
    const r = await api()['orders:unassign']({ id: ORDER_ID, unassign: { version: 99 } });
    expect(r).toEqual({
      ok: false,
      error: { code: 'CONFLICT', message: 'changed at head office', details: { v: 100 } },
    });
  });

  it('turns an unexpected exception into an INTERNAL error result', async () => {
    const r = await api()['prefs:get']({ key: 'grid.layout' });
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'disk on fire' } });
  });

  it('answers UNAVAILABLE for a channel this process does not serve', async () => {
    const r = await api()['sync:state']({});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('UNAVAILABLE');
  });

  it('delivers pushed events to subscribers', async () => {
    const got: ClientEvent[] = [];
    const off = api().onEvent((e) => got.push(e));
    const event: ClientEvent = { type: 'orders-changed', ids: [ORDER_ID] };
    // the HTTP stream connects asynchronously: publish until the subscriber has heard one
    for (let i = 0; i < 100 && got.length === 0; i++) {
      hub.publish(event);
      await new Promise((r) => setTimeout(r, 20));
    }
    off();
    expect(got[0]).toEqual(event);
  });
});

describe('IPC sender checks', () => {
  const handler = createIpcHandler('auth:session', handlers, { allowedOrigins: [APP_ORIGIN] });
  it('serves our own top frame', async () => {
    expect(await handler({ senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } as never }, {})).toEqual({
      ok: true,
      value: null,
    });
  });
  it.each([
    ['an iframe', { url: `${APP_ORIGIN}/index.html`, parent: {} }],
    ['another origin', { url: 'https://evil.example/', parent: null }],
    ['a file: page', { url: 'file:///tmp/x.html', parent: null }],
    ['a destroyed frame', null],
  ])('refuses %s', async (_name, frame) => {
    const r = await handler({ senderFrame: frame as never }, {});
    expect(r).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'sender not allowed' } });
  });
});

describe('browser shell token and origin checks', () => {
  const post = (headers: Record<string, string>, body = '{}') =>
    fetch(`${browser.origin}/rpc/auth:session`, { method: 'POST', headers, body });
  it('refuses a call without the token', async () => {
    const res = await post({ 'content-type': 'application/json' });
    expect(res.status).toBe(401);
  });
  it('refuses a wrong token', async () => {
    const res = await post({ 'content-type': 'application/json', 'x-dispatch-token': 'x'.repeat(43) });
    expect(res.status).toBe(401);
  });
  it('refuses a call from another origin even with the token', async () => {
    const res = await post({
      'content-type': 'application/json',
      'x-dispatch-token': browser.token,
      origin: 'http://evil.example',
    });
    expect(res.status).toBe(403);
  });
  it('refuses a rebinding host name', async () => {
    // fetch will not set Host, so speak HTTP directly as a DNS-rebound page's request would arrive
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: browser.port,
          path: '/rpc/auth:session',
          method: 'POST',
          headers: {
            host: `evil.example:${browser.port}`,
            'content-type': 'application/json',
            'x-dispatch-token': browser.token,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(421);
  });
  it('answers malformed JSON with a validation result', async () => {
    const res = await post({ 'content-type': 'application/json', 'x-dispatch-token': browser.token }, '{nope');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
  it('refuses the event stream and files without the token', async () => {
    expect((await fetch(`${browser.origin}/events`)).status).toBe(401);
    expect((await fetch(`${browser.origin}/files/${ORDER_ID}`)).status).toBe(401);
  });
  it('listens on the loopback interface only', () => {
    expect(browser.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
  });
});
