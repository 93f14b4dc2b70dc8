// Runs inside the services worker thread (see worker-host.ts): the SQLite store, the sync engine and the
// handlers live here, so a pull page or a 100k-row query never blocks the thread that serves the UI.
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientEvent, Result } from '../../domain/client-api.js';
import { toApiError } from '../transport/dispatch.js';
import { type ClientServices, createClientServices } from './client-services.js';
import type { HandlerModule, ServicesWorkerData, WorkerRequest, WorkerResponse } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-entry.ts runs only as a worker thread');
const data = workerData as ServicesWorkerData;

const emit = (event: ClientEvent) => port.postMessage({ type: 'event', event } satisfies WorkerResponse);
const services: ClientServices = createClientServices({
  dataDir: data.dataDir,
  emit,
  engine: data.engine,
  httpTimeoutMs: data.httpTimeoutMs,
});
const handlers: Record<string, (args: unknown) => Promise<unknown>> = {
  ...(services.handlers as unknown as Record<string, (args: unknown) => Promise<unknown>>),
};
for (const spec of data.handlerModules ?? []) {
  const mod = (await import(spec)) as HandlerModule;
  Object.assign(handlers, mod.createHandlers({ current: services.current, emit }));
}

port.on('message', async (msg: WorkerRequest) => {
  if (msg.type === 'close') {
    await services.close();
    port.postMessage({ type: 'closed' } satisfies WorkerResponse);
    return;
  }
  const handler = handlers[msg.channel];
  let result: Result<unknown>;
  if (!handler) result = { ok: false, error: { code: 'UNAVAILABLE', message: `${msg.channel} is not available` } };
  else {
    try {
      const value = await handler(msg.args);
      result = { ok: true, value: value === undefined ? null : value };
    } catch (e) {
      result = { ok: false, error: toApiError(e) };
    }
  }
  port.postMessage({ type: 'result', id: msg.id, result } satisfies WorkerResponse);
});
port.postMessage({ type: 'ready', channels: Object.keys(handlers) } satisfies WorkerResponse);
