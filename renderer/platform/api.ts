// Which shell we run in: Electron's preload puts the bridge on window.api; the browser shell is reached over HTTP
// with the token handed over in the URL fragment (kept in sessionStorage so a reload keeps working).
import type { ApiError, ArgsOf, Channel, Result, ResultOf, WindowBridge } from '../../domain/client-api.js';
import { createHttpApi, fetchShellFile } from './http-api.js';

declare global {
  interface Window {
    api?: WindowBridge;
  }
}

export type ShellKind = 'electron' | 'browser';

function browserToken(): string {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (m?.[1]) {
    sessionStorage.setItem('dispatch.token', m[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return m[1];
  }
  return sessionStorage.getItem('dispatch.token') ?? '';
}

let shell: ShellKind = 'browser';
let bridge: WindowBridge;
let httpOpts: { baseUrl: string; token: string } | null = null;

export function initApi(): WindowBridge {
  if (window.api) {
    shell = 'electron';
    bridge = window.api;
  } else {
    httpOpts = { baseUrl: window.location.origin, token: browserToken() };
    bridge = createHttpApi(httpOpts);
  }
  return bridge;
}

/** Installs a bridge directly (the unit tests of the stores run them over the browser shell's HTTP transport). */
export function useBridge(b: WindowBridge, kind: ShellKind = 'browser'): void {
  bridge = b;
  shell = kind;
}

export function shellKind(): ShellKind {
  return shell;
}

export function api(): WindowBridge {
  return bridge;
}

export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/** Calls a channel and returns its value, throwing ApiFailure on an error result (for code that wants exceptions). */
export async function call<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
  const fn = bridge[channel] as (a: ArgsOf<C>) => Promise<Result<ResultOf<C>>>;
  const r = await fn(args);
  if (!r.ok) throw new ApiFailure(r.error);
  return r.value;
}

export async function tryCall<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<Result<ResultOf<C>>> {
  const fn = bridge[channel] as (a: ArgsOf<C>) => Promise<Result<ResultOf<C>>>;
  return fn(args);
}

/** Hands a produced file to the user: a save dialog in Electron, a download in the browser. */
export async function saveFile(fileId: string, fileName: string): Promise<string | null> {
  if (shell === 'electron') {
    const r = await call('files:save', { fileId });
    return r.savedTo;
  }
  if (!httpOpts) return null;
  const blob = await fetchShellFile(httpOpts, fileId);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return fileName;
}

/** The produced file's bytes, for previews (PDF in an iframe). */
export async function fileBlob(fileId: string): Promise<Blob | null> {
  if (shell === 'browser' && httpOpts) return fetchShellFile(httpOpts, fileId);
  return null;
}
