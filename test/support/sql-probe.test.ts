// The probe bench:api reads its SQL statements and its PostgreSQL CPU from (test/support/sql-probe.ts): it must
// see every backend the pool hands a request, whenever the pool opened it, and keep the CPU of a backend the
// pool closes before the measurement ends.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.js';
import { SqlProbe } from './sql-probe.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

// ≈ 100–300 ms of one backend's CPU: far above /proc's 10 ms tick
const BURN = 'SELECT count(*) FROM generate_series(1, 3000000)';

const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe('SqlProbe', () => {
  it('records the statements and counts the backend of a client the pool opened before attach()', async () => {
    const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 2 });
    try {
      // the server's start-up work (settlement weeks) leaves one client idle before the bench attaches, and the
      // pool hands the most recently released client out first: sequential requests may all run on it
      const early = await pool.connect();
      const pid = (early as unknown as { processID: number }).processID;
      early.release();
      const probe = new SqlProbe();
      probe.attach(pool);
      const before = probe.backendCpuMs();
      probe.record();
      const c = await pool.connect();
      try {
        expect((c as unknown as { processID: number }).processID).toBe(pid);
        await c.query(BURN);
      } finally {
        c.release();
      }
      expect(probe.stopRecording().map((s) => s.text)).toEqual([BURN]);
      expect([...probe.backends]).toEqual([pid]);
      const spent = sum(probe.backendCpuMs()) - sum(before);
      expect(spent).toBeGreaterThan(0);
      // what it had spent before the probe saw it (connecting, authenticating) is not this measurement's
      expect(before.get(pid) ?? 0).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it("keeps the CPU of a backend the pool closed (idle timeout) since the measurement's start", async () => {
    const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 2, idleTimeoutMillis: 50 });
    const probe = new SqlProbe();
    probe.attach(pool);
    try {
      const before = probe.backendCpuMs();
      await pool.query(BURN);
      // the idle client is ended by the pool, and its backend exits
      const pid = [...probe.backends][0]!;
      for (let i = 0; i < 100 && pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(pool.totalCount).toBe(0);
      const after = probe.backendCpuMs();
      expect(after.get(pid) ?? 0).toBeGreaterThan(before.get(pid) ?? 0);
    } finally {
      await pool.end();
    }
  });
});
