// Operations endpoints: GET /api/health for load balancers and monitors, GET /metrics for Prometheus.
import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '../http/errors.js';
import type { NotificationBus } from '../notifications/notification-bus.js';
import { describeRoutes } from '../openapi/registry.js';
import type { Metrics } from './metrics.js';

const CHECK_TIMEOUT_MS = 2000;

type CheckStatus = 'up' | 'down' | 'disabled';
interface Check {
  status: CheckStatus;
  latencyMs?: number;
  error?: string;
}

async function timed(check: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsDeps {
  pool: pg.Pool;
  redis?: Redis;
  bus?: NotificationBus;
  metrics: Metrics;
  metricsToken?: string;
  /** /metrics open to anyone when no METRICS_TOKEN is set (ServerConfig.opsOpen); else 404 */
  opsOpen?: boolean;
}

export interface Health {
  /** ok: all up; degraded: the database is up but something optional is not; down: the database is not */
  status: 'ok' | 'degraded' | 'down';
  checks: { database: Check; redis: Check; notifications: Check };
}

export async function health(deps: OpsDeps): Promise<Health> {
  const [database, redis] = await Promise.all([
    timed(() => deps.pool.query('SELECT 1')),
    deps.redis ? timed(() => deps.redis!.ping()) : Promise.resolve<Check>({ status: 'disabled' }),
  ]);
  const notifications: Check = deps.bus ? { status: deps.bus.connected() ? 'up' : 'down' } : { status: 'disabled' };
  const status =
    database.status !== 'up' ? 'down' : redis.status === 'down' || notifications.status === 'down' ? 'degraded' : 'ok';
  return { status, checks: { database, redis, notifications } };
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function opsRoutes(deps: OpsDeps): Router {
  const r = Router();
  r.get('/api/health', async (_req, res) => {
    const h = await health(deps);
    // without its database the instance can serve nothing: take it out of the load balancer
    res.status(h.status === 'down' ? 503 : 200).json(h);
  });
  r.get('/metrics', async (req, res) => {
    if (deps.metricsToken) {
      const m = req.get('authorization')?.match(/^Bearer\s+(\S+)$/i);
      if (!m?.[1] || !sameToken(m[1], deps.metricsToken)) throw new UnauthorizedError();
    } else if (!deps.opsOpen) {
      throw new NotFoundError('route');
    }
    const body = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).send(body);
  });
  return r;
}

const check = z.object({
  status: z.enum(['up', 'down', 'disabled']),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
});
const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    checks: z.object({ database: check, redis: check, notifications: check }),
  })
  .meta({ id: 'Health' });

export const opsRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/health',
    action: 'public',
    tag: 'operations',
    summary: 'Health of this instance: database, Redis, notification fan-out',
    responses: {
      200: { description: 'the database is up (status ok or degraded)', schema: healthSchema },
      503: { description: 'the database is down', schema: healthSchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    action: 'public',
    tag: 'operations',
    summary: 'Prometheus metrics (Bearer METRICS_TOKEN when that is set)',
    description:
      'http_request_duration_seconds{method,route,status_code}, db_pool_connections{state}, ' +
      'job_queue_depth{queue}, notification_streams, and the Node.js process defaults.',
    responses: {
      200: { description: 'text exposition format', contentType: 'text/plain', schema: z.string() },
      401: { description: 'METRICS_TOKEN is set and was not given' },
      404: { description: 'closed: no METRICS_TOKEN set and OPS_ENDPOINTS is not open' },
    },
  },
);
