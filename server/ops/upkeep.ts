// Small periodic database work of every instance (the database lets one do each at a time):
// - the report rollups' deltas are folded (migration 0090). Reports are exact without it — they read the folded
//   cells and the deltas together — but every report reads all deltas since the last fold;
// - the sync scope notes older than a day are pruned (migration 0091); a client offline longer probes once.
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { foldReportRollups } from '../reports/reports.repository.js';
import { pruneScopeLog } from '../sync/sync.repository.js';

const PRUNE_EVERY_MS = 10 * 60_000;

/** Starts the upkeep every foldMs; returns the stop function (waits for work in progress). */
export function startUpkeep(pool: pg.Pool, logger: Logger, foldMs: number): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  let lastPrune = 0;
  const timer = setInterval(() => {
    if (running) return;
    const prune = Date.now() - lastPrune >= PRUNE_EVERY_MS;
    if (prune) lastPrune = Date.now();
    running = (async () => {
      await foldReportRollups(pool);
      if (prune) await pruneScopeLog(pool);
    })()
      .catch((err) => logger.warn({ err }, 'database upkeep failed'))
      .finally(() => {
        running = undefined;
      });
  }, foldMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
