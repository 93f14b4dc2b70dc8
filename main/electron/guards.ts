// The handlers Electron's security checklist asks for, as plain functions so a test can call them: deny every
// permission request and check, deny window.open, refuse navigation away from the app, refuse webviews.
import type { Event, HandlerDetails, PermissionCheckHandlerHandlerDetails, WebContents } from 'electron';
import { APP_ORIGIN } from './protocol.js';

/** The clerk's work needs no camera, microphone, notifications API, geolocation, USB, MIDI… */
export function permissionRequestHandler(
  _wc: WebContents | null,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

export function permissionCheckHandler(
  _wc: WebContents | null,
  _permission: string,
  _origin: string,
  _details?: PermissionCheckHandlerHandlerDetails,
): boolean {
  return false;
}

/** window.open and target=_blank: never a new window; links to the web go nowhere from here. */
export function windowOpenHandler(_details: HandlerDetails): { action: 'deny' } {
  return { action: 'deny' };
}

export function isAppUrl(url: string, allowedOrigins: readonly string[] = [APP_ORIGIN]): boolean {
  try {
    const u = new URL(url);
    const origin = u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
    return allowedOrigins.includes(origin);
  } catch {
    return false;
  }
}

/** will-navigate / will-redirect: the window only ever shows the app itself. */
export function navigationGuard(allowedOrigins: readonly string[] = [APP_ORIGIN]) {
  return (event: Pick<Event, 'preventDefault'>, url: string): void => {
    if (!isAppUrl(url, allowedOrigins)) event.preventDefault();
  };
}

export function webviewGuard(event: Pick<Event, 'preventDefault'>): void {
  event.preventDefault();
}

/** Applies the guards to every web contents the app creates (app 'web-contents-created'). */
export function hardenContents(contents: WebContents, allowedOrigins: readonly string[] = [APP_ORIGIN]): void {
  const guard = navigationGuard(allowedOrigins);
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', webviewGuard);
  contents.setWindowOpenHandler(windowOpenHandler);
}
