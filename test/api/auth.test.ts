import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createPool } from '../../server/db/pool.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { auditRows, createUser, createWorld, DEFAULT_PASSWORD, type World } from '../support/fixtures.js';
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

describe('login', () => {
  it('returns an access token, a refresh token and the session user; /api/me answers with it', async () => {
    const pair = await api.login(w.manager.username);
    expect(pair.tokenType).toBe('Bearer');
    expect(pair.user).toMatchObject({ id: w.manager.id, role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const me = await api.request('GET', '/api/me', { token: pair });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: w.manager.id, username: w.manager.username, role: 'BRANCH_MANAGER' });
    expect(me.body.actions).toContain('orders.assign');
    expect(me.body.actions).not.toContain('settlements.unlock');
  });

  it('an installer login carries its installer record', async () => {
    const me = await api.request('GET', '/api/me', { token: await api.login(w.installerUser.username) });
    expect(me.body).toMatchObject({ role: 'INSTALLER', installerId: w.installer.id });
  });

  it('answers an unknown user and a wrong password identically', async () => {
    const unknown = await api.request('POST', '/api/auth/login', {
      body: { username: 'nobody_here', password: DEFAULT_PASSWORD },
    });
    const wrong = await api.request('POST', '/api/auth/login', {
      body: { username: w.hq.username, password: 'not the password' },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    expect(wrong.body.error.message).toBe('아이디 또는 비밀번호가 올바르지 않습니다.');
  });

  it('names the missing or unknown field, and rejects malformed JSON with 400', async () => {
    const missing = await api.request('POST', '/api/auth/login', { body: { password: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION', field: 'username' });

    const extra = await api.request('POST', '/api/auth/login', {
      body: { username: 'a', password: 'b', remember: true },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatchObject({ code: 'VALIDATION', field: 'remember' });

    const malformed = await api.request('POST', '/api/auth/login', { rawBody: '{"username": "a",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'VALIDATION', field: 'body' });
  });

  it('refuses an inactive user even with the right password', async () => {
    const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id, isActive: false });
    const res = await api.request('POST', '/api/auth/login', { body: { username: u.username, password: u.password } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('ACCOUNT_INACTIVE');
  });

  it('speaks the language the caller asks for, else the user’s own', async () => {
    const en = await api.request('POST', '/api/auth/login', {
      body: { username: 'nobody', password: 'x' },
      headers: { 'accept-language': 'en-US,en;q=0.9' },
    });
    expect(en.body.error.message).toBe('Wrong username or password.');

    const english = await createUser(db.owner, { role: 'HQ_ADMIN', locale: 'en' });
    const pair = await api.login(english.username);
    const res = await api.request('POST', '/api/auth/password', {
      token: pair,
      body: { currentPassword: english.password, newPassword: 'short' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('Invalid value: newPassword');
  });
});

describe('throttling', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer(db, {
      config: {
        throttle: {
          perUsername: { points: 3, durationSeconds: 600 },
          perIp: { points: 50, durationSeconds: 600 },
        },
      },
    });
  });
  afterAll(async () => {
    await strict?.stop();
  });

  it('after too many failures for one username, even the right password gets 429 with Retry-After', async () => {
    const u = await createUser(db.owner, { role: 'HQ_ADMIN' });
    for (let i = 0; i < 3; i++) {
      const r = await strict.request('POST', '/api/auth/login', { body: { username: u.username, password: 'wrong' } });
      expect(r.status).toBe(401);
    }
    const blocked = await strict.request('POST', '/api/auth/login', {
      body: { username: u.username, password: u.password },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('THROTTLED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a successful login forgets the failures of that username', async () => {
    const u = await createUser(db.owner, { role: 'HQ_ADMIN' });
    for (let i = 0; i < 2; i++) {
      await strict.request('POST', '/api/auth/login', { body: { username: u.username, password: 'wrong' } });
    }
    await strict.login(u.username, u.password);
    for (let i = 0; i < 2; i++) {
      const r = await strict.request('POST', '/api/auth/login', { body: { username: u.username, password: 'wrong' } });
      expect(r.status).toBe(401);
    }
    expect(
      (await strict.request('POST', '/api/auth/login', { body: { username: u.username, password: u.password } }))
        .status,
    ).toBe(200);
  });

  it('one address guessing across many usernames is throttled too', async () => {
    const perIp = await startTestServer(db, {
      config: {
        throttle: { perUsername: { points: 100, durationSeconds: 600 }, perIp: { points: 4, durationSeconds: 600 } },
      },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await perIp.request('POST', '/api/auth/login', { body: { username: `guess_${i}`, password: 'x' } });
        statuses.push(r.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
    } finally {
      await perIp.stop();
    }
  });
});

describe('tokens', () => {
  it('a refresh rotates the token; presenting the used one again revokes the whole family', async () => {
    const first = await api.login(w.coordinator.username);
    const second = await api.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect((await api.request('GET', '/api/me', { token: second.body.accessToken })).status).toBe(200);

    const replay = await api.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('REFRESH_REUSED');
    // the legitimate successor is revoked with its family
    const successor = await api.request('POST', '/api/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    expect(successor.status).toBe(401);
    // other sessions of the same user are untouched
    const other = await api.login(w.coordinator.username);
    expect(
      (await api.request('POST', '/api/auth/refresh', { body: { refreshToken: other.refreshToken } })).status,
    ).toBe(200);
  });

  it('refresh and logout name a missing token field', async () => {
    for (const path of ['/api/auth/refresh', '/api/auth/logout']) {
      const r = await api.request('POST', path, { body: {} });
      expect(r.status, path).toBe(400);
      expect(r.body.error.field, path).toBe('refreshToken');
    }
  });

  it('refresh tokens are stored hashed', async () => {
    const pair = await api.login(w.hq.username);
    const { rows } = await db.owner.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE token_hash = $1', [
      pair.refreshToken,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('an expired refresh token, a logged-out one and a deactivated user’s one are refused', async () => {
    const expired = await api.login(w.hq.username);
    await db.owner.query(
      `UPDATE refresh_tokens SET expires_at = now() - interval '1 second'
        WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`,
      [w.hq.id],
    );
    const r1 = await api.request('POST', '/api/auth/refresh', { body: { refreshToken: expired.refreshToken } });
    expect(r1.status).toBe(401);
    expect(r1.body.error.code).toBe('REFRESH_INVALID');

    const out = await api.login(w.hq.username);
    expect((await api.request('POST', '/api/auth/logout', { body: { refreshToken: out.refreshToken } })).status).toBe(
      204,
    );
    expect((await api.request('POST', '/api/auth/refresh', { body: { refreshToken: out.refreshToken } })).status).toBe(
      401,
    );

    const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const pair = await api.login(u.username);
    await db.owner.query('UPDATE users SET is_active = false WHERE id = $1', [u.id]);
    const r3 = await api.request('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } });
    expect(r3.status).toBe(401);
    expect(r3.body.error.code).toBe('ACCOUNT_INACTIVE');
  });

  it('an expired access token gets 401 TOKEN_EXPIRED; a forged or missing one 401', async () => {
    const key = new TextEncoder().encode(api.jwtSecret);
    const claims = { sid: randomUUID(), usr: w.hq.username, role: 'HQ_ADMIN', br: null, pt: null, loc: 'ko' };
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(w.hq.id)
      .setIssuer('branch-dispatch')
      .setAudience('dispatch-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    const r1 = await api.request('GET', '/api/me', { token: expired });
    expect(r1.status).toBe(401);
    expect(r1.body.error.code).toBe('TOKEN_EXPIRED');

    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(w.hq.id)
      .setIssuer('branch-dispatch')
      .setAudience('dispatch-api')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another secret entirely, 32 bytes+'));
    const r2 = await api.request('GET', '/api/me', { token: forged });
    expect(r2.status).toBe(401);
    expect(r2.body.error.code).toBe('UNAUTHORIZED');

    const r3 = await api.request('GET', '/api/me');
    expect(r3.status).toBe(401);
    expect(r3.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('a signed-in session follows the account as head office changes it', () => {
  // The access token lives 15 minutes; these changes must take effect on the very next request.
  const get = (token: Awaited<ReturnType<TestServer['login']>>) => api.request('GET', '/api/orders?limit=1', { token });

  it('deactivating a user ends their session at once, and their pushed ops are not touched', async () => {
    const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const pair = await api.login(u.username);
    expect((await get(pair)).status).toBe(200);
    const hq = await api.login(w.hq.username);
    const user = await api.request('GET', `/api/admin/users/${u.id}`, { token: hq });
    const off = await api.request('POST', `/api/admin/users/${u.id}/deactivate`, {
      token: hq,
      body: { version: user.body.version },
    });
    expect(off.status).toBe(200);

    const after = await get(pair);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('SESSION_REVOKED');
    expect(after.body.error.message).toBe('계정 또는 권한이 변경되었습니다. 다시 로그인하세요.');

    const opId = '0193a000-0000-7000-8000-00000000aa01';
    const push = await api.request('POST', '/api/sync/push', {
      token: pair,
      body: {
        clientId: 'revoked-client',
        ops: [
          {
            opId,
            entity: 'orders',
            entityId: '0193a000-0000-7000-8000-00000000aa02',
            kind: 'order.update',
            payload: { remarks: 'x' },
            expectedVersion: 1,
          },
        ],
      },
    });
    expect(push.status).toBe(401);
    const recorded = await db.owner.query('SELECT 1 FROM offline_sync_queue WHERE op_id = $1', [opId]);
    expect(recorded.rowCount).toBe(0);
  });

  it('moving a user to another branch or taking the role away ends the old session', async () => {
    const other = await createWorld(db.owner);
    const moved = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const movedPair = await api.login(moved.username);
    await db.owner.query('UPDATE users SET branch_id = $2 WHERE id = $1', [moved.id, other.branch.id]);
    expect((await get(movedPair)).body.error?.code).toBe('SESSION_REVOKED');
    // signing in again gives a session of the new branch
    const again = await api.login(moved.username);
    expect(again.user.branchId).toBe(other.branch.id);
    expect((await get(again)).status).toBe(200);

    const demoted = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const demotedPair = await api.login(demoted.username);
    await db.owner.query(`UPDATE user_roles SET role_code = 'INSTALLER' WHERE user_id = $1`, [demoted.id]);
    expect((await get(demotedPair)).body.error?.code).toBe('SESSION_REVOKED');
  });

  it('a password reset by head office ends the sessions signed in before it', async () => {
    const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const before = await api.login(u.username);
    // token times have whole seconds: the reset must fall in a later second than the sign-in
    await new Promise((r) => setTimeout(r, 1100));
    const hq = await api.login(w.hq.username);
    const reset = await api.request('POST', `/api/admin/users/${u.id}/password`, {
      token: hq,
      body: { password: 'reset by head office 1' },
    });
    expect(reset.status).toBe(200);
    expect((await get(before)).body.error?.code).toBe('SESSION_REVOKED');
    const after = await api.login(u.username, 'reset by head office 1');
    expect((await get(after)).status).toBe(200);
    // other users are not affected
    expect((await get(hq)).status).toBe(200);
  });
});

describe('password change', () => {
  it('checks the current password, stores the new one, ends the other sessions, and is audited', async () => {
    const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const old = await api.login(u.username);

    const wrong = await api.request('POST', '/api/auth/password', {
      token: old,
      body: { currentPassword: 'not it', newPassword: 'a brand new password' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.field).toBe('currentPassword');

    const ok = await api.request('POST', '/api/auth/password', {
      token: old,
      body: { currentPassword: u.password, newPassword: 'a brand new password' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.accessToken).toBeTruthy();

    expect((await api.request('POST', '/api/auth/refresh', { body: { refreshToken: old.refreshToken } })).status).toBe(
      401,
    );
    const oldLogin = await api.request('POST', '/api/auth/login', {
      body: { username: u.username, password: u.password },
    });
    expect(oldLogin.status).toBe(401);
    await api.login(u.username, 'a brand new password');

    const audit = await auditRows(db.owner, 'users', u.id);
    const update = audit.find((a) => a.action === 'UPDATE');
    expect(update?.actor_id).toBe(u.id);
    expect(Object.keys(update?.diff ?? {})).toContain('password_changed_at');
    expect(JSON.stringify(audit)).not.toContain('argon2');
  });
});

describe('errors', () => {
  it('an unreachable database is a 503 the client may retry, not a 500', async () => {
    // The same app with a pool that cannot connect (the job runtime of the working server: it needs a database
    // at start-up, requests do not).
    const badPool = createPool('postgres://dispatch_app:x@127.0.0.1:1/nowhere', { max: 1 });
    const app = createApp({
      pool: badPool,
      config: loadConfig(process.env, { jwtSecret: api.jwtSecret }),
      logger: createLogger('silent'),
      runtime: api.runtime,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const down = {
      jwtSecret: api.jwtSecret,
      async request(method: string, path: string, o: { token: string }) {
        const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${o.token}` } });
        return { status: res.status, body: await res.json() };
      },
      async stop() {
        server.close();
        server.closeAllConnections();
        await badPool.end();
      },
    };
    try {
      const sid = randomUUID();
      const token = await new SignJWT({ sid, usr: w.hq.username, role: 'HQ_ADMIN', br: null, pt: null, loc: 'en' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(w.hq.id)
        .setIssuer('branch-dispatch')
        .setAudience('dispatch-api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(down.jwtSecret));
      const r = await down.request('GET', '/api/me', { token });
      expect(r.status).toBe(503);
      expect(r.body.error).toMatchObject({
        code: 'UNAVAILABLE',
        message: 'The database cannot be reached. Please try again shortly.',
      });
    } finally {
      await down.stop();
    }
  });

  it('an unknown /api address is a JSON 404', async () => {
    const res = await api.request('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
