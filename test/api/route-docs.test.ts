// The route descriptions of split/serials/waste/admin/installers/audit (server/openapi/order-parts-admin-routes.ts) cover every
// route those modules mount, so the OpenAPI document built from them misses none.
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPartsAndAdminRouteDocs } from '../../server/openapi/order-parts-admin-routes.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** "METHOD /api/path" of every route of the routers mounted under /api. */
function mountedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) out.push(`${m.toUpperCase()} /api${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

const MINE = [
  /^\/api\/orders\/:id\/(split|serials|waste)/,
  /^\/api\/waste\//,
  /^\/api\/admin\//,
  /^\/api\/installers(\/:id.*)?$/,
  /^\/api\/audit$/,
];

describe('route descriptions', () => {
  it('describe every route of these modules exactly once', () => {
    const mine = mountedRoutes(api.app).filter((r) => MINE.some((re) => re.test(r.split(' ')[1]!)));
    const described = orderPartsAndAdminRouteDocs.map((d) => `${d.method.toUpperCase()} ${d.path}`);
    expect(mine.length).toBeGreaterThan(40);
    expect(new Set(described).size).toBe(described.length);
    expect([...new Set(mine)].sort()).toEqual([...described].sort());
  });
});

describe('OpenAPI document', () => {
  it('lists these routes with their request schemas', async () => {
    const res = await api.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>>;
    expect(paths['/api/orders/{id}/split']?.post?.requestBody).toBeDefined();
    expect(paths['/api/orders/{id}/serials']?.post?.requestBody).toBeDefined();
    expect(paths['/api/waste/summary']?.get?.parameters?.length).toBeGreaterThan(3);
    expect(paths['/api/admin/users/{id}/password']?.post?.requestBody).toBeDefined();
    expect(paths['/api/admin/waste-codes/{key}']?.patch).toBeDefined();
    expect(paths['/api/audit']?.get).toBeDefined();
  });
});
