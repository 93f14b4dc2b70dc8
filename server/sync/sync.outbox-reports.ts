// Outbox reports taken by the idle pull from memory (sync.marks.ts), written batched (migration 0139).
//
// A branch client adds its outbox report to a run's first pull when the report changed or a minute has passed
// (main/sync/engine.ts REPORT_EVERY_MS), so an idle client polling every 30 s sends one with every other pull.
// Such a pull used to take the database path and write the report in a transaction of its own; now the instance
// keeps the newest report per (client, user) and writes every report it took in one statement at most once a
// `flushMs` (default 1 s): 20,000 idle clients are ≈ 333 reports a second, one statement.
//
// What the queue monitor (GET /api/sync/queue, sync_client_outbox) shows: a report answered from memory is
// there within flushMs plus one statement, its "reported at" the time the instance took it. A flush that fails
// (the database away) is tried once more with the next one, then dropped with a warning; an instance that stops
// writes what it holds, one that dies loses at most its last second of reports — in both cases the client
// reports again within REPORT_EVERY_MS (it sends an unchanged report every minute), so a live client's row is
// never older than that plus a poll period (docs/sync-protocol.md, "Outbox reports").
import type pg from 'pg';
import type { Logger } from '../logger.js';

export interface TakenReport {
  clientId: string;
  userId: string;
  branchId: string | null;
  pending: number;
  conflicts: number;
  failed: number;
  /** ISO instant of the oldest op waiting, or null */
  pendingSince: string | null;
  /** ISO instant the instance took the report */
  reportedAt: string;
}

export interface OutboxReportsOptions {
  pool: pg.Pool;
  logger?: Logger;
  /** at most one write this often (default 1000 ms) */
  flushMs?: number;
  /** more reports waiting than this (the database away for long): the oldest are dropped (default 200,000) */
  maxWaiting?: number;
}

export class OutboxReports {
  private waiting = new Map<string, TakenReport & { tries?: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private readonly flushMs: number;
  private readonly maxWaiting: number;
  /** reports taken, rows written, writes made (tests, the bench) */
  readonly counts = { taken: 0, written: 0, flushes: 0, dropped: 0 };

  constructor(private readonly o: OutboxReportsOptions) {
    this.flushMs = o.flushMs ?? 1000;
    this.maxWaiting = o.maxWaiting ?? 200_000;
  }

  /** Keeps a report for the next write (the newest per client and user). */
  take(r: TakenReport): void {
    const key = `${r.clientId}\n${r.userId}`;
    this.waiting.delete(key);
    if (this.waiting.size >= this.maxWaiting) {
      const oldest = this.waiting.keys().next().value;
      if (oldest !== undefined) this.waiting.delete(oldest);
      this.counts.dropped++;
    }
    this.waiting.set(key, r);
    this.counts.taken++;
    this.schedule();
  }

  /** A report of this client written by the database path: an older one waiting here must not follow it. */
  superseded(clientId: string, userId: string): void {
    this.waiting.delete(`${clientId}\n${userId}`);
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Writes what waits now (and waits for a write under way first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {});
    if (!this.waiting.size) return;
    const p = this.write();
    this.flushing = p;
    try {
      await p;
    } finally {
      this.flushing = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => {});
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush()
        .catch(() => {})
        .finally(() => {
          if (this.waiting.size) this.schedule();
        });
    }, this.flushMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const batch = this.waiting;
    this.waiting = new Map();
    const rows = [...batch.values()].map((r) => ({
      client_id: r.clientId,
      user_id: r.userId,
      branch_id: r.branchId,
      pending: r.pending,
      conflicts: r.conflicts,
      failed: r.failed,
      oldest_pending_at: r.pendingSince,
      reported_at: r.reportedAt,
    }));
    try {
      const { rows: out } = await this.o.pool.query<{ n: number }>({
        name: 'sync_outbox_reports',
        text: 'SELECT sync_outbox_reports($1::jsonb) AS n',
        values: [JSON.stringify(rows)],
      });
      this.counts.flushes++;
      this.counts.written += out[0]?.n ?? 0;
    } catch (err) {
      // once more with the next write, unless a newer report of the client came meanwhile; then dropped (the
      // client reports again within a minute)
      let kept = 0;
      for (const [key, r] of batch) {
        if (this.waiting.has(key) || (r.tries ?? 0) >= 1) continue;
        this.waiting.set(key, { ...r, tries: (r.tries ?? 0) + 1 });
        kept++;
      }
      this.counts.dropped += batch.size - kept;
      this.o.logger?.warn({ err, reports: batch.size, kept }, 'sync: outbox reports not stored');
      if (this.waiting.size) this.schedule();
      throw err;
    }
  }
}
