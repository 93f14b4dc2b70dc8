// What a server instance runs besides HTTP: the job queue with its workers and schedules, the notification
// fan-out and SSE hub, file storage and the mailer. startServer() starts it before the app and stops it after.
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { APP_ROLE, withSetupLock } from '../../db/migrate.js';
import { withUser } from '../../db/pg/embedded.js';
import type { ServerConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { ReportReads } from '../db/reports.js';
import { withSystemTransaction } from '../db/transaction.js';
import { buildExport, sweepExpiredExports } from '../exports/export-builder.js';
import { JobQueue, prepareJobSchema, QUEUES } from '../jobs/job-queue.js';
import type { Logger } from '../logger.js';
import { startNoticeSender } from '../notices/notice-sender.js';
import { createSolapiProvider } from '../notices/solapi-provider.js';
import { attachBus, type NotificationBus, PostgresBus, RedisBus } from '../notifications/notification-bus.js';
import { createSmtpMailer, type Mailer, mailUnreadNotifications } from '../notifications/notification-email.js';
import { NotificationHub } from '../notifications/notification-stream.js';
import { ensureSettlementWeeks } from '../settlements/settlements.service.js';
import { createStorage, type Storage } from '../storage/storage.js';
import { SyncMarks } from '../sync/sync.marks.js';
import { startUpkeep } from './upkeep.js';

export interface Runtime {
  jobs: JobQueue;
  bus: NotificationBus;
  hub: NotificationHub;
  storage: Storage;
  /** undefined without SMTP_URL: no e-mail fallback */
  mailer: Mailer | undefined;
  /** where report reads go: the replica of REPORTS_DATABASE_URL when fresh enough, else the primary */
  reports: ReportReads;
  /** answers up-to-date clients' no-change pulls from memory; undefined when SYNC_MARKS_POLL_MS is 0 */
  syncMarks?: SyncMarks;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** owner connection: prepares the job schema */
  ownerUrl: string;
  /** dispatch_app connection: the job queue and the notification listener */
  appUrl: string;
  pool: pg.Pool;
  config: ServerConfig;
  logger: Logger;
  redis?: Redis;
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { pool, config, logger, redis } = opts;
  const stops: (() => unknown)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        logger.error({ err }, 'runtime shutdown step failed');
      }
    }
  };
  try {
    // under the set-up lock: instances starting together would race on creating queues and on the GRANTs
    await withSetupLock(opts.ownerUrl, () => prepareJobSchema(opts.ownerUrl, APP_ROLE));
    const storage = createStorage(config.storage);

    let replica: pg.Pool | undefined;
    if (config.reports.databaseUrl) {
      // the replica holds the same roles: dispatch_app with the primary's password
      const password = decodeURIComponent(new URL(opts.appUrl).password);
      replica = createPool(withUser(config.reports.databaseUrl, APP_ROLE, password), {
        max: Math.max(2, Math.floor(pool.options.max / 2)),
        logger,
      });
      const r = replica;
      stops.push(() => r.end());
    }
    const reports = new ReportReads({
      primary: pool,
      replica,
      maxLagSeconds: config.reports.maxLagSeconds,
      maxWaitMs: config.reports.maxWaitMs,
      logger,
    });

    let bus: NotificationBus;
    if (redis) {
      const database = decodeURIComponent(new URL(opts.appUrl).pathname.slice(1));
      const redisBus = new RedisBus(redis, `dispatch:notifications:${database}`, logger);
      await redisBus.start();
      bus = redisBus;
    } else {
      const pgBus = new PostgresBus(opts.appUrl, logger);
      await pgBus.start();
      bus = pgBus;
    }
    stops.push(() => bus.stop());
    attachBus(pool, bus);
    const hub = new NotificationHub(pool, bus, logger, config.notifications.sseHeartbeatSeconds);
    hub.start();
    stops.push(() => hub.stop());

    const mailer = config.notifications.smtpUrl
      ? createSmtpMailer(config.notifications.smtpUrl, config.notifications.mailFrom)
      : undefined;
    if (mailer) stops.push(() => mailer.close());

    const jobs = new JobQueue({
      appUrl: opts.appUrl,
      logger,
      pollingIntervalSeconds: config.jobs.pollingIntervalSeconds,
    });
    await jobs.start();
    stops.push(() => jobs.stop());

    let syncMarks: SyncMarks | undefined;
    if (config.syncMarksPollMs > 0) {
      const marks = new SyncMarks({ appUrl: opts.appUrl, pool, logger, pollMs: config.syncMarksPollMs });
      await marks.start();
      stops.push(() => marks.stop());
      syncMarks = marks;
    }

    const runtime: Runtime = { jobs, bus, hub, storage, mailer, reports, syncMarks, stop: stopAll };
    if (config.jobs.workers) {
      if (mailer) {
        await jobs.work(QUEUES.notificationEmail, async () => {
          const r = await mailUnreadNotifications({ pool, mailer, config: config.notifications, logger });
          if (r.mailed || r.failedUsers) logger.info(r, 'notification e-mails');
        });
        await jobs.schedule(QUEUES.notificationEmail, '* * * * *');
      } else {
        logger.info('SMTP_URL not set: no e-mail fallback for unread notifications');
      }
      await jobs.work<{ exportId: string; session?: string }>(QUEUES.exportBuild, (data) =>
        buildExport({ pool, storage, config, logger, reports }, data.exportId, data.session),
      );
      await jobs.work(QUEUES.exportSweep, async () => {
        await sweepExpiredExports({ pool, storage, logger });
      });
      await jobs.schedule(QUEUES.exportSweep, '17 * * * *');
      await jobs.work(QUEUES.settlementWeeks, async () => {
        const created = await withSystemTransaction(pool, (tx) => ensureSettlementWeeks(tx));
        if (created) logger.info({ created }, 'settlement weeks created');
      });
      // hourly: a branch HQ adds gets its weeks within the hour; a run that finds them all does nothing
      await jobs.schedule(QUEUES.settlementWeeks, '5 * * * *');
      // a new installation (or one that was down over a Monday) has this week at once; done before the instance
      // serves, so what a client first pulls already holds them. A database not reachable yet: the cron catches up.
      await withSystemTransaction(pool, (tx) => ensureSettlementWeeks(tx)).catch((err: Error) =>
        logger.warn({ err }, 'settlement weeks not made at start'),
      );
      const n = config.notices;
      if (n.apiKey && n.apiSecret && n.pfId && n.sender) {
        const provider = createSolapiProvider({
          baseUrl: n.baseUrl,
          apiKey: n.apiKey,
          apiSecret: n.apiSecret,
          pfId: n.pfId,
          sender: n.sender,
          timeoutMs: n.timeoutMs,
          logger,
        });
        stops.push(
          await startNoticeSender(
            { pool, jobs, provider, logger, now: n.now, coalesceSeconds: n.coalesceSeconds },
            n.dispatchSeconds,
          ),
        );
      } else {
        logger.info(
          'SOLAPI_API_KEY, SOLAPI_API_SECRET, SOLAPI_PF_ID or SOLAPI_SENDER not set: notices are queued, not sent',
        );
      }
      if (config.jobs.reportFoldSeconds > 0) {
        stops.push(startUpkeep(pool, logger, config.jobs.reportFoldSeconds * 1000));
      }
    }
    return runtime;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
