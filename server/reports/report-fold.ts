// The report rollups (FR-07, FR-08; migration 0090) are exact without folding — a report reads the folded cells
// and the deltas together — but the deltas of every write since the last fold are read by every report, so
// they are folded every few seconds. Every instance runs this; the database lets one fold at a time.
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { foldReportRollups } from './reports.repository.js';

/** Starts folding every intervalMs; returns the stop function (waits for a fold in progress). */
export function startReportFold(pool: pg.Pool, logger: Logger, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = foldReportRollups(pool)
      .catch((err) => logger.warn({ err }, 'report rollup fold failed'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
