// An in-process head office on a random port over a test database (see db.ts), for tests through HTTP.
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type pg from 'pg';
import type { TokenPair } from '../../server/auth/auth.service.js';
import type { Cache } from '../../server/cache/index.js';
import type { ConfigOverrides } from '../../server/config.js';
import { createLogger, type Logger } from '../../server/logger.js';
import type { Runtime } from '../../server/ops/runtime.js';
import { startServer } from '../../server/start.js';
import type { TestDatabase } from './db.js';
import { DEFAULT_PASSWORD } from './fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  /** an access token, or the pair login() returned */
  token?: string | TokenPair;
  body?: unknown;
  /** sent as is, e.g. malformed JSON */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  app: Express;
  /** the dispatch_app pool the server uses */
  pool: pg.Pool;
  /** the JWT secret, to forge tokens in tests (e.g. an expired one) */
  jwtSecret: string;
  /** the server's cache (server/cache): Redis when REDIS_URL is set, else in-process */
  cache: Cache;
  /** job queue, notification hub, storage: e.g. runtime.jobs.runNow(…) runs a scheduled job now */
  runtime: Runtime;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  /** POST /api/auth/login (default: the fixtures' password); throws unless 200 */
  login(username: string, password?: string): Promise<TokenPair>;
  stop(): Promise<void>;
}

export async function startTestServer(
  db: TestDatabase,
  opts: { config?: ConfigOverrides; poolMax?: number; logger?: Logger } = {},
): Promise<TestServer> {
  const jwtSecret = opts.config?.jwtSecret ?? randomBytes(32).toString('base64url');
  const running = await startServer({
    ownerUrl: db.ownerUrl,
    appUrl: db.appUrl,
    migrate: false, // the test database is a clone of the migrated template
    port: 0,
    host: '127.0.0.1',
    poolMax: opts.poolMax ?? 8,
    logger: opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    config: {
      jwtSecret,
      // one Redis may serve many test files at once: each server gets its own cache keys unless told to share
      cacheKeyPrefix: `test:${randomBytes(6).toString('hex')}:cache`,
      // the tests of /metrics and /api/docs read them; security-api.test.ts checks they are closed by default
      opsOpen: true,
      ...opts.config,
      // one Redis may serve many test files at once: each server gets its own throttle keys
      throttle: { keyPrefix: `test:${randomBytes(6).toString('hex')}`, ...opts.config?.throttle },
    },
  });

  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...o.headers };
    const token = typeof o.token === 'string' ? o.token : o.token?.accessToken;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${running.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  return {
    url: running.url,
    app: running.app,
    pool: running.pool,
    jwtSecret,
    cache: running.app.locals.cache as Cache,
    runtime: running.runtime,
    request,
    async login(username, password = DEFAULT_PASSWORD) {
      const res = await request<TokenPair>('POST', '/api/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    stop: () => running.stop(),
  };
}
