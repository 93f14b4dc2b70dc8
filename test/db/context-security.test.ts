// Issue 14, the database as the last line: what someone holding dispatch_app's password reaches with raw SQL,
// without a session, a password or a refresh token.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, passwordProof } from '../../server/auth/passwords.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
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

  it('the sealing itself is out of reach', async () => {
    for (const sql of ['SELECT app_private.seal()', 'SELECT secret FROM app_private.context_secret']) {
      expect((await failure(() => raw((c) => c.query(sql)))).code).toBe('42501');
    }
  });

  it('the SYSTEM context reaches no orders and no accounts’ secrets', async () => {
    await raw(async (c) => {
      await c.query('SELECT app_enter_system()');
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
    const password = 'correct horse battery';
    await db.owner.query('UPDATE users SET password_hash = $2 WHERE id = $1', [
      f.users.mgrA,
      await hashPassword(password),
    ]);
    const username = (await db.owner.query('SELECT username FROM users WHERE id = $1', [f.users.mgrA])).rows[0]
      .username;
    await raw(async (c) => {
      const wrong = await c.query('SELECT auth_login($1, $2) AS id', [username, '$argon2id$v=19$m=19456,t=2,p=1$x$y']);
      expect(wrong.rows[0].id).toBeNull();
      expect((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(0);
    });
    await raw(async (c) => {
      const salt = (await c.query('SELECT auth_password_salt($1) AS s', [username])).rows[0].s as string;
      expect(salt).not.toContain(
        (await db.owner.query('SELECT password_hash FROM users WHERE id = $1', [f.users.mgrA])).rows[0].password_hash
          .split('$')
          .pop(),
      );
      const proof = await passwordProof(salt, password);
      expect((await c.query('SELECT auth_login($1, $2) AS id', [username, proof])).rows[0].id).toBe(f.users.mgrA);
      // that one user, and nobody else; still no orders
      expect((await c.query('SELECT id FROM users')).rows.map((r) => r.id)).toEqual([f.users.mgrA]);
      expect((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
    });
  });

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
