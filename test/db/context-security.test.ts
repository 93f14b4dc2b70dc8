// Issue 14, the database as the last line: what someone holding dispatch_app's password reaches with raw SQL,
// without a session, a password or a refresh token.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbServerKey } from '../../db/server-key.js';
import { hashPassword, passwordProof } from '../../server/auth/passwords.js';
import { createPool } from '../../server/db/pool.js';
import { setServerKey, withSystemTransaction } from '../../server/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { SqlProbe } from '../support/sql-probe.js';
import { contexts, type Fixture, failure, inTransaction, makeFixture } from './fixtures.js';

let db: TestDatabase;
let f: Fixture;
let app: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  f = await makeFixture(db.owner);
  app = new pg.Client({ connectionString: db.appUrl });
  await app.connect();
});
afterAll(async () => {
  await app?.end();
  await db.drop();
});

/** One transaction as dispatch_app with only what raw SQL can set, rolled back. */
async function raw<T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> {
  await app.query('BEGIN');
  try {
    return await fn(app);
  } finally {
    await app.query('ROLLBACK');
  }
}

const claimHq = (c: pg.ClientBase, userId: string) =>
  c.query(`SELECT set_config('app.role', 'HQ_ADMIN', true), set_config('app.user_id', $1, true)`, [userId]);

describe('the request context cannot be claimed', () => {
  it('set_config(app.role = HQ_ADMIN) alone shows no orders and writes none', async () => {
    await raw(async (c) => {
      await claimHq(c, f.users.hq);
      expect((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
      expect((await c.query('SELECT count(*)::int AS n FROM audit_logs')).rows[0].n).toBe(0);
      expect((await c.query(`UPDATE branches SET name = 'x' WHERE id = $1`, [f.branchA])).rowCount).toBe(0);
    });
  });

  it('app_enter_request with a made-up session is refused', async () => {
    const e = await failure(() =>
      raw((c) => c.query(`SELECT app_enter_request($1, 'HQ_ADMIN', '', '', NULL, gen_random_uuid())`, [f.users.hq])),
    );
    expect(e.code).toBe('DS401');
  });

  it('app_enter_request admits a live session of that user in that role and branch only (0131: one statement)', async () => {
    const session = async (userId: string, extra = '') =>
      (
        await db.owner.query<{ f: string }>(
          `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at, revoked_at)
           SELECT $1, gen_random_uuid(), md5(random()::text), now() + interval '1 hour', NULL ${extra}
           RETURNING family_id AS f`,
          [userId],
        )
      ).rows[0]!.f;
    const enter = (user: string, role: string, branch: string, s: string, issuedAt: number | null = null) =>
      raw(async (c) => {
        await c.query('SELECT app_enter_request($1, $2, $3, $4, $5::bigint, $6::uuid)', [
          user,
          role,
          branch,
          '',
          issuedAt === null ? null : String(issuedAt),
          s,
        ]);
        return (await c.query('SELECT app_role() AS role, app_branch_id()::text AS branch')).rows[0];
      });
    const live = await session(f.users.mgrA);
    expect(await enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchA, live)).toEqual({
      role: 'BRANCH_MANAGER',
      branch: f.branchA,
    });
    const refused = async (what: string, p: Promise<unknown>) =>
      expect((await failure(() => p)).code, what).toBe('DS401');
    await refused(
      'another user’s session',
      enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchA, await session(f.users.mgrB)),
    );
    await refused('a branch not the user’s', enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchB, live));
    await refused('a role not the user’s', enter(f.users.mgrA, 'HQ_ADMIN', '', live));
    const expired = await session(f.users.mgrA);
    await db.owner.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE family_id = $1`, [
      expired,
    ]);
    await refused('an expired session', enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchA, expired));
    const revoked = await session(f.users.mgrA);
    await db.owner.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1', [revoked]);
    await refused('a revoked session', enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchA, revoked));
    // a token issued before the password changed
    const changedAt = (
      await db.owner.query<{ t: number }>(
        `SELECT extract(epoch FROM password_changed_at)::bigint AS t FROM users WHERE id = $1`,
        [f.users.mgrA],
      )
    ).rows[0]!.t;
    await refused(
      'a token older than the password',
      enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchA, live, Number(changedAt) - 60),
    );
    expect(await enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchA, live, Number(changedAt) + 60)).toMatchObject({
      role: 'BRANCH_MANAGER',
    });
    // an inactive user, whatever the session
    await db.owner.query('UPDATE users SET is_active = false WHERE id = $1', [f.users.mgrA]);
    try {
      await refused('an inactive user', enter(f.users.mgrA, 'BRANCH_MANAGER', f.branchA, live));
    } finally {
      await db.owner.query('UPDATE users SET is_active = true WHERE id = $1', [f.users.mgrA]);
    }
  });

  it('the sealing itself is out of reach', async () => {
    for (const sql of ['SELECT app_private.seal()', 'SELECT secret FROM app_private.context_secret']) {
      expect((await failure(() => raw((c) => c.query(sql)))).code).toBe('42501');
    }
  });

  it('the SYSTEM context needs the server key, which dispatch_app’s password does not give', async () => {
    expect((await failure(() => raw((c) => c.query('SELECT app_enter_system()')))).code).toMatch(/^(42501|42883)$/);
    const wrong = await failure(() => raw((c) => c.query('SELECT app_enter_system($1)', ['guessed-key'])));
    expect(wrong.code).toBe('42501');
    // the key's digest is the owner's, like the sealing secret
    expect((await failure(() => raw((c) => c.query('SELECT * FROM app_private.server_key')))).code).toBe('42501');
    await raw(async (c) => {
      await c.query('SELECT app_enter_system($1)', [dbServerKey()]);
      expect((await c.query('SELECT app_role() AS r')).rows[0].r).toBe('SYSTEM');
    });
  });

  it('the server’s SYSTEM transaction does not show its key to other dispatch_app backends', async () => {
    const pool = createPool(db.appUrl, { max: 1 });
    setServerKey(pool, dbServerKey());
    // what the transaction sends, as sent: other backends see a statement's text (pg_stat_activity), never its
    // parameters. The opening travels with the first query (server/db/transaction.ts), so the statement that
    // enters SYSTEM is on view only while it runs: the texts sent are what the test checks, and what other
    // backends see during the transaction is checked besides.
    const probe = new SqlProbe();
    probe.attach(pool);
    try {
      probe.record();
      const seen = await withSystemTransaction(pool, async (tx) => {
        expect((await tx.query('SELECT app_role() AS r')).rows[0].r).toBe('SYSTEM');
        return (await app.query(`SELECT query FROM pg_stat_activity WHERE usename = 'dispatch_app'`)).rows.map(
          (r) => r.query as string,
        );
      });
      const sent = probe.stopRecording();
      const entered = sent.filter((st) => st.text.includes('app_enter_system'));
      expect(entered.map((st) => st.values)).toEqual([[dbServerKey()]]);
      expect(sent.filter((st) => st.text.includes(dbServerKey()))).toEqual([]);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((q) => q.includes(dbServerKey()))).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('the SYSTEM context reaches no orders and no accounts’ secrets', async () => {
    await raw(async (c) => {
      await c.query('SELECT app_enter_system($1)', [dbServerKey()]);
      expect((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
      expect((await c.query('SELECT count(auth_password_hash(id))::int AS n FROM users')).rows[0].n).toBe(0);
    });
  });
});

describe('without a context', () => {
  it('auth_password_hash answers for nobody, hq included', async () => {
    const n = await raw(async (c) => {
      await claimHq(c, f.users.hq);
      return (await c.query('SELECT count(auth_password_hash(id))::int AS n FROM users')).rows[0].n;
    });
    expect(n).toBe(0);
    expect((await raw((c) => c.query('SELECT count(auth_password_hash(id))::int AS n FROM users'))).rows[0].n).toBe(0);
  });

  it('users, user_roles, refresh_tokens and order_numbers show nothing', async () => {
    await raw(async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(0);
      expect((await c.query('SELECT count(*)::int AS n FROM user_roles')).rows[0].n).toBe(0);
      expect((await c.query('SELECT count(*)::int AS n FROM order_numbers')).rows[0].n).toBe(0);
    });
    expect((await failure(() => raw((c) => c.query('SELECT count(*) FROM refresh_tokens')))).code).toBe('42501');
    expect(
      (
        await failure(() =>
          raw((c) =>
            c.query(
              `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
               VALUES ($1, gen_random_uuid(), 'x', now() + interval '1 day')`,
              [f.users.hq],
            ),
          ),
        )
      ).code,
    ).toBe('42501');
  });

  it('a login proves the password in the database: the wrong one opens nothing, the right one one user', async () => {
    const { username } = await userWithPassword(f.users.mgrA, 'correct horse battery');
    const wrong = await attempt(username, '$argon2id$v=19$m=19456,t=2,p=1$x$y', '10.1.0.1', dbServerKey());
    await raw(async (c) => {
      expect((await c.query('SELECT auth_login_finish($1) AS id', [wrong])).rows[0].id).toBeNull();
      expect((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(0);
    });
    const salt = await raw(
      async (c) => (await c.query('SELECT auth_password_salt($1, $2) AS s', [username, dbServerKey()])).rows[0].s,
    );
    expect(salt).not.toContain(
      (await db.owner.query('SELECT password_hash FROM users WHERE id = $1', [f.users.mgrA])).rows[0].password_hash
        .split('$')
        .pop(),
    );
    const right = await attempt(
      username,
      await passwordProof(salt, 'correct horse battery'),
      '10.1.0.1',
      dbServerKey(),
    );
    await raw(async (c) => {
      expect((await c.query('SELECT auth_login_finish($1) AS id', [right])).rows[0].id).toBe(f.users.mgrA);
      // that one user, and nobody else; still no orders
      expect((await c.query('SELECT id FROM users')).rows.map((r) => r.id)).toEqual([f.users.mgrA]);
      expect((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
    });
  });

  it('password salts are not readable with dispatch_app’s password alone', async () => {
    const { username } = await userWithPassword(f.users.mgrB, 'another long password');
    for (const args of [[username], [username, null], [username, 'guessed-key']]) {
      const sql = `SELECT auth_password_salt(${args.map((_, i) => `$${i + 1}`).join(', ')}) AS s`;
      const e = await failure(() => raw((c) => c.query(sql, args)));
      expect(e.code).toMatch(/^(42501|42883)$/);
    }
    // nor the hash or its salt through a table, a view or another function
    expect((await failure(() => raw((c) => c.query('SELECT password_hash FROM users')))).code).toBe('42501');
  });
});

/** The user's username, with a known password. */
async function userWithPassword(userId: string, password: string): Promise<{ username: string }> {
  await db.owner.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, await hashPassword(password)]);
  return (await db.owner.query('SELECT username FROM users WHERE id = $1', [userId])).rows[0];
}

/** One login attempt as dispatch_app, committed (its own transaction): the attempt's id. */
async function attempt(username: string, proof: string | undefined, address: string, key: string | null = null) {
  const r = await app.query('SELECT auth_login($1, $2, $3, $4) AS a', [username, proof ?? 'x', address, key]);
  return r.rows[0].a as string;
}

/** The proof a guesser with the salt could compute: the right password's (the owner reads the salt here). */
async function rightProof(userId: string, password: string): Promise<string> {
  const stored = (await db.owner.query('SELECT password_hash FROM users WHERE id = $1', [userId])).rows[0]
    .password_hash as string;
  const salt = `${stored.replace(/\$[^$]*$/, '')}$${stored.split('$').pop()!.length}`;
  return (await passwordProof(salt, password))!;
}

describe('guessing through the database’s login (a direct caller, no server key)', () => {
  it('five failures of a username from one address: the next attempt is refused, even with the right password', async () => {
    const { username } = await userWithPassword(f.users.instA, 'installer password 1');
    for (let i = 0; i < 5; i++) {
      const a = await attempt(username, `guess-${i}`, '203.0.113.9');
      expect((await app.query('SELECT auth_login_finish($1) AS id', [a])).rows[0].id).toBeNull();
    }
    const proof = await rightProof(f.users.instA, 'installer password 1');
    const e = await failure(() => attempt(username, proof, '203.0.113.9'));
    expect(e.code).toBe('DS429');
    expect(e.message).toMatch(/retry after \d+ s/);
  });

  it('a rolled-back attempt tells nothing: its result is given only once it is committed', async () => {
    const { username } = await userWithPassword(f.users.instB, 'installer password 2');
    const proof = await rightProof(f.users.instB, 'installer password 2');
    const e = await failure(() =>
      raw(async (c) => {
        const a = (await c.query('SELECT auth_login($1, $2, $3, NULL) AS a', [username, proof, '203.0.113.10'])).rows[0]
          .a;
        await c.query('SELECT auth_login_finish($1)', [a]);
      }),
    );
    expect(e.code).toBe('42501');
  });

  it('guesses spread over many addresses meet the per-user back-off; the clerk still logs in through the server', async () => {
    const { username } = await userWithPassword(f.users.coordA, 'coordinator password');
    const codes: string[] = [];
    for (let i = 0; i < 24; i++) {
      codes.push(
        await attempt(username, `guess-${i}`, `198.51.100.${i + 1}`).then(
          () => 'ok',
          (err: { code: string }) => err.code,
        ),
      );
    }
    expect(codes.slice(0, 20).every((c) => c === 'ok')).toBe(true);
    expect(codes.slice(20)).toEqual(['DS429', 'DS429', 'DS429', 'DS429']);
    // the server (with its key) has its own buckets: the direct caller's guesses do not lock the clerk out
    const a = await attempt(
      username,
      await rightProof(f.users.coordA, 'coordinator password'),
      '198.51.100.1',
      dbServerKey(),
    );
    expect((await app.query('SELECT auth_login_finish($1) AS id', [a])).rows[0].id).toBe(f.users.coordA);
  });

  it('the same rules throttle the server’s own attempts (a second line behind the HTTP throttle)', async () => {
    const { username } = await userWithPassword(f.users.mgrB, 'manager b password');
    for (let i = 0; i < 5; i++) await attempt(username, `typo-${i}`, '10.9.0.1', dbServerKey());
    expect((await failure(() => attempt(username, 'typo', '10.9.0.1', dbServerKey()))).code).toBe('DS429');
    // another address of the same user is a bucket of its own
    const a = await attempt(username, await rightProof(f.users.mgrB, 'manager b password'), '10.9.0.2', dbServerKey());
    expect((await app.query('SELECT auth_login_finish($1) AS id', [a])).rows[0].id).toBe(f.users.mgrB);
  });
});

describe('settlement weeks and audit rows without a context', () => {
  it('settlement weeks: no context creates none and learns no other branch’s lock', async () => {
    await db.owner.query(
      `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
       VALUES ($1, '2099-01-12', '2099-01-18', 'LOCKED', now())`,
      [f.branchB],
    );
    await raw(async (c) => {
      expect(
        (await c.query(`SELECT (settlement_locked_week($1, '2099-01-14')).id AS id`, [f.branchB])).rows[0].id,
      ).toBeNull();
    });
    expect(
      (
        await failure(() =>
          raw((c) => c.query(`SELECT ensure_settlement_periods($1, '1000-01-01', '1000-12-31')`, [f.branchB])),
        )
      ).code,
    ).toBe('42501');
    // a branch manager: its own branch's weeks only
    const { mgrA } = contexts(f);
    await inTransaction(app, mgrA, async (c) => {
      expect(
        (await c.query(`SELECT (settlement_locked_week($1, '2099-01-14')).id AS id`, [f.branchB])).rows[0].id,
      ).toBeNull();
      const e = await failure(() =>
        c.query(`SELECT ensure_settlement_periods($1, '2098-02-02', '2098-02-08')`, [f.branchB]),
      );
      expect(e.code).toBe('42501');
    });
  });

  it('a branch manager reads no account audit rows of its branch', async () => {
    await db.owner.query(
      `INSERT INTO audit_logs(table_name, record_id, action, diff, branch_id) VALUES ('users', $1, 'UPDATE', '{}', $2)`,
      [f.users.instA, f.branchA],
    );
    await inTransaction(app, contexts(f).mgrA, async (c) => {
      const rows = await c.query(`SELECT table_name FROM audit_logs WHERE table_name IN ('users', 'user_roles')`);
      expect(rows.rowCount).toBe(0);
    });
  });
});

describe('acting for a branch (an installer’s 부분인수)', () => {
  it('only for an order the caller sees; set_config cannot fake it; leaving restores the caller', async () => {
    const { instA } = contexts(f);
    await inTransaction(app, instA, async (c) => {
      const e = await failure(() => c.query('SELECT app_act_for_branch($1)', [f.orderB.id]));
      expect(e.code).toBe('42501');
    });
    await inTransaction(app, instA, async (c) => {
      await c.query('SELECT app_act_for_branch($1)', [f.orderA.id]);
      expect((await c.query('SELECT app_role() AS r, app_branch_id() AS b')).rows[0]).toEqual({
        r: 'BRANCH_MANAGER',
        b: f.branchA,
      });
      await c.query('SELECT app_leave_branch()');
      expect((await c.query('SELECT app_role() AS r')).rows[0].r).toBe('INSTALLER');
    });
    await raw(async (c) => {
      await c.query(`SELECT set_config('app.role', 'INSTALLER', true), set_config('app.user_id', $1, true)`, [
        f.users.instA,
      ]);
      expect((await failure(() => c.query('SELECT app_act_for_branch($1)', [f.orderA.id]))).code).toBe('42501');
    });
  });
});
