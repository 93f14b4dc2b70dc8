// Where report reads go (FR-07 waste totals, FR-08 progress, the rows of export files): a streaming replica when
// REPORTS_DATABASE_URL names one, else the primary. The replica is the same cluster byte for byte (physical
// replication), so dispatch_app, its password and every row-level-security policy are there too; the server
// logs in there as dispatch_app and enters the caller's context exactly as on the primary.
//
// Freshness: report answers are cached under the generation a write bumps after its commit (server/cache), so an
// answer read from a replica that has not yet replayed that write would be stored as current and served until
// the next write. A read therefore goes to the replica only once the replica has replayed everything the
// primary had written when the read began (its WAL position), waiting at most REPORTS_MAX_WAIT_MS; streaming
// replay takes milliseconds. A replica that has not caught up within REPORTS_MAX_LAG_SECONDS (30 s) is not waited
// for at all (one look, then the primary), and a replica that fails to answer sends the read to the primary.
import type pg from 'pg';
import type { Logger } from '../logger.js';

export type ReadTarget = 'replica' | 'primary';

export interface ReportReadsOptions {
  primary: pg.Pool;
  replica?: pg.Pool;
  maxLagSeconds: number;
  maxWaitMs: number;
  logger: Logger;
}

export class ReportReads {
  /** reads sent to each side since start (for /metrics and tests) */
  readonly counts: Record<ReadTarget, number> = { replica: 0, primary: 0 };
  /** when the replica was last seen holding everything the primary had written */
  private caughtUpAt = 0;

  constructor(private readonly opts: ReportReadsOptions) {}

  get hasReplica(): boolean {
    return this.opts.replica !== undefined;
  }

  /** The pool a report read should use now. */
  async pool(): Promise<pg.Pool> {
    const target = await this.choose();
    this.counts[target]++;
    return target === 'replica' ? this.opts.replica! : this.opts.primary;
  }

  /** Seconds since the replica was last seen caught up with the primary (Infinity: never, or no replica). */
  lagSeconds(now = Date.now()): number {
    return this.caughtUpAt ? (now - this.caughtUpAt) / 1000 : Number.POSITIVE_INFINITY;
  }

  private async choose(): Promise<ReadTarget> {
    const replica = this.opts.replica;
    if (!replica) return 'primary';
    const sampledAt = Date.now();
    const { rows } = await this.opts.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const lsn = rows[0]!.lsn;
    const deadline = this.lagSeconds(sampledAt) > this.opts.maxLagSeconds ? 0 : sampledAt + this.opts.maxWaitMs;
    for (;;) {
      let replayed: boolean;
      try {
        const r = await replica.query<{ ok: boolean | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [
          lsn,
        ]);
        replayed = r.rows[0]?.ok === true;
      } catch (err) {
        this.opts.logger.warn({ err }, 'report replica unavailable: reading from the primary');
        return 'primary';
      }
      if (replayed) {
        this.caughtUpAt = sampledAt;
        return 'replica';
      }
      if (Date.now() >= deadline) return 'primary';
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
