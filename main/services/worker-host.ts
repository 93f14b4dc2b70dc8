// Starts the client services in a worker thread and gives the shells what they need: a handler per channel
// (each call crosses to the worker and back) and the event stream. The UI thread never touches SQLite.
// The worker runs under a memory cap (resourceLimits): without one, a worker that runs out of heap (one bad
// vendor file) ends the whole process — the client; with one, only the worker ends, and the host reports it and
// starts a new one.
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
  /** how many times the worker died and was started again */
  readonly restarts: number;
  close(): Promise<void>;
}

export interface ServicesWorkerOptions {
  /** the worker's old-generation heap cap; default DEFAULT_WORKER_MEMORY_MB */
  memoryLimitMb?: number;
  /** told when the worker died (out of memory, a crash) and is being started again */
  onRestart?: (reason: Error) => void;
}

/** Enough for the mirror and an export of 100k rows (performance.md), far below what would starve the PC. */
export const DEFAULT_WORKER_MEMORY_MB = 1024;

function entryUrl(): URL {
  const js = new URL('./worker-entry.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./worker-bootstrap.mjs', import.meta.url);
}

export async function startServicesWorker(
  data: ServicesWorkerData,
  opts: ServicesWorkerOptions = {},
): Promise<ServicesWorker> {
  const waiting = new Map<number, (r: Result<unknown>) => void>();
  const listeners = new Set<(event: ClientEvent) => void>();
  let nextId = 1;
  let closing = false;
  let closed: (() => void) | null = null;
  let restarts = 0;
  /** the start of a replacement worker, which calls wait for */
  let starting: Promise<unknown> = Promise.resolve();
  const memoryLimitMb = opts.memoryLimitMb ?? DEFAULT_WORKER_MEMORY_MB;

  function failWaiting(): void {
    for (const resolve of waiting.values())
      resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'the client services stopped' } });
    waiting.clear();
  }

  /** A worker with its message handling; resolves with its channels once it is ready. */
  function spawn(): { worker: Worker; ready: Promise<string[]> } {
    const w = new Worker(entryUrl(), {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb },
    });
    let lastError: Error | undefined;
    const ready = new Promise<string[]>((resolve, reject) => {
      w.once('error', reject);
      w.on('message', (msg: WorkerResponse) => {
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
    w.on('error', (err) => {
      lastError = err;
    });
    w.on('exit', (code) => {
      failWaiting();
      if (closing || w !== worker) return;
      // died on its own: the calls under way got UNAVAILABLE above; a new worker takes the next ones
      restarts++;
      opts.onRestart?.(lastError ?? new Error(`the client services stopped (exit code ${code})`));
      const next = spawn();
      worker = next.worker;
      starting = next.ready.catch((err: Error) => {
        opts.onRestart?.(err);
        return [];
      });
    });
    return { worker: w, ready };
  }

  const first = spawn();
  let worker = first.worker;
  const channels = await first.ready.catch((err: Error) => {
    // a worker that cannot even start is not restarted: the shell reports it
    closing = true;
    throw err;
  });

  async function call(channel: string, args: unknown): Promise<Result<unknown>> {
    await starting;
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
    get restarts() {
      return restarts;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closing = true;
      const done = new Promise<void>((resolve) => {
        closed = resolve;
      });
      worker.postMessage({ type: 'close' } satisfies WorkerRequest);
      await done;
      await worker.terminate();
    },
  };
}
