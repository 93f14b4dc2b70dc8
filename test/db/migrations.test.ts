import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('migrations', () => {
  it('running them again on a migrated database applies nothing', async () => {
    expect(await migrate(db.ownerUrl)).toEqual([]);
  });

  it('the application role is a plain login role: not superuser, not BYPASSRLS, owns no table', async () => {
    const { rows } = await db.owner.query(
      "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'dispatch_app'",
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: true });
    const owned = await db.owner.query(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'dispatch_app'",
    );
    expect(owned.rows[0].n).toBe(0);
    const app = new pg.Client({ connectionString: db.appUrl });
    await app.connect();
    try {
      const me = await app.query('SELECT current_user AS u');
      expect(me.rows[0].u).toBe('dispatch_app');
    } finally {
      await app.end();
    }
  });
});
