// Finding 5 of issue 17: a lost answer to a token refresh must not lock the client out, and a session that can
// no longer authenticate says so instead of reporting "online" while its outbox never drains.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectClient, makeOrder, syncUntil, type TestClient, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('auth-refresh-');
const clients: TestClient[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const p of proxies) await p.close();
  await server?.stop();
  await db?.drop();
});

async function remarksAtHeadOffice(id: string): Promise<string | null> {
  const { rows } = await db.owner.query('SELECT remarks FROM orders WHERE id = $1', [id]);
  return rows[0].remarks;
}

describe('token refresh', () => {
  it('the answer to a refresh is lost: the client refreshes again and its outbox drains', async () => {
    const proxy = await TcpProxy.start(server.url);
    proxies.push(proxy);
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await connectClient(proxy.url, world.manager, join(dir, 'lost-refresh.sqlite'));
    clients.push(c);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');

    // the access token has expired; the head office rotates the refresh token, and its answer never arrives
    c.http.setTokens({ accessToken: 'expired.token.value' });
    proxy.cutResponses('/api/auth/refresh');
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '갱신 응답 유실' } });
    await syncUntil(c, () => c.engine.state().pending === 0, 'the outbox drained');
    expect(proxy.cutsDone).toBe(1);
    expect(c.engine.state()).toMatchObject({ status: 'online', pending: 0, failed: 0 });
    expect(await remarksAtHeadOffice(o.id)).toBe('갱신 응답 유실');

    // and the session goes on refreshing: one live token of the family, nothing revoked for good
    c.http.setTokens({ accessToken: 'expired.again' });
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '다음 갱신' } });
    await c.engine.syncNow();
    expect(c.engine.state()).toMatchObject({ status: 'online', pending: 0 });
    expect(await remarksAtHeadOffice(o.id)).toBe('다음 갱신');
    const { rows } = await db.owner.query(
      `SELECT count(*) FILTER (WHERE revoked_at IS NULL AND used_at IS NULL)::int AS live FROM refresh_tokens
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1)`,
      [world.manager.id],
    );
    expect(rows[0].live).toBe(1);
  });

  it('a used refresh token presented again after its successor was used: the family is revoked (theft)', async () => {
    const first = await server.login(world.manager.username);
    const second = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    const third = await server.request('POST', '/api/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    expect(third.status).toBe(200);
    // the first token again, although its successor has been used: copied
    const stolen = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(stolen.status).toBe(401);
    expect(stolen.body.error.code).toBe('REFRESH_REUSED');
    const after = await server.request('POST', '/api/auth/refresh', {
      body: { refreshToken: third.body.refreshToken },
    });
    expect(after.status).toBe(401);
  });

  it('a session whose tokens are revoked says it is signed out, keeps its ops, and is not "online"', async () => {
    const o = await makeOrder(db.owner, { branchId: world.branch.id });
    const c = await connectClient(server.url, world.manager, join(dir, 'revoked.sqlite'));
    clients.push(c);
    await syncUntil(c, () => c.store.getOrder(o.id) !== null, 'the order');
    await db.owner.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1', [world.manager.id]);
    c.http.setTokens({ accessToken: 'expired.token.value' });
    c.store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: '로그인 필요' } });
    const state = await c.engine.syncNow();
    expect(state).toMatchObject({ status: 'signedOut', pending: 1 });
    expect(state.lastError).toMatch(/REFRESH_INVALID/);
    // signing in again lets the outbox drain
    await c.http.login(world.manager.username, world.manager.password);
    expect(await c.engine.syncNow()).toMatchObject({ status: 'online', pending: 0 });
    expect(await remarksAtHeadOffice(o.id)).toBe('로그인 필요');
  });
});
