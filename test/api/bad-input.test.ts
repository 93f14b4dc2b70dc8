// Bad input anywhere gets a 400 naming the field and changes nothing — never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenPair } from '../../server/auth/auth.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createOrder, createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let w: World;
let hq: TokenPair;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
  w = await createWorld(db.owner);
  hq = await api.login(w.hq.username);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const junk: { what: string; rawBody?: string; body?: unknown; headers?: Record<string, string> }[] = [
  { what: 'malformed JSON', rawBody: '{"version": 1,' },
  { what: 'JSON null', rawBody: 'null' },
  { what: 'a JSON string', rawBody: '"hello"' },
  { what: 'an array', body: [1, 2, 3] },
  { what: 'an empty object', body: {} },
  { what: 'a version as text', body: { version: '1' } },
  { what: 'a negative version', body: { version: -1 } },
  { what: 'an unknown field', body: { version: 1, sneaky: true } },
  { what: 'a huge number', body: { version: 1e308 } },
  { what: 'nested junk', body: { version: 1, status: { $ne: 1 }, address: [null] } },
  { what: 'text/plain', rawBody: 'version=1', headers: { 'content-type': 'text/plain' } },
  { what: 'no body at all' },
];

describe('every write endpoint answers junk with 400 and writes nothing', () => {
  it('orders, status, appointment, assignment, settlements, password', async () => {
    const order = await createOrder(db.owner, { branchId: w.branch.id, installerId: w.installer.id, status: '배정' });
    expect(await api.runtime.jobs.runNow('settlement-weeks')).toBe('completed');
    const settlements = await api.request('GET', `/api/settlements?branchId=${w.branch.id}`, { token: hq });
    const week = settlements.body.items[0].id as string;
    const endpoints: [string, string][] = [
      ['POST', '/api/orders'],
      ['PATCH', `/api/orders/${order.id}`],
      ['POST', `/api/orders/${order.id}/status`],
      ['POST', `/api/orders/${order.id}/appointment`],
      ['POST', `/api/orders/${order.id}/assign`],
      ['POST', `/api/orders/${order.id}/unassign`],
      ['POST', `/api/settlements/${week}/lock`],
      ['POST', '/api/auth/password'],
      ['POST', '/api/auth/login'],
      ['POST', '/api/auth/refresh'],
    ];
    const wrong: string[] = [];
    for (const [method, path] of endpoints) {
      for (const j of junk) {
        // an empty body is a valid unassign/lock only with a version, which none of these carry
        const r = await api.request(method, path, { token: hq, body: j.body, rawBody: j.rawBody, headers: j.headers });
        if (r.status !== 400 || r.body?.error?.code !== 'VALIDATION' || !r.body.error.field) {
          wrong.push(`${method} ${path} with ${j.what}: ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    const { rows } = await db.owner.query('SELECT version FROM orders WHERE id = $1', [order.id]);
    expect(rows[0].version).toBe(1);
    const periods = await db.owner.query('SELECT max(version) AS v FROM settlement_periods WHERE branch_id = $1', [
      w.branch.id,
    ]);
    expect(periods.rows[0].v).toBe(1);
  });

  it('query strings: repeated, bracketed and out-of-range parameters', async () => {
    const cases: [string, string][] = [
      ['/api/orders?limit=1&limit=2', 'limit'],
      ['/api/orders?branchId[]=x', 'branchId[]'],
      ['/api/orders?limit=0', 'limit'],
      ['/api/orders?sort=createdAt;DROP', 'sort'],
      ['/api/orders?installerId=1', 'installerId'],
      ['/api/orders?to=2020-02-30', 'to'],
      ['/api/dashboard/progress?from=0001-01-01&to=9999-12-31', 'to'],
      [`/api/settlements?branchId=${w.branch.id}&from=1900-01-01`, 'to'],
      ['/api/installers/assignable?date=tomorrow', 'date'],
      ['/api/orders/..%2F..%2Fetc', 'id'],
      [`/api/orders?version=1`, 'version'],
    ];
    const wrong: string[] = [];
    for (const [path, field] of cases) {
      const r = await api.request('GET', path, { token: hq });
      if (r.status !== 400 || r.body.error.field !== field)
        wrong.push(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    expect(wrong).toEqual([]);
    // a version beyond PostgreSQL's integer is simply not the current one
    const order = await createOrder(db.owner, { branchId: w.branch.id });
    const big = await api.request('PATCH', `/api/orders/${order.id}`, {
      token: hq,
      body: { version: 3_000_000_000, remarks: 'x' },
    });
    expect(big.status).toBe(409);
    const del = await api.request('DELETE', '/api/orders/00000000-0000-4000-8000-000000000000?version=abc', {
      token: hq,
    });
    expect(del.status).toBe(400);
    expect(del.body.error.field).toBe('version');
  });
});
