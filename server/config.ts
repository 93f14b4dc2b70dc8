import { join } from 'node:path';
import { dataRoot, persistentSecret } from '../db/pg/data-dir.js';
import { dbServerKey } from '../db/server-key.js';
import { loginThrottleRules, type ThrottleRule } from '../domain/login-throttle.js';

export type { ThrottleRule };

export interface ServerConfig {
  /** HS256 key of the access tokens */
  jwtSecret: string;
  /** DB_SERVER_KEY: the server's proof to the database for the SYSTEM context and login salts (migration 0074) */
  dbServerKey: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Redis for the login throttle (shared between instances); unset → in-process memory */
  redisUrl: string | undefined;
  /** Express "trust proxy": set when a reverse proxy forwards the client address */
  trustProxy: boolean | number | string;
  bodyLimit: string;
  /** prefix of the cache's keys (server/cache), so deployments sharing one Redis keep apart */
  cacheKeyPrefix: string;
  throttle: {
    /** prefix of the limiter keys, so several deployments (or test files) can share one Redis */
    keyPrefix: string;
    /** failures of one username from one address: the clerk's own typos, or an attacker at one address */
    perUserAddress: ThrottleRule;
    /** failures of one username from all addresses: the slower back-off against guesses spread over many */
    perUsername: ThrottleRule;
    /** failures from one address over all usernames: high, since a branch office shares one NAT address */
    perIp: ThrottleRule;
  };
  /** FR-11: live push and the e-mail fallback */
  notifications: {
    /** unread notifications older than this are mailed once (NOTIFY_EMAIL_AFTER_MINUTES) */
    emailAfterMinutes: number;
    /** older unread notifications are not mailed any more (a mail outage must not end in a flood) */
    emailMaxAgeHours: number;
    /** SMTP server (nodemailer URL, e.g. smtp://user:pass@host:587); unset → no e-mail fallback */
    smtpUrl: string | undefined;
    mailFrom: string;
    /** comment lines on idle SSE streams so proxies and the client notice a dead connection */
    sseHeartbeatSeconds: number;
  };
  /** attachments and export files */
  storage: {
    driver: 'local' | 's3';
    /** local driver: root folder (STORAGE_DIR) */
    dir: string;
    s3: {
      bucket: string | undefined;
      endpoint: string | undefined;
      region: string | undefined;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      /** key prefix inside the bucket, so one bucket can serve several deployments */
      prefix: string;
    };
  };
  /** background jobs (pg-boss on the same PostgreSQL) */
  jobs: {
    /** false: this instance enqueues but runs no workers (e.g. a read-only API node) */
    workers: boolean;
    pollingIntervalSeconds: number;
    exportTtlHours: number;
    /** how often the report rollups' deltas are folded (REPORT_FOLD_SECONDS; 0: never); see server/ops/upkeep.ts */
    reportFoldSeconds: number;
  };
  /** report reads (FR-07, FR-08, exports) on a streaming replica (server/db/reports.ts) */
  reports: {
    /** REPORTS_DATABASE_URL: the replica, as the owner's URL (the server logs in there as dispatch_app) */
    databaseUrl: string | undefined;
    /** a replica not caught up for longer is not waited for (REPORTS_MAX_LAG_SECONDS) */
    maxLagSeconds: number;
    /** how long a read waits for the replica to replay what the primary had written (REPORTS_MAX_WAIT_MS) */
    maxWaitMs: number;
  };
  /** appointment notices to customers (server/notices): the SOLAPI account and how sending behaves */
  notices: {
    /** SOLAPI's base URL (SOLAPI_BASE_URL, default https://api.solapi.com; the simulator's in tests and the demo) */
    baseUrl: string;
    /** SOLAPI_API_KEY / SOLAPI_API_SECRET: unset → notices are queued but not sent */
    apiKey: string | undefined;
    apiSecret: string | undefined;
    /** the KakaoTalk channel's pfId (SOLAPI_PF_ID) and the registered sender number (SOLAPI_SENDER) */
    pfId: string | undefined;
    sender: string | undefined;
    /** the shared secret the provider's delivery-report webhook sends (NOTICE_WEBHOOK_SECRET); unset → refused */
    webhookSecret: string | undefined;
    /** a provider call not answered within this is a time-out, retried (NOTICE_PROVIDER_TIMEOUT_MS) */
    timeoutMs: number;
    /** how often queued and held notices are handed to the job queue (NOTICE_DISPATCH_SECONDS; 0: never) */
    dispatchSeconds: number;
    /**
     * a queued notice waits this long before it is handed over (NOTICE_COALESCE_SECONDS): the 해피콜 screen's
     * window change and call, or two quick edits, supersede each other and the customer gets one message (0118)
     */
    coalesceSeconds: number;
    /** the clock of quiet hours and holds: tests set it (never from the environment) */
    now: () => Date;
  };
  /** GET /metrics needs `Authorization: Bearer <token>` when set (METRICS_TOKEN) */
  metricsToken: string | undefined;
  /**
   * /metrics (without METRICS_TOKEN), /api/docs and /api/openapi.json open to anyone (OPS_ENDPOINTS=open). Closed
   * (404) by default: they tell an outsider the routes, versions and load; the demo (npm start) opens them.
   */
  opsOpen: boolean;
  /**
   * A sync push or pull not answered within this long is held: its head goes out and a space every period after
   * it, so the branch client (which gives a request up after 15 s without a byte) sees a live connection
   * (SYNC_KEEPALIVE_MS; server/http/held-answer.ts).
   */
  syncKeepAliveMs: number;
  /**
   * How often an instance polls the scope notes to answer up-to-date clients' no-change pulls from memory
   * (SYNC_MARKS_POLL_MS, default 1000; 0: every pull takes the database path). server/sync/sync.marks.ts.
   */
  syncMarksPollMs: number;
  /**
   * The order list's answer cache (ORDER_LIST_CACHE, default on; `0` or `false`: every list runs its query —
   * bench:load's "uncached" figure). server/orders/order-list-cache.ts, docs/cache.md.
   */
  orderListCache: boolean;
}

export type ConfigOverrides = Partial<
  Omit<ServerConfig, 'throttle' | 'notifications' | 'storage' | 'jobs' | 'reports' | 'notices'>
> & {
  notices?: Partial<ServerConfig['notices']>;
  reports?: Partial<ServerConfig['reports']>;
  throttle?: Partial<ServerConfig['throttle']>;
  notifications?: Partial<ServerConfig['notifications']>;
  storage?: Partial<ServerConfig['storage']>;
  jobs?: Partial<ServerConfig['jobs']>;
};

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function trustProxyFromEnv(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^[0-9]+$/.test(raw) ? Number(raw) : raw;
}

/** The server's settings from the environment; `overrides` wins (tests, scripts). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): ServerConfig {
  const base: ServerConfig = {
    jwtSecret: overrides.jwtSecret ?? persistentSecret('JWT_SECRET', 'jwt_secret', 48),
    dbServerKey: overrides.dbServerKey ?? dbServerKey(),
    accessTokenTtlSeconds: intFromEnv(env, 'ACCESS_TOKEN_TTL_SECONDS', 15 * 60),
    refreshTokenTtlSeconds: intFromEnv(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600),
    redisUrl: env.REDIS_URL || undefined,
    trustProxy: trustProxyFromEnv(env.TRUST_PROXY),
    bodyLimit: env.BODY_LIMIT ?? '1mb',
    cacheKeyPrefix: env.CACHE_KEY_PREFIX ?? 'dispatch:cache',
    throttle: {
      keyPrefix: env.THROTTLE_KEY_PREFIX ?? 'dispatch:login',
      // the numbers are domain/login-throttle.ts's, which db:migrate also gives the database (0075)
      ...loginThrottleRules(env),
    },
    notifications: {
      emailAfterMinutes: intFromEnv(env, 'NOTIFY_EMAIL_AFTER_MINUTES', 15),
      emailMaxAgeHours: intFromEnv(env, 'NOTIFY_EMAIL_MAX_AGE_HOURS', 48),
      smtpUrl: env.SMTP_URL || undefined,
      mailFrom: env.MAIL_FROM ?? 'Branch Dispatch <dispatch@localhost>',
      sseHeartbeatSeconds: intFromEnv(env, 'SSE_HEARTBEAT_SECONDS', 25),
    },
    storage: {
      driver: env.S3_BUCKET ? 's3' : 'local',
      dir: env.STORAGE_DIR || join(dataRoot, 'storage'),
      s3: {
        bucket: env.S3_BUCKET || undefined,
        endpoint: env.S3_ENDPOINT || undefined,
        region: env.S3_REGION || undefined,
        accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
        prefix: env.S3_PREFIX ?? '',
      },
    },
    jobs: {
      workers: env.JOB_WORKERS !== 'false',
      pollingIntervalSeconds: intFromEnv(env, 'JOB_POLLING_INTERVAL_SECONDS', 2),
      exportTtlHours: intFromEnv(env, 'EXPORT_TTL_HOURS', 24),
      reportFoldSeconds: intFromEnv(env, 'REPORT_FOLD_SECONDS', 5),
    },
    reports: {
      databaseUrl: env.REPORTS_DATABASE_URL || undefined,
      maxLagSeconds: intFromEnv(env, 'REPORTS_MAX_LAG_SECONDS', 30),
      maxWaitMs: intFromEnv(env, 'REPORTS_MAX_WAIT_MS', 500),
    },
    notices: {
      baseUrl: env.SOLAPI_BASE_URL || 'https://api.solapi.com',
      apiKey: env.SOLAPI_API_KEY || undefined,
      apiSecret: env.SOLAPI_API_SECRET || undefined,
      pfId: env.SOLAPI_PF_ID || undefined,
      sender: env.SOLAPI_SENDER || undefined,
      webhookSecret: env.NOTICE_WEBHOOK_SECRET || undefined,
      timeoutMs: intFromEnv(env, 'NOTICE_PROVIDER_TIMEOUT_MS', 10_000),
      dispatchSeconds: intFromEnv(env, 'NOTICE_DISPATCH_SECONDS', 5),
      coalesceSeconds: intFromEnv(env, 'NOTICE_COALESCE_SECONDS', 20),
      now: () => new Date(),
    },
    metricsToken: env.METRICS_TOKEN || undefined,
    opsOpen: env.OPS_ENDPOINTS === 'open',
    syncKeepAliveMs: intFromEnv(env, 'SYNC_KEEPALIVE_MS', 5000),
    syncMarksPollMs: intFromEnv(env, 'SYNC_MARKS_POLL_MS', 1000),
    orderListCache: !['0', 'false'].includes(env.ORDER_LIST_CACHE ?? ''),
  };
  const { throttle, notifications, storage, jobs, reports, notices, ...rest } = overrides;
  return {
    ...base,
    ...rest,
    throttle: { ...base.throttle, ...throttle },
    notifications: { ...base.notifications, ...notifications },
    storage: { ...base.storage, ...storage },
    jobs: { ...base.jobs, ...jobs },
    reports: { ...base.reports, ...reports },
    notices: { ...base.notices, ...notices },
  };
}
