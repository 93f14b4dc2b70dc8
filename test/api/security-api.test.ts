// Issue 14, errors and the API description: a malformed path is the client's error, the OpenAPI document passes
// Redocly's linter, and the operational endpoints are closed unless opened on purpose.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let w: World;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
  w = await createWorld(db.owner);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

describe('malformed paths', () => {
  it('a broken percent-escape in a path is 400 in the error JSON, with or without a token', async () => {
    const token = await api.login(w.manager.username);
    for (const path of ['/api/orders/%E0%A4%A', '/api/orders/%zz/waste', '/api/settlements/%E0/lock']) {
      for (const t of [token, undefined]) {
        const method = path.endsWith('/lock') ? 'POST' : 'GET';
        const res = await api.request(method, path, { token: t, body: method === 'POST' ? {} : undefined });
        expect(res.status, path).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'VALIDATION', field: 'path' });
      }
    }
  });
});

describe('the OpenAPI document', () => {
  it('passes `redocly lint` with no errors, and every operation has an operationId and a 4xx answer', async () => {
    const res = await api.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(res.body));
      const bin = join(process.cwd(), 'node_modules', '.bin', 'redocly');
      const run = await promisify(execFile)(bin, ['lint', file, '--format', 'json'], {
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      }).catch((err: { stdout: string }) => err);
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
        problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
      };
      const errors = report.problems.filter((p) => p.severity === 'error');
      expect(errors.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.problems.filter((p) => p.ruleId.startsWith('operation-operationId'))).toEqual([]);
      // the health probe alone has no client error to describe: it answers 200 or 503
      const without4xx = report.problems.filter((p) => p.ruleId === 'operation-4xx-response');
      expect(without4xx.map((p) => p.location[0]?.pointer)).toEqual(['#/paths/~1api~1health/get/responses']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('operational endpoints', () => {
  it('/metrics, /api/docs and the document are closed by default; METRICS_TOKEN opens /metrics to its holder', async () => {
    const closed = await startTestServer(db, { config: { opsOpen: false } });
    try {
      for (const path of ['/metrics', '/api/docs', '/api/docs/swagger-ui.css', '/api/openapi.json']) {
        const res = await closed.request('GET', path);
        expect(res.status, path).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    } finally {
      await closed.stop();
    }
    const scraped = await startTestServer(db, { config: { opsOpen: false, metricsToken: 'scrape-me' } });
    try {
      expect((await scraped.request('GET', '/metrics')).status).toBe(401);
      expect((await scraped.request('GET', '/metrics', { token: 'scrape-me' })).status).toBe(200);
    } finally {
      await scraped.stop();
    }
  });

  it('the production default is closed: only OPS_ENDPOINTS=open opens them', async () => {
    const { loadConfig } = await import('../../server/config.js');
    expect(loadConfig({}).opsOpen).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).opsOpen).toBe(false);
    expect(loadConfig({ OPS_ENDPOINTS: 'open' }).opsOpen).toBe(true);
  });
});
