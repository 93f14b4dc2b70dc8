// Issue 14: the services worker runs under a memory cap. A worker that exhausts it (one bad file) ends alone:
// the client process goes on, the calls under way get UNAVAILABLE, the host reports it and starts a new worker.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServicesWorker } from '../../main/services/worker-host.js';
import type { ServicesWorkerData } from '../../main/services/worker-protocol.js';

describe('services worker memory cap', () => {
  it('a worker that exceeds the cap is reported and replaced; the process survives', async () => {
    const reasons: Error[] = [];
    const worker = await startServicesWorker(
      { dataDir: mkdtempSync(join(tmpdir(), 'worker-cap-')) } satisfies ServicesWorkerData,
      {
        entry: new URL('./support/greedy-worker.mjs', import.meta.url),
        memoryLimitMb: 32,
        onRestart: (e) => reasons.push(e),
      },
    );
    try {
      const before = await worker.call('greedy:ping', {});
      expect(before.ok).toBe(true);
      const swallowed = await worker.call('greedy:swallow', {});
      expect(swallowed).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'the client services stopped' } });
      expect(reasons.map((e) => (e as { code?: string }).code)).toEqual(['ERR_WORKER_OUT_OF_MEMORY']);
      expect(worker.restarts).toBe(1);
      // the next call reaches the new worker
      const after = await worker.call('greedy:ping', {});
      expect(after.ok).toBe(true);
      expect((after as { value: { threadId: number } }).value.threadId).not.toBe(
        (before as { value: { threadId: number } }).value.threadId,
      );
    } finally {
      await worker.close();
    }
  }, 60_000);
});
