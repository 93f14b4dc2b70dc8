// Users and reference tables as the application role: everyone reads names and codes, only head office writes
// them, a user changes only their own password and profile, and no request context can read password hashes.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { contexts, type Fixture, failure, inTransaction, makeFixture } from './fixtures.js';

let db: TestDatabase;
let f: Fixture;
let app: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  f = await makeFixture(db.owner);
  await db.owner.query("UPDATE users SET password_hash = 'hash-of-' || username");
  app = new pg.Client({ connectionString: db.appUrl });
  await app.connect();
});
afterAll(async () => {
  await app?.end();
  await db.drop();
});

describe('password hashes', () => {
  it('the hash column cannot be selected by the application role in any context', async () => {
    for (const ctx of [null, ...Object.values(contexts(f))]) {
      const e = await failure(() => inTransaction(app, ctx, (c) => c.query('SELECT password_hash FROM users')));
      expect(e.code).toBe('42501'); // insufficient_privilege
    }
  });

  it('auth_password_hash answers for oneself only (a login proves the password in the database: 0073)', async () => {
    const { mgrA, hq } = contexts(f);
    const anonymous = await inTransaction(app, null, (c) =>
      c.query('SELECT auth_password_hash($1) AS h', [f.users.mgrA]),
    );
    expect(anonymous.rows[0].h).toBeNull();
    const own = await inTransaction(app, mgrA, (c) => c.query('SELECT auth_password_hash($1) AS h', [f.users.mgrA]));
    expect(own.rows[0].h).toMatch(/^hash-of-/);
    for (const ctx of [mgrA, hq]) {
      const other = await inTransaction(app, ctx, (c) => c.query('SELECT auth_password_hash($1) AS h', [f.users.mgrB]));
      expect(other.rows[0].h).toBeNull();
    }
  });
});

describe('who writes users and reference data', () => {
  it('a branch manager reads users but cannot change another user, and not its own branch or activity', async () => {
    const { mgrA } = contexts(f);
    const read = await inTransaction(app, mgrA, (c) => c.query('SELECT count(*)::int AS n FROM users'));
    expect(read.rows[0].n).toBeGreaterThan(1);
    const other = await inTransaction(app, mgrA, (c) =>
      c.query("UPDATE users SET full_name = 'x' WHERE id = $1", [f.users.mgrB]),
    );
    expect(other.rowCount).toBe(0);
    const selfProfile = await inTransaction(app, mgrA, (c) =>
      c.query("UPDATE users SET full_name = '김관리', locale = 'en' WHERE id = $1", [f.users.mgrA]),
    );
    expect(selfProfile.rowCount).toBe(1);
    const selfBranch = await failure(() =>
      inTransaction(app, mgrA, (c) =>
        c.query('UPDATE users SET branch_id = $2 WHERE id = $1', [f.users.mgrA, f.branchB]),
      ),
    );
    expect(selfBranch.code).toBe('42501');
    const grant = await failure(() =>
      inTransaction(app, mgrA, (c) =>
        c.query("INSERT INTO user_roles(user_id, role_code) VALUES ($1, 'HQ_ADMIN')", [f.users.mgrA]),
      ),
    );
    expect(grant.code).toBe('42501');
  });

  it('reason codes, waste codes, branches and partners: read by all, written by HQ only', async () => {
    const { mgrA, hq } = contexts(f);
    for (const sql of [
      "UPDATE reason_codes SET is_active = false WHERE code = 'C01'",
      "UPDATE waste_codes SET name_ko = 'x' WHERE code = 'P01'",
      `UPDATE branches SET name = 'x' WHERE id = '${f.branchB}'`,
      `UPDATE partners SET name = 'x' WHERE id = '${f.partnerB}'`,
    ]) {
      expect((await inTransaction(app, mgrA, (c) => c.query(sql))).rowCount).toBe(0);
      expect((await inTransaction(app, hq, (c) => c.query(sql))).rowCount).toBe(1);
    }
    const codes = await inTransaction(app, mgrA, (c) => c.query('SELECT count(*)::int AS n FROM reason_codes'));
    expect(codes.rows[0].n).toBeGreaterThan(0);
  });
});

describe('time zone', () => {
  it("the application role's sessions count days in Asia/Seoul", async () => {
    const r = await app.query('SHOW timezone');
    expect(r.rows[0].TimeZone).toBe('Asia/Seoul');
  });
});
