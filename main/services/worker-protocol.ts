import type { ClientEvent, Result } from '../../domain/client-api.js';
import type { EngineOptions } from '../sync/engine.js';
import type { ClientSession } from '../sync/session.js';

export interface ServicesWorkerData {
  dataDir: string;
  engine?: Omit<EngineOptions, 'store' | 'http' | 'hooks'>;
  httpTimeoutMs?: number;
  /** modules (URLs) exporting createHandlers: more channels served in the worker, on the same store */
  handlerModules?: string[];
}

/** What a handler module gets: the signed-in session (its store, engine, http client) and the event channel. */
export interface HandlerContext {
  current(): ClientSession | null;
  emit(event: ClientEvent): void;
}
export interface HandlerModule {
  createHandlers(ctx: HandlerContext): Record<string, (args: unknown) => Promise<unknown>>;
}

export type WorkerRequest = { type: 'call'; id: number; channel: string; args: unknown } | { type: 'close' };
export type WorkerResponse =
  | { type: 'ready'; channels: string[] }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; event: ClientEvent }
  | { type: 'closed' };
