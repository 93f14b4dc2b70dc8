// window.api from the contract: one method per channel, each a thin call through `invoke`. The renderer never gets
// ipcRenderer itself (Electron's context-isolation guidance), only these functions and an event subscription that
// strips the IPC event object.
import { type Channel, type ClientEvent, clientApi, type WindowBridge } from '../domain/client-api.js';

export type Invoke = (channel: Channel, args: unknown) => Promise<unknown>;
export type Subscribe = (listener: (event: ClientEvent) => void) => () => void;

export function buildWindowApi(invoke: Invoke, subscribe: Subscribe): WindowBridge {
  const api: Record<string, unknown> = {};
  for (const channel of Object.keys(clientApi) as Channel[]) {
    api[channel] = (args: unknown) => invoke(channel, args ?? {});
  }
  api.onEvent = (listener: (event: ClientEvent) => void) => subscribe(listener);
  return Object.freeze(api) as unknown as WindowBridge;
}
