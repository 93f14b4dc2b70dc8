// Background jobs on the same PostgreSQL (pg-boss 10): no extra infrastructure, and a job can be enqueued in the
// very transaction that creates the row it works on (an export is never committed without its job, or the reverse).
//
// Who owns what: pg-boss keeps its own schema (`pgboss`) and versions it itself. Creating or migrating that schema,
// and creating a queue (pgboss.create_queue ATTACHes a partition, which needs ownership), is done at startup by
// prepareJobSchema() on the owner connection — the same one that applies db/migrations. The long-lived pg-boss
// instance then runs as dispatch_app with `migrate: false`, granted plain DML on the schema: the server's live
// connections stay unprivileged, and upgrading pg-boss needs no hand-written migration.

import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Tx } from '../db/transaction.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../logger.js';

export const JOB_SCHEMA = 'pgboss';

/** Every queue the server uses; created by the owner at startup. */
export const QUEUES = {
  /** builds one export file (data: { exportId }) */
  exportBuild: 'export-build',
  /** deletes expired export files (cron) */
  exportSweep: 'export-sweep',
  /** mails notifications still unread after N minutes (cron) */
  notificationEmail: 'notification-email',
  /** creates every branch's settlement weeks around today (cron, and once at start): reads never create them */
  settlementWeeks: 'settlement-weeks',
  /** sends one customer notice (data: { noticeId }); server/notices/notice-sender.ts */
  noticeSend: 'notice-send',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const QUEUE_OPTIONS: Record<QueueName, Omit<PgBoss.Queue, 'name'>> = {
  // one retry, for a worker that died mid-build (its job expires and comes back); code errors mark the export
  // FAILED and are not retried
  'export-build': { retryLimit: 1, retryDelay: 5, expireInSeconds: 30 * 60 },
  'export-sweep': { retryLimit: 0, expireInSeconds: 10 * 60 },
  'notification-email': { retryLimit: 0, expireInSeconds: 5 * 60 },
  'settlement-weeks': { retryLimit: 2, retryDelay: 60, expireInSeconds: 10 * 60 },
  // a provider that does not answer: 2 s, 4 s, 8 s, 16 s, 32 s, then the notice fails and the branch is told
  'notice-send': { retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 5 * 60 },
};

/** The pg-boss queue of cron schedules (created by its timekeeper; created here because only the owner can). */
const CRON_QUEUE = '__pgboss__send-it';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates or migrates the pg-boss schema and our queues as the owner, then grants `appRole` what a running
 * pg-boss needs (DML on its tables, its functions). Idempotent and safe to run from several instances at once.
 */
export async function prepareJobSchema(ownerUrl: string, appRole: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: ownerUrl,
    schema: JOB_SCHEMA,
    max: 1,
    migrate: true,
    supervise: false,
    schedule: false,
    application_name: 'dispatch-jobs-setup',
  });
  boss.on('error', () => {
    // start() rejects with the same error; nothing else runs on this short-lived instance
  });
  await boss.start();
  try {
    const options: Record<string, Omit<PgBoss.Queue, 'name'>> = { ...QUEUE_OPTIONS, [CRON_QUEUE]: {} };
    for (const [name, opts] of Object.entries(options)) {
      if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...opts });
    }
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const role = quoteIdent(appRole);
    await client.query(`GRANT USAGE ON SCHEMA ${JOB_SCHEMA} TO ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${JOB_SCHEMA} TO ${role}`);
    await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${JOB_SCHEMA} TO ${role}`);
  } finally {
    await client.end();
  }
}

/** `job` carries pg-boss's metadata (retryCount, retryLimit, …). */
export type JobHandler<T> = (data: T, job: PgBoss.JobWithMetadata<T>) => Promise<void>;

export interface JobQueueOptions {
  /** dispatch_app connection string */
  appUrl: string;
  logger: Logger;
  pollingIntervalSeconds: number;
}

/**
 * The running queue of one server instance: enqueue, work, schedule, depth for /metrics. It starts even while
 * the database is unreachable (the HTTP side answers 503 meanwhile) and keeps trying to connect; workers and
 * schedules registered before that are applied once it is up.
 */
export class JobQueue {
  private boss: PgBoss | undefined;
  private readonly onStart: ((boss: PgBoss) => Promise<unknown>)[] = [];
  private stopped = false;
  private retryMs = 1000;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: JobQueueOptions) {}

  /** First attempt to connect; on failure it logs and retries in the background (never throws). */
  async start(): Promise<void> {
    const boss = new PgBoss({
      connectionString: this.opts.appUrl,
      schema: JOB_SCHEMA,
      max: 4,
      migrate: false,
      application_name: 'dispatch-jobs',
    });
    boss.on('error', (err) => this.opts.logger.error({ err }, 'job queue error'));
    try {
      await boss.start();
      for (const apply of this.onStart) await apply(boss);
      this.boss = boss;
      this.retryMs = 1000;
    } catch (err) {
      // a failed start leaves pg-boss half started: the next attempt uses a new instance
      await boss.stop({ graceful: false, wait: true }).catch(() => {});
      if (this.stopped) return;
      this.opts.logger.warn({ err, retryInMs: this.retryMs }, 'job queue cannot start yet');
      this.timer = setTimeout(() => void this.start(), this.retryMs);
      this.timer.unref();
      this.retryMs = Math.min(this.retryMs * 2, 60_000);
    }
  }

  /** the queue is connected */
  get running(): boolean {
    return this.boss !== undefined;
  }

  private started(): PgBoss {
    if (!this.boss) throw new AppError(503, { code: 'UNAVAILABLE', messageKey: 'errors.unavailable' });
    return this.boss;
  }

  /**
   * Enqueues a job. With `tx` the job row is written in that transaction: it exists exactly when the caller's
   * writes commit.
   */
  async send(name: QueueName, data: object, opts: { tx?: Tx } = {}): Promise<string> {
    const options: PgBoss.SendOptions = {};
    if (opts.tx) {
      const tx = opts.tx;
      options.db = { executeSql: (text, values) => tx.query(text, values) };
    }
    const id = await this.started().send(name, data, options);
    if (!id) throw new Error(`job ${name} was not enqueued`);
    return id;
  }

  private whenStarted(apply: (boss: PgBoss) => Promise<unknown>): Promise<unknown> {
    this.onStart.push(apply);
    return this.boss ? apply(this.boss) : Promise.resolve();
  }

  /** Runs `handler` for each job of `name`, one at a time on this instance. */
  async work<T extends object>(name: QueueName, handler: JobHandler<T>): Promise<void> {
    const { logger, pollingIntervalSeconds } = this.opts;
    await this.whenStarted((boss) =>
      boss.work<T>(name, { batchSize: 1, pollingIntervalSeconds, includeMetadata: true }, async (jobs) => {
        for (const job of jobs) {
          const started = Date.now();
          try {
            await handler(job.data, job);
            logger.info({ job: name, jobId: job.id, ms: Date.now() - started }, 'job done');
          } catch (err) {
            logger.error({ err, job: name, jobId: job.id }, 'job failed');
            throw err;
          }
        }
      }),
    );
  }

  /** A cron schedule (pg-boss keeps one per queue name, so every instance may call this). */
  async schedule(name: QueueName, cron: string): Promise<void> {
    await this.whenStarted((boss) => boss.schedule(name, cron, {}, { tz: 'Asia/Seoul' }));
  }

  /** Jobs waiting (created or retrying, not yet active) per queue; nothing while the queue is not connected. */
  async depth(): Promise<Partial<Record<QueueName, number>>> {
    if (!this.boss) return {};
    const boss = this.boss;
    const names = Object.values(QUEUES);
    const sizes = await Promise.all(names.map((n) => boss.getQueueSize(n)));
    return Object.fromEntries(names.map((n, i) => [n, sizes[i] ?? 0]));
  }

  /** The state of a job, or undefined once it has been archived. */
  async state(name: QueueName, id: string): Promise<string | undefined> {
    const job = await this.started().getJobById(name, id);
    return job?.state;
  }

  /**
   * Enqueues a job and waits until some worker has finished it (operations scripts and tests: "run the e-mail
   * fallback now"). Resolves with the final state.
   */
  async runNow(name: QueueName, data: object = {}, timeoutMs = 60_000): Promise<string> {
    const id = await this.send(name, data);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.state(name, id);
      if (state === 'completed' || state === 'failed' || state === 'cancelled') return state;
      if (Date.now() > deadline) throw new Error(`job ${name} ${id} still ${state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const boss = this.boss;
    this.boss = undefined;
    await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}
