import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase, withUser } from '../../db/pg/embedded.js';

export interface TestDatabase {
  name: string;
  /** Owner (superuser) connection string: for fixtures and for inspecting what the app cannot see. */
  ownerUrl: string;
  /** dispatch_app connection string: what the server uses, subject to RLS. */
  appUrl: string;
  owner: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template; dropped by drop(). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const template = inject('templateDb');
  const name = `dispatch_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (e) {
        if (attempt > 50 || !String((e as Error).message).includes('being accessed')) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const ownerUrl = withDatabase(adminUrl, name);
  const appUrl = withUser(ownerUrl, 'dispatch_app', inject('appPassword'));
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 4 });
  // drop() ends this pool and then DROPs the database WITH (FORCE): a backend still closing is terminated, and
  // its client reports that as an error event after the pool stopped listening. Nothing is lost by then.
  owner.on('error', () => {});
  return {
    name,
    ownerUrl,
    appUrl,
    owner,
    async drop() {
      await owner.end();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
