import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { adminRoutes } from './admin/admin.routes.js';
import { assignmentRoutes } from './assignment/assignment.routes.js';
import { attachmentsRoutes } from './attachments/attachments.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { authRoutes } from './auth/auth.routes.js';
import { createLoginThrottle } from './auth/throttle.js';
import { AccessTokens } from './auth/tokens.js';
import { type Cache, createCache } from './cache/index.js';
import type { ServerConfig } from './config.js';
import { customersRoutes } from './customers/customers.routes.js';
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
import { setCommitListener } from './db/transaction.js';
import { exportsRoutes } from './exports/exports.routes.js';
import { happyCallRoutes } from './happycalls/happy-calls.routes.js';
import { errorHandler, notFoundRoute } from './http/error-handler.js';
import type { Logger } from './logger.js';
import { noticesRoutes } from './notices/notices.routes.js';
import { notificationsRoutes } from './notifications/notifications.routes.js';
import { apiRouteDocs } from './openapi/api-routes.js';
import { openApiRoutes } from './openapi/openapi.routes.js';
import { Metrics } from './ops/metrics.js';
import { opsRoutes } from './ops/ops.routes.js';
import { requestLog } from './ops/request-log.js';
import type { Runtime } from './ops/runtime.js';
import { orderListFromCache } from './orders/order-list-cache.js';
import { ordersRoutes } from './orders/orders.routes.js';
import { serialsRoutes } from './serials/serials.routes.js';
import { settlementsRoutes } from './settlements/settlements.routes.js';
import { splitRoutes } from './splits/split.routes.js';
import { idlePullFromMemory, securityHeaders } from './sync/sync.marks.js';
import { orderOpBatchHandlers, orderOpHandlers } from './sync/sync.op-handlers.js';
import { syncRoutes } from './sync/sync.routes.js';
import { wasteRoutes } from './waste/waste.routes.js';
import { workflowRoutes } from './workflow/workflow.routes.js';

export interface AppDeps {
  /** connected as dispatch_app: every query obeys row-level security */
  pool: pg.Pool;
  config: ServerConfig;
  logger: Logger;
  /** shared store of the login throttle when REDIS_URL is set */
  redis?: Redis;
  /** default: Redis when `redis` is given, else in-process (server/cache) */
  cache?: Cache;
  /** job queue, notification hub, storage (server/ops/runtime.ts) */
  runtime: Runtime;
}

/** The head-office HTTP API, without listen(): tests and scripts mount it on their own server. */
export function createApp(deps: AppDeps): Express {
  const { pool, config, logger } = deps;
  const tokens = AccessTokens.fromConfig(config);
  const throttle = createLoginThrottle(config.throttle, deps.redis);
  const cache = deps.cache ?? createCache({ redis: deps.redis, keyPrefix: config.cacheKeyPrefix, logger });
  // Every committed transaction of this pool bumps the cache generations its writes touched (migration 0021).
  setCommitListener(pool, (touched) => cache.invalidate(touched));
  const routeDeps = { pool, config, tokens, throttle, cache, reports: deps.runtime.reports };
  const { runtime } = deps;
  const metrics = new Metrics({
    pool,
    routes: apiRouteDocs(),
    jobs: runtime.jobs,
    hub: runtime.hub,
    reports: runtime.reports,
    syncMarks: runtime.syncMarks,
  });

  const app = express();
  app.locals.cache = cache;
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // The JSON answers are never revalidated (no client sends If-None-Match): no hash of every body for an ETag.
  app.set('etag', false);
  const security = helmet();
  // an up-to-date client's no-change pull, ahead of everything (server/sync/sync.marks.ts): it writes helmet's
  // headers, the request log's line and the metrics' count itself, for less than they cost
  if (runtime.syncMarks) {
    const headers = securityHeaders(security);
    app.use(idlePullFromMemory(tokens, runtime.syncMarks, { headers, logger, metrics }));
  }
  app.use(security);
  // one line per request: what was asked and how it ended (headers may carry tokens: not logged)
  app.use(requestLog(logger, { ignore: (req) => req.url === '/api/health' }));
  app.use(metrics.middleware());
  // a cached order list, before the body parser and the routers (server/orders/order-list-cache.ts)
  const listCache = config.orderListCache ? cache : undefined;
  if (listCache) app.use(orderListFromCache(tokens, pool, listCache));
  app.use(express.json({ limit: config.bodyLimit, strict: true }));

  app.use(
    opsRoutes({
      pool,
      redis: deps.redis,
      bus: runtime.bus,
      metrics,
      metricsToken: config.metricsToken,
      opsOpen: config.opsOpen,
    }),
  );
  app.use(openApiRoutes(apiRouteDocs, { open: config.opsOpen }));
  app.use('/api', authRoutes({ ...routeDeps, hub: runtime.hub }));
  app.use('/api', ordersRoutes({ ...routeDeps, listCache }));
  app.use('/api', workflowRoutes(routeDeps));
  app.use('/api', assignmentRoutes(routeDeps));
  app.use('/api', customersRoutes(routeDeps));
  app.use('/api', dashboardRoutes(routeDeps));
  app.use('/api', settlementsRoutes(routeDeps));
  app.use('/api', notificationsRoutes({ ...routeDeps, hub: runtime.hub }));
  app.use('/api', attachmentsRoutes({ ...routeDeps, storage: runtime.storage }));
  app.use('/api', exportsRoutes({ ...routeDeps, jobs: runtime.jobs, storage: runtime.storage }));
  app.use(
    '/api',
    syncRoutes({
      ...routeDeps,
      logger,
      metrics,
      opHandlers: orderOpHandlers,
      opBatchHandlers: orderOpBatchHandlers,
      keepAliveMs: config.syncKeepAliveMs,
      marks: runtime.syncMarks,
    }),
  );
  // order parts and administration: split orders, serials, waste pick-ups and ECOAS, admin, audit
  app.use('/api', splitRoutes(routeDeps));
  app.use('/api', serialsRoutes(routeDeps));
  app.use('/api', wasteRoutes(routeDeps));
  app.use('/api', happyCallRoutes(routeDeps));
  app.use('/api', adminRoutes(routeDeps));
  app.use('/api', auditRoutes(routeDeps));
  app.use('/api', noticesRoutes({ ...routeDeps, notices: config.notices }));

  app.use('/api', notFoundRoute());
  app.use(errorHandler(logger));
  return app;
}
