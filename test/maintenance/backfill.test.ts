// The expand-contract backfill helper on a real table: batches, an interruption and its resumption, each row
// changed once (one audit row each), and a finished backfill doing nothing more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackfillProgress, runBackfill } from '../../db/maintenance/backfill.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createOrder } from '../support/fixtures.js';

let db: TestDatabase;
const ids: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // expand: the new column, empty for the rows written before the release that fills it
  await db.owner.query('ALTER TABLE orders ADD COLUMN search_phone text');
  const branch = await createBranch(db.owner);
  for (let i = 0; i < 25; i++) {
    const o = await createOrder(db.owner, { branchId: branch.id, customerPhone: `010-1234-${String(5600 + i)}` });
    ids.push(o.id);
  }
  await createOrder(db.owner, { branchId: branch.id, customerPhone: null });
});
afterAll(() => db.drop());

const spec = {
  name: 'test-orders-search-phone',
  table: 'orders',
  key: ['created_at', 'id'],
  where: 'search_phone IS NULL AND customer_phone IS NOT NULL',
  set: "search_phone = regexp_replace(customer_phone, '[^0-9]', '', 'g')",
  batchSize: 10,
  auditNote: 'backfill orders.search_phone',
};

async function filled(): Promise<number> {
  const r = await db.owner.query('SELECT count(*)::int AS n FROM orders WHERE search_phone IS NOT NULL');
  return r.rows[0].n;
}

describe('batched, resumable backfill', () => {
  it('stops after the batches it was given, with its progress recorded', async () => {
    const seen: BackfillProgress[] = [];
    const p = await runBackfill(db.owner, spec, { maxBatches: 1, onProgress: (x) => seen.push(x) });
    expect(p).toMatchObject({ rowsDone: 10, batches: 1, remainingAtStart: 25, finished: false });
    expect(seen.map((s) => s.rowsDone)).toEqual([10]);
    expect(await filled()).toBe(10);
  });

  it('a batch that fails is rolled back whole; the committed ones stay, and the next run resumes after them', async () => {
    let calls = 0;
    await expect(
      runBackfill(db.owner, {
        ...spec,
        set: undefined,
        apply: async (client, rows) => {
          calls++;
          // writes, then dies before its batch commits
          await client.query(`UPDATE orders SET search_phone = 'x' WHERE id = ANY($1::uuid[])`, [
            rows.map((r) => r.id),
          ]);
          if (calls === 2) throw new Error('killed mid-batch');
          return rows.length;
        },
        columns: ['customer_phone'],
      }),
    ).rejects.toThrow('killed mid-batch');
    expect(await filled()).toBe(20); // the first run's 10 + this run's first batch
    const p = await runBackfill(db.owner, spec, { onProgress: () => {} });
    expect(p).toMatchObject({ rowsDone: 25, finished: true, remainingAtStart: 5 });
    expect(await filled()).toBe(25);
    // each order changed once by the backfill: one audit row each, with the note
    const audit = await db.owner.query(
      `SELECT record_id, count(*)::int AS n, min(note) AS note FROM audit_logs
        WHERE table_name = 'orders' AND action = 'UPDATE' AND record_id = ANY($1) AND diff ? 'search_phone'
        GROUP BY record_id`,
      [ids],
    );
    expect(audit.rows.length).toBe(25);
    expect(audit.rows.every((r) => r.n === 1 && r.note === 'backfill orders.search_phone')).toBe(true);
  });

  it('a finished backfill does nothing when run again', async () => {
    const before = await db.owner.query('SELECT count(*)::int AS n FROM audit_logs');
    const p = await runBackfill(db.owner, spec);
    expect(p).toMatchObject({ rowsDone: 25, finished: true });
    const after = await db.owner.query('SELECT count(*)::int AS n FROM audit_logs');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses a spec that names no work or something that is not a plain identifier', async () => {
    await expect(runBackfill(db.owner, { ...spec, name: 'bad-1', set: undefined })).rejects.toThrow(/set .* apply/);
    await expect(runBackfill(db.owner, { ...spec, name: 'bad-2', table: 'orders; DROP TABLE x' })).rejects.toThrow(
      /identifier/,
    );
  });
});
