// Calls that only the head office can answer (locking a week, splitting an order, head-office exports). The
// engine's HTTP client brings the token and its refresh; failures come back as the UI's ApiError: OFFLINE when the
// link is down, the head office's own code and message (in the user's language) when it said no.
import type { HttpLike } from './session-like.js';

export function asApiError(e: unknown): { code: string; message: string; field?: string; details?: unknown } {
  const err = e as { status?: unknown; code?: unknown; message?: unknown; field?: unknown; details?: unknown };
  if (typeof err?.status === 'number' && typeof err.code === 'string')
    return {
      code: err.code,
      message: String(err.message ?? err.code),
      ...(typeof err.field === 'string' ? { field: err.field } : {}),
      ...(err.details !== undefined ? { details: err.details } : {}),
    };
  if (typeof err?.code === 'string' && typeof err.message === 'string') return err as { code: string; message: string };
  return { code: 'OFFLINE', message: e instanceof Error ? e.message : String(e) };
}

export async function online<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asApiError(e);
  }
}

/** Raw bytes of a head-office file download (the engine's client: token, refresh, bounds). */
export async function download(http: HttpLike, path: string): Promise<Buffer> {
  return http.download(path, { timeoutMs: 120_000 });
}
