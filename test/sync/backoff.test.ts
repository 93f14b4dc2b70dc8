import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../main/sync/backoff.js';

describe('backoff', () => {
  const o = { baseMs: 500, maxMs: 30_000, minMs: 100 };

  it('doubles with each failure up to the cap', () => {
    const top = (n: number) => backoffDelay(n, o, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads clients over the whole step (full jitter), never below the floor', () => {
    expect(backoffDelay(5, o, () => 0.5)).toBe(4000);
    expect(backoffDelay(5, o, () => 0)).toBe(100);
    const seen = new Set(Array.from({ length: 50 }, (_, i) => backoffDelay(4, o, () => i / 50)));
    expect(seen.size).toBeGreaterThan(40);
  });
});
