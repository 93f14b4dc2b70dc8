import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { appRolePassword, checkSchema, migrate } from '../db/migrate.js';
import { startDatabase, withUser } from '../db/pg/embedded.js';
import { createApp } from './app.js';
import { type ConfigOverrides, loadConfig, type ServerConfig } from './config.js';
import { createPool } from './db/pool.js';
import { setServerKey } from './db/transaction.js';
import { createLogger, type Logger } from './logger.js';
import { type Runtime, startRuntime } from './ops/runtime.js';

export interface StartOptions {
  /** default: PORT, else 8080; 0 picks a free port */
  port?: number;
  host?: string;
  /** Owner connection (migrations). Default: DATABASE_URL, else the embedded PostgreSQL under .data/pg. */
  ownerUrl?: string;
  /** dispatch_app connection. Default: the owner URL with dispatch_app and its password. */
  appUrl?: string;
  /**
   * apply db/migrations first (default: DB_MIGRATE_ON_START, else true); when false, the database must already
   * hold every migration this code knows. Either way a database migrated by a newer release is refused.
   */
  migrate?: boolean;
  config?: ConfigOverrides;
  logger?: Logger;
  poolMax?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  app: Express;
  pool: pg.Pool;
  config: ServerConfig;
  server: Server;
  /** job queue, notification hub, storage, mailer */
  runtime: Runtime;
  stop(): Promise<void>;
}

/** Starts the head office: database (embedded unless given), migrations, the app pool, HTTP. */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger();
  const config = loadConfig(process.env, opts.config);
  const db = opts.ownerUrl ? { url: opts.ownerUrl, stop: async () => {} } : await startDatabase();
  const cleanups: (() => Promise<unknown>)[] = [() => db.stop()];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    if (opts.migrate ?? process.env.DB_MIGRATE_ON_START !== 'false') {
      const applied = await migrate(db.url);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    } else {
      await checkSchema(db.url);
    }
    const appUrl = opts.appUrl ?? withUser(db.url, 'dispatch_app', appRolePassword());
    const pool = createPool(appUrl, {
      max: opts.poolMax,
      logger,
    });
    cleanups.push(() => pool.end());
    setServerKey(pool, config.dbServerKey);
    let redis: Redis | undefined;
    if (config.redisUrl) {
      const client = new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
      client.on('error', (err) => logger.warn({ err }, 'redis error'));
      cleanups.push(() => client.quit());
      redis = client;
    }
    const runtime = await startRuntime({ ownerUrl: db.url, appUrl, pool, config, logger, redis });
    cleanups.push(() => runtime.stop());
    const app = createApp({ pool, config, logger, redis, runtime });
    const port = opts.port ?? Number(process.env.PORT ?? 8080);
    const host = opts.host ?? process.env.HOST;
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(port, host ?? '::', (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const actualPort = (server.address() as AddressInfo).port;
    const shownHost = host && host !== '::' && host !== '0.0.0.0' ? host : '127.0.0.1';
    return {
      url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actualPort}`,
      port: actualPort,
      app,
      pool,
      config,
      server,
      runtime,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
