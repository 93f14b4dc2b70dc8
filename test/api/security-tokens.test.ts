// Issue 14, tokens and login: access tokens need exp and iat within a maximum lifetime; logout and a password
// change end the access tokens (and SSE streams) of the sessions they end at once; the login throttle counts per
// (user, address), with a slower per-user back-off, so neither an attacker nor a shared office address locks the
// real clerk out.

import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRequestTransaction } from '../../server/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser, createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { openSse } from '../support/sse.js';

let db: TestDatabase;
let api: TestServer;
let w: World;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db, { config: { trustProxy: true } });
  w = await createWorld(db.owner);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

/** A token signed with the server's key, claims as given (the forger holds the key, not the database). */
async function forge(claims: Record<string, unknown>, set: { iat?: number; exp?: number }) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('branch-dispatch')
    .setAudience('dispatch-api');
  if (set.iat !== undefined) jwt.setIssuedAt(set.iat);
  if (set.exp !== undefined) jwt.setExpirationTime(set.exp);
  return jwt.sign(new TextEncoder().encode(api.jwtSecret));
}

describe('access tokens', () => {
  it('a token without exp, without iat or living longer than the maximum is refused', async () => {
    const real = await api.login(w.manager.username);
    const claims = decodeJwt(real.accessToken);
    const { iat: _i, exp: _e, iss: _s, aud: _a, ...rest } = claims;
    const now = Math.floor(Date.now() / 1000);
    expect(
      (await api.request('GET', '/api/me', { token: await forge(rest, { iat: now, exp: now + 600 }) })).status,
    ).toBe(200);
    for (const set of [
      { iat: now },
      { exp: now + 600 },
      { iat: now, exp: now + 365 * 86_400 },
      { iat: now + 3600, exp: now + 3700 },
    ]) {
      const res = await api.request('GET', '/api/me', { token: await forge(rest, set) });
      expect(res.status, JSON.stringify(set)).toBe(401);
    }
  });

  it('logout ends the session’s access token at once, not when it expires', async () => {
    const pair = await api.login(w.manager.username);
    const other = await api.login(w.manager.username);
    expect((await api.request('GET', '/api/me', { token: pair })).status).toBe(200);
    expect(
      (await api.request('POST', '/api/auth/logout', { body: { refreshToken: pair.refreshToken } })).status,
    ).toBeLessThan(300);
    const after = await api.request('GET', '/api/me', { token: pair });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('SESSION_REVOKED');
    // another session of the same user goes on
    expect((await api.request('GET', '/api/me', { token: other })).status).toBe(200);
  });

  it('an ended session is refused by every kind of request: the order list, the sync pull, a work that catches its query’s error', async () => {
    const pair = await api.login(w.manager.username);
    const list = `/api/orders?branchId=${w.branch.id}&status=${encodeURIComponent('미배정')}&sort=-createdAt`;
    expect((await api.request('GET', list, { token: pair })).status).toBe(200);
    expect((await api.request('GET', '/api/sync/changes', { token: pair })).status).toBe(200);
    await api.request('POST', '/api/auth/logout', { body: { refreshToken: pair.refreshToken } });
    for (const path of [list, '/api/sync/changes', '/api/notifications', `/api/customers/history?phone=01012345678`]) {
      const res = await api.request('GET', path, { token: pair });
      expect(res.status, path).toBe(401);
      expect(res.body.error.code, path).toBe('SESSION_REVOKED');
    }
    // the context is checked with the work's first query: a work that swallows that query's error still fails so
    const pool = new pg.Pool({ connectionString: db.appUrl, max: 1 });
    try {
      const m = w.manager;
      const actor = {
        userId: m.id,
        role: 'BRANCH_MANAGER' as const,
        branchId: m.branchId,
        partnerId: null,
        sessionId: randomUUID(),
      };
      let caught: unknown;
      const answer = withRequestTransaction(pool, actor, async (tx) => {
        try {
          await tx.query('SELECT $1::int AS n', [1]);
        } catch (err) {
          caught = err;
        }
        return 'answered';
      });
      await expect(answer).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' });
      expect(caught).toBeDefined();
      // as is a work that fails before its first query (here: bad input), as when the context went first
      const invalid = withRequestTransaction(pool, actor, async () => {
        throw new Error('not reached: the session is checked first');
      });
      await expect(invalid).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' });
      // and the pool's connection is fine afterwards
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('a refreshed session keeps working; its previous access token ends with the session', async () => {
    const first = await api.login(w.coordinator.username);
    const next = await api.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(next.status).toBe(200);
    expect((await api.request('GET', '/api/me', { token: first })).status).toBe(200);
    expect((await api.request('GET', '/api/me', { token: next.body.accessToken })).status).toBe(200);
    await api.request('POST', '/api/auth/logout', { body: { refreshToken: next.body.refreshToken } });
    expect((await api.request('GET', '/api/me', { token: first })).status).toBe(401);
    expect((await api.request('GET', '/api/me', { token: next.body.accessToken })).status).toBe(401);
  });

  it('a password change ends every other session’s access token at once; the new pair works', async () => {
    const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const laptop = await api.login(u.username, u.password);
    const desk = await api.login(u.username, u.password);
    const changed = await api.request('POST', '/api/auth/password', {
      token: desk,
      body: { currentPassword: u.password, newPassword: 'a-new-password-1' },
    });
    expect(changed.status).toBe(200);
    expect((await api.request('GET', '/api/me', { token: laptop })).status).toBe(401);
    expect((await api.request('GET', '/api/me', { token: desk })).status).toBe(401);
    expect((await api.request('GET', '/api/me', { token: changed.body.accessToken })).status).toBe(200);
  });

  it('logout ends the session’s notification stream', async () => {
    const pair = await api.login(w.manager.username);
    const stream = await openSse(`${api.url}/api/notifications/stream`, {
      authorization: `Bearer ${pair.accessToken}`,
    });
    expect(stream.status).toBe(200);
    await stream.next('ready');
    await api.request('POST', '/api/auth/logout', { body: { refreshToken: pair.refreshToken } });
    const ended = await stream.next('revoked');
    expect(ended.event).toBe('revoked');
    await expect.poll(() => stream.ended()).toBe(true);
    stream.close();
  });
});

describe('login throttle', () => {
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('an attacker’s failures from one address do not lock the clerk out from the office', async () => {
    const clerk = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await api.request('POST', '/api/auth/login', {
        headers: from('203.0.113.9'),
        body: { username: clerk.username, password: 'guess' },
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const office = await api.request('POST', '/api/auth/login', {
      headers: from('10.20.0.1'),
      body: { username: clerk.username, password: clerk.password },
    });
    expect(office.status).toBe(200);
  });

  it('one office address is not one bucket: 60 failures of its clerks leave a colleague able to log in', async () => {
    const clerks = await Promise.all(
      Array.from({ length: 13 }, () => createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id })),
    );
    for (const c of clerks.slice(0, 12)) {
      for (let i = 0; i < 5; i++) {
        const r = await api.request('POST', '/api/auth/login', {
          headers: from('10.30.0.1'),
          body: { username: c.username, password: 'typo' },
        });
        expect(r.status).toBe(401);
      }
    }
    const colleague = clerks[12]!;
    const ok = await api.request('POST', '/api/auth/login', {
      headers: from('10.30.0.1'),
      body: { username: colleague.username, password: colleague.password },
    });
    expect(ok.status).toBe(200);
  });

  it('guesses spread over many addresses meet the slower per-user back-off', async () => {
    const target = await createUser(db.owner, { role: 'HQ_ADMIN' });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await api.request('POST', '/api/auth/login', {
        headers: from(`198.51.100.${i + 1}`),
        body: { username: target.username, password: `guess-${i}` },
      });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThan(40);
    expect(statuses.at(-1)).toBe(429);
  });

  it('the database throttles logins too: with the HTTP throttle loosened, the sixth failure is 429 from it', async () => {
    const loose = await startTestServer(db, {
      config: { trustProxy: true, throttle: { perUserAddress: { points: 100, durationSeconds: 900 } } },
    });
    try {
      const clerk = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await loose.request('POST', '/api/auth/login', {
          headers: from('203.0.113.77'),
          body: { username: clerk.username, password: `guess-${i}` },
        });
        statuses.push(r.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await loose.stop();
    }
  });

  it('guesses through the database’s login with dispatch_app’s password do not lock the clerk out', async () => {
    const clerk = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const raw = new pg.Client({ connectionString: db.appUrl });
    await raw.connect();
    try {
      const refused: string[] = [];
      for (let i = 0; i < 30; i++) {
        await raw
          .query('SELECT auth_login($1, $2, $3, NULL)', [clerk.username, `guess-${i}`, `198.18.0.${i + 1}`])
          .catch((e: { code: string }) => refused.push(e.code));
      }
      // the per-user back-off: 20 an hour, whatever addresses the caller names
      expect(refused).toEqual(Array(10).fill('DS429'));
    } finally {
      await raw.end();
    }
    const office = await api.request('POST', '/api/auth/login', {
      headers: from('10.20.0.2'),
      body: { username: clerk.username, password: clerk.password },
    });
    expect(office.status).toBe(200);
  });
});
