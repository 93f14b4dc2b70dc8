import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import { assignmentRoutes } from './assignment/assignment.routes.js';
import { authRoutes } from './auth/auth.routes.js';
import { createLoginThrottle } from './auth/throttle.js';
import { AccessTokens } from './auth/tokens.js';
import type { ServerConfig } from './config.js';
import { customersRoutes } from './customers/customers.routes.js';
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
import { errorHandler, notFoundRoute } from './http/error-handler.js';
import type { Logger } from './logger.js';
import { ordersRoutes } from './orders/orders.routes.js';
import { settlementsRoutes } from './settlements/settlements.routes.js';
import { orderOpHandlers } from './sync/sync.op-handlers.js';
import { syncRoutes } from './sync/sync.routes.js';
import { workflowRoutes } from './workflow/workflow.routes.js';

export interface AppDeps {
  /** connected as dispatch_app: every query obeys row-level security */
  pool: pg.Pool;
  config: ServerConfig;
  logger: Logger;
  /** shared store of the login throttle when REDIS_URL is set */
  redis?: Redis;
}

/** The head-office HTTP API, without listen(): tests and scripts mount it on their own server. */
export function createApp(deps: AppDeps): Express {
  const { pool, config, logger } = deps;
  const tokens = AccessTokens.fromConfig(config);
  const throttle = createLoginThrottle(config.throttle, deps.redis);
  const routeDeps = { pool, config, tokens, throttle };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(helmet());
  app.use(
    pinoHttp({
      logger,
      autoLogging: { ignore: (req) => req.url === '/api/health' },
      // one line per request: what was asked and how it ended (headers may carry tokens)
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(express.json({ limit: config.bodyLimit, strict: true }));

  app.get('/api/health', async (_req, res) => {
    await pool.query('SELECT 1');
    res.json({ ok: true });
  });
  app.use('/api', authRoutes(routeDeps));
  app.use('/api', ordersRoutes(routeDeps));
  app.use('/api', workflowRoutes(routeDeps));
  app.use('/api', assignmentRoutes(routeDeps));
  app.use('/api', customersRoutes(routeDeps));
  app.use('/api', dashboardRoutes(routeDeps));
  app.use('/api', settlementsRoutes(routeDeps));
  app.use('/api', syncRoutes({ ...routeDeps, logger, opHandlers: orderOpHandlers }));

  app.use('/api', notFoundRoute());
  app.use(errorHandler(logger));
  return app;
}
