// IPC registration from the contract: one ipcMain.handle per channel, each behind the same gate (VS Code's
// validatedIpcMain): the message must come from the top frame of one of our windows showing our own origin, and the
// payload must pass the channel's schema (dispatch). Nothing else is ever registered.
import type { IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron';
import type { ClientApiHandlers, Result } from '../../domain/client-api.js';
import { CHANNELS, dispatch } from '../transport/dispatch.js';

/** The origin the renderer is served from (see protocol.ts); a dev server origin only when explicitly allowed. */
export interface SenderPolicy {
  allowedOrigins: readonly string[];
}

type FrameLike = Pick<WebFrameMain, 'url'> & { parent: unknown; top?: unknown };

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    // `new URL('app://bundle/x').origin` is "null" for non-special schemes, so build it from its parts.
    return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

export function isTrustedSender(frame: FrameLike | null | undefined, policy: SenderPolicy): boolean {
  if (!frame) return false; // the frame navigated away or was destroyed before the message arrived
  if (frame.parent !== null) return false; // only the top frame speaks for the window, never an iframe
  const origin = originOf(frame.url);
  return origin !== null && policy.allowedOrigins.includes(origin);
}

export function forbidden(): Result<never> {
  return { ok: false, error: { code: 'FORBIDDEN', message: 'sender not allowed' } };
}

/** Handles one IPC invocation; exported so the security test exercises exactly what ipcMain runs. */
export function createIpcHandler(channel: string, handlers: Partial<ClientApiHandlers>, policy: SenderPolicy) {
  return (event: Pick<IpcMainInvokeEvent, 'senderFrame'>, raw: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event.senderFrame as FrameLike | null, policy)) return Promise.resolve(forbidden());
    return dispatch(handlers, channel, raw);
  };
}

export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: Partial<ClientApiHandlers>,
  policy: SenderPolicy,
): () => void {
  for (const channel of CHANNELS) ipcMain.handle(channel, createIpcHandler(channel, handlers, policy));
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** The one channel main uses to push ClientEvents to a window (not invokable from the renderer). */
export const EVENT_CHANNEL = 'client:event';
