// Monthly partitions of orders (Korean months) and of the status history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertOrder } from './fixtures.js';

let db: TestDatabase;
let branchId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  branchId = (await db.owner.query("INSERT INTO branches(code, name) VALUES ('PT', '파티션지점') RETURNING id")).rows[0]
    .id;
});
afterAll(async () => {
  await db.drop();
});

/** Year and month (1–12) of the Korean month `back` months before the current one. */
function kstMonth(back: number): { y: number; m: number; name: string } {
  const now = new Date(Date.now() + 9 * 3_600_000);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return { y, m, name: `orders_${y}_${String(m).padStart(2, '0')}` };
}
const kst = (y: number, m: number, day: number, time = '12:00:00') =>
  `${y}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')} ${time}+09`;

async function partitionOf(id: string): Promise<string> {
  return (await db.owner.query('SELECT tableoid::regclass::text AS p FROM orders WHERE id = $1', [id])).rows[0].p;
}

async function partitionCount(): Promise<number> {
  return (
    await db.owner.query(
      "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent IN ('orders'::regclass, 'order_status_history'::regclass)",
    )
  ).rows[0].n;
}

describe('order partitions', () => {
  it('an order lands in the partition of the Korean month it was created in', async () => {
    for (const back of [0, 5, 23]) {
      const { y, m, name } = kstMonth(back);
      const o = await insertOrder(db.owner, { branchId, createdAt: kst(y, m, 15) });
      expect(await partitionOf(o.id)).toBe(name);
    }
  });

  it('month boundaries are Korean midnights', async () => {
    const { y, m, name } = kstMonth(2);
    const midnight = Date.parse(`${y}-${String(m).padStart(2, '0')}-01T00:00:00+09:00`);
    const first = await insertOrder(db.owner, { branchId, createdAt: new Date(midnight).toISOString() });
    const lastSecondBefore = await insertOrder(db.owner, {
      branchId,
      createdAt: new Date(midnight - 1000).toISOString(),
    });
    expect(await partitionOf(first.id)).toBe(name);
    expect(await partitionOf(lastSecondBefore.id)).toBe(kstMonth(3).name);
  });

  it('an order created outside the partitioned range lands in orders_default', async () => {
    const future = await insertOrder(db.owner, { branchId, createdAt: '2099-06-15 12:00+09' });
    const past = await insertOrder(db.owner, { branchId, createdAt: '2001-06-15 12:00+09' });
    expect(await partitionOf(future.id)).toBe('orders_default');
    expect(await partitionOf(past.id)).toBe('orders_default');
  });

  it('status history is partitioned by the month of the change, not of the order', async () => {
    const { y, m } = kstMonth(4);
    const o = await insertOrder(db.owner, { branchId, createdAt: kst(y, m, 20) });
    await db.owner.query(`UPDATE orders SET status = '연기' WHERE id = $1`, [o.id]);
    const { rows } = await db.owner.query(
      'SELECT tableoid::regclass::text AS p FROM order_status_history WHERE order_id = $1',
      [o.id],
    );
    const thisMonth = kstMonth(0).name.replace('orders_', 'order_status_history_');
    expect(rows).toEqual([{ p: thisMonth }, { p: thisMonth }]);
  });

  it('ensure_order_partitions creates what is missing, and a second call creates nothing', async () => {
    const before = await partitionCount();
    const first = (await db.owner.query('SELECT ensure_order_partitions(6, 24) AS n')).rows[0].n;
    const afterFirst = await partitionCount();
    expect(afterFirst - before).toBe(first);
    const second = (await db.owner.query('SELECT ensure_order_partitions(6, 24) AS n')).rows[0].n;
    expect(second).toBe(0);
    expect(await partitionCount()).toBe(afterFirst);
    const ahead = kstMonth(-6).name;
    const exists = await db.owner.query('SELECT to_regclass($1) IS NOT NULL AS ok', [ahead]);
    expect(exists.rows[0].ok).toBe(true);
  });

  it('a query for one month reads one partition', async () => {
    const { y, m, name } = kstMonth(1);
    const next = kstMonth(0);
    const { rows } = await db.owner.query(
      `EXPLAIN (FORMAT JSON) SELECT count(*) FROM orders
        WHERE created_at >= '${kst(y, m, 1, '00:00:00')}' AND created_at < '${kst(next.y, next.m, 1, '00:00:00')}'`,
    );
    const relations = new Set<string>();
    const walk = (node: Record<string, unknown>) => {
      if (typeof node['Relation Name'] === 'string') relations.add(node['Relation Name']);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan);
    expect([...relations]).toEqual([name]);
  });
});
