/**
 * Exponential backoff with "full jitter" (a random delay between 0 and the exponential step, capped): after an
 * outage the branches do not all come back in the same second. `failures` counts consecutive failures (≥ 1).
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** at least this long, so a failing link is not hammered */
  minMs?: number;
}

export function backoffDelay(failures: number, o: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.max(o.minMs ?? 0, Math.round(random() * step));
}
