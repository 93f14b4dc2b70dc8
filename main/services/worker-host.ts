// Starts the client services in a worker thread and gives the shells what they need: a handler per channel
// (each call crosses to the worker and back) and the event stream. The UI thread never touches SQLite.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ClientApiHandlers, ClientEvent, Result } from '../../domain/client-api.js';
import type { ServicesWorkerData, WorkerRequest, WorkerResponse } from './worker-protocol.js';

export interface ServicesWorker {
  /** one async function per channel the worker serves; a failure rejects with the ApiError ({code, message}) */
  handlers: Partial<ClientApiHandlers>;
  /** same, as Results (for callers that do not throw) */
  call(channel: string, args: unknown): Promise<Result<unknown>>;
  subscribe(listener: (event: ClientEvent) => void): () => void;
  channels: string[];
  close(): Promise<void>;
}

function entryUrl(): URL {
  const js = new URL('./worker-entry.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./worker-bootstrap.mjs', import.meta.url);
}

export async function startServicesWorker(data: ServicesWorkerData): Promise<ServicesWorker> {
  const worker = new Worker(entryUrl(), { workerData: data });
  const waiting = new Map<number, (r: Result<unknown>) => void>();
  const listeners = new Set<(event: ClientEvent) => void>();
  let nextId = 1;
  let closed: (() => void) | null = null;

  const ready = new Promise<string[]>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (msg: WorkerResponse) => {
      if (msg.type === 'ready') resolve(msg.channels);
      else if (msg.type === 'result') {
        waiting.get(msg.id)?.(msg.result);
        waiting.delete(msg.id);
      } else if (msg.type === 'event') {
        for (const l of listeners) {
          try {
            l(msg.event);
          } catch {
            // a broken listener must not stop the others
          }
        }
      } else if (msg.type === 'closed') closed?.();
    });
  });
  worker.on('exit', () => {
    for (const resolve of waiting.values())
      resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'the client services stopped' } });
    waiting.clear();
  });
  const channels = await ready;

  function call(channel: string, args: unknown): Promise<Result<unknown>> {
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      worker.postMessage({ type: 'call', id, channel, args } satisfies WorkerRequest);
    });
  }

  const handlers: Record<string, (args: unknown) => Promise<unknown>> = {};
  for (const channel of channels) {
    handlers[channel] = async (args) => {
      const r = await call(channel, args);
      if (r.ok) return r.value;
      throw Object.assign(new Error(r.error.message), r.error);
    };
  }

  return {
    handlers: handlers as Partial<ClientApiHandlers>,
    call,
    channels,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      const done = new Promise<void>((resolve) => {
        closed = resolve;
      });
      worker.postMessage({ type: 'close' } satisfies WorkerRequest);
      await done;
      await worker.terminate();
    },
  };
}
