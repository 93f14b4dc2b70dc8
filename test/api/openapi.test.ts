import type { Express } from 'express';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../../server/openapi/document.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read loosely
let doc: any;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
  const res = await api.request('GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  rawPath?: string;
  handle?: { stack?: Layer[] };
}

/** Every route the Express app will answer: its own and those of every mounted router, with mount prefixes. */
function mountedRoutes(app: Express): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          out.push({ method, path: prefix + layer.route.path });
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

function documented(): { method: string; path: string; op: { security?: unknown[]; 'x-action': string } }[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    // biome-ignore lint/suspicious/noExplicitAny: see above
    Object.entries(ops as Record<string, any>).map(([method, op]) => ({ method, path, op })),
  );
}

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3 document built from the zod schemas', () => {
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const create = doc.paths['/api/exports'].post;
    expect(create['x-action']).toBe('exports.create');
    expect(create.responses['202'].content['application/json'].schema.$ref).toBe('#/components/schemas/Export');
    const status = doc.paths['/api/orders/{id}/status'].post.requestBody.content['application/json'].schema;
    expect(status.required).toEqual(expect.arrayContaining(['version', 'status']));
    expect(status.properties.status.enum).toContain('부재');
    const upload = doc.paths['/api/orders/{id}/attachments'].post.requestBody.content;
    expect(upload['multipart/form-data'].schema.properties.file).toEqual({ type: 'string', format: 'binary' });
    expect(doc.components.schemas.Error.properties.error.properties.field).toBeDefined();
  });

  it('describes every route mounted on the app, and nothing that is not mounted', () => {
    const mounted = mountedRoutes(api.app).map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
    const described = documented().map((d) => `${d.method.toUpperCase()} ${d.path}`);
    expect(mounted.length).toBeGreaterThan(30);
    // a route added without a description in its module's route docs (server/openapi/api-routes.ts) shows here
    expect(mounted.filter((r) => !described.includes(r))).toEqual([]);
    expect(described.filter((d) => !mounted.includes(d))).toEqual([]);
    expect(new Set(mounted).size).toBe(mounted.length);
  });

  it('the security it states is the one the routes enforce: without a token, 401 exactly where it says so', async () => {
    const uuid = '0190a3c2-0000-7000-8000-000000000000';
    for (const { method, path, op } of documented()) {
      const url = path.replace(/\{[^}]+\}/g, uuid);
      const res = await fetch(`${api.url}${url}`, { method: method.toUpperCase() });
      await res.arrayBuffer();
      const key = `${method.toUpperCase()} ${path}`;
      if (op['x-action'] === 'public') {
        expect(res.status, key).not.toBe(401);
        expect(op.security, key).toEqual([]);
      } else {
        expect(res.status, key).toBe(401);
        expect(op.security, key).toEqual([{ bearerAuth: [] }]);
      }
    }
  });
});

describe('GET /api/docs', () => {
  it('serves Swagger UI from the package itself (no CDN) pointed at the document', async () => {
    const page = await fetch(`${api.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="swagger-ui"></div>');
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/api/docs/swagger-ui.css', '/api/docs/swagger-ui-bundle.js']) {
      expect(html).toContain(asset);
      const res = await fetch(`${api.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(10_000);
    }
    const init = await (await fetch(`${api.url}/api/docs/swagger-initializer.js`)).text();
    expect(init).toContain("url: '/api/openapi.json'");
  });

  it('renders in a real browser under the server’s Content-Security-Policy, listing the operations', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${api.url}/api/docs`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
      const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.trim()));
      expect(paths).toContain('/api/notifications/stream');
      expect(paths).toContain('/api/orders/{id}/attachments');
      expect(paths.length).toBe(Object.values(doc.paths).flatMap((p) => Object.keys(p as object)).length);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
