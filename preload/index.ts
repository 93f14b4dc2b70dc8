// Runs in the sandboxed preload (bundled to one CommonJS file: a sandboxed preload can require only 'electron').
import { contextBridge, ipcRenderer } from 'electron';
import type { ClientEvent } from '../domain/client-api.js';
import { buildWindowApi } from './build-api.js';

const EVENT_CHANNEL = 'client:event'; // mirrors main/electron/ipc.ts; preload may not import main/

contextBridge.exposeInMainWorld(
  'api',
  buildWindowApi(
    (channel, args) => ipcRenderer.invoke(channel, args),
    (listener) => {
      const wrapped = (_event: unknown, payload: ClientEvent) => listener(payload);
      ipcRenderer.on(EVENT_CHANNEL, wrapped);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
      };
    },
  ),
);
