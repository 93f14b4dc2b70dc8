// Instances of the head office starting at once on one database, and a server meeting a database newer than it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { withDatabase } from '../../db/pg/embedded.js';
import { createLogger } from '../../server/logger.js';
import { type RunningServer, startServer } from '../../server/start.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const adminUrl = inject('adminUrl');
const quietConfig = () => ({
  jwtSecret: randomBytes(32).toString('base64url'),
  cacheKeyPrefix: `test:${randomBytes(6).toString('hex')}:cache`,
  throttle: { keyPrefix: `test:${randomBytes(6).toString('hex')}` },
});

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('three instances starting at once on an empty database', () => {
  const name = `dispatch_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const servers: RunningServer[] = [];
  beforeAll(() => admin((c) => c.query(`CREATE DATABASE "${name}"`)));
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });

  it('all three start, the migrations are applied once, and each answers', async () => {
    const ownerUrl = withDatabase(adminUrl, name);
    const results = await Promise.allSettled(
      [0, 1, 2].map(() =>
        startServer({
          ownerUrl,
          port: 0,
          host: '127.0.0.1',
          poolMax: 2,
          logger: createLogger('silent'),
          config: quietConfig(),
        }),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') servers.push(r.value);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual([
      'started',
      'started',
      'started',
    ]);
    const c = new pg.Client({ connectionString: ownerUrl });
    await c.connect();
    try {
      const dup = await c.query('SELECT name FROM pgmigrations GROUP BY name HAVING count(*) > 1');
      expect(dup.rows).toEqual([]);
    } finally {
      await c.end();
    }
    for (const s of servers) {
      const res = await fetch(`${s.url}/api/health`);
      expect(res.status).toBe(200);
    }
  });
});

describe('a database migrated past what this server knows', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.owner.query("INSERT INTO pgmigrations(name, run_on) VALUES ('0999_from_a_newer_release', now())");
  });
  afterAll(() => db.drop());

  it('the server refuses to start and names the unknown migration', async () => {
    for (const migrateFirst of [true, false]) {
      await expect(
        startServer({
          ownerUrl: db.ownerUrl,
          appUrl: db.appUrl,
          migrate: migrateFirst,
          port: 0,
          host: '127.0.0.1',
          poolMax: 1,
          logger: createLogger('silent'),
          config: quietConfig(),
        }),
      ).rejects.toThrow(/0999_from_a_newer_release.*newer release|newer release.*0999_from_a_newer_release/s);
    }
  });

  it('db:migrate refuses it too and changes nothing', async () => {
    await expect(migrate(db.ownerUrl)).rejects.toThrow(/0999_from_a_newer_release/);
    const { rows } = await db.owner.query('SELECT count(*)::int AS n FROM pgmigrations');
    expect(rows[0].n).toBeGreaterThan(1);
  });
});

describe('a server told not to migrate, on a database missing migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.owner.query('DELETE FROM pgmigrations WHERE name = (SELECT max(name) FROM pgmigrations)');
  });
  afterAll(() => db.drop());

  it('refuses to start and says to run db:migrate', async () => {
    await expect(
      startServer({
        ownerUrl: db.ownerUrl,
        appUrl: db.appUrl,
        migrate: false,
        port: 0,
        host: '127.0.0.1',
        poolMax: 1,
        logger: createLogger('silent'),
        config: quietConfig(),
      }),
    ).rejects.toThrow(/db:migrate/);
  });
});
