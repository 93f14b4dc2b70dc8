// DATABASE_URL=… tsx scripts/bench/order-index-write.ts <bench database> [writes per block] [blocks]
//
// What the indexes of migrations 0125 (appointment sort) and 0126 (trigram GIN of the free text) add to writing an
// order: an INSERT of one order (copied from one of the largest branch, with a second phone) and a status change
// of it (a non-HOT update: every index of orders gets an entry), as the database owner, timed by PostgreSQL
// (EXPLAIN ANALYZE): the statement's own node (the row and its index entries) and the whole statement with its
// triggers. Blocks alternate between the indexes present and dropped (DROP INDEX inside the block's transaction,
// which is rolled back: the database is left as it was), so both modes meet the same machine load. Prints
// p50 / p95 per mode and the load average. Asserts nothing. INDEXES=a,b names other indexes to compare (round 6:
// INDEXES=idx_orders_customer_branch, migration 0142).
import { loadavg } from 'node:os';
import pg from 'pg';
import { withDatabase } from '../../db/pg/embedded.js';

const dbName = process.argv[2];
if (!dbName || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=… tsx scripts/bench/order-index-write.ts <bench database> [per block] [blocks]');
  process.exit(2);
}
const perBlock = Number(process.argv[3] ?? 25);
const blocks = Number(process.argv[4] ?? 8);
const INDEXES = process.env.INDEXES?.split(',') ?? ['idx_orders_text_search', 'idx_orders_appointment_sort'];

const client = new pg.Client({ connectionString: withDatabase(process.env.DATABASE_URL, dbName) });
await client.connect();
const source = (
  await client.query<{ id: string }>(
    `SELECT o.id FROM orders o JOIN users u ON u.branch_id = o.branch_id AND u.username = 'mgr.seoul'
      WHERE o.deleted_at IS NULL AND o.customer_phone IS NOT NULL LIMIT 1`,
  )
).rows[0]!.id;

interface Sample {
  node: number;
  total: number;
}
const samples: Record<'with' | 'without', { insert: Sample[]; update: Sample[] }> = {
  with: { insert: [], update: [] },
  without: { insert: [], update: [] },
};

async function explain(sql: string, values: unknown[]): Promise<Sample> {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) ${sql}`, values);
  const j = rows[0]['QUERY PLAN'][0];
  return { node: j.Plan['Actual Total Time'], total: j['Execution Time'] };
}

const loads: number[] = [];
let n = 0;
for (let b = 0; b < blocks * 2; b++) {
  const mode = b % 2 === 0 ? 'with' : 'without';
  await client.query('BEGIN');
  try {
    if (mode === 'without') for (const i of INDEXES) await client.query(`DROP INDEX ${i}`);
    for (let i = 0; i < perBlock; i++) {
      const orderNo = `WB${process.pid}-${++n}`;
      samples[mode].insert.push(
        await explain(
          `INSERT INTO orders (order_no, customer_name, customer_phone, customer_phone2, address, vendor, branch_id,
                               partner_id)
           SELECT $1, customer_name, customer_phone, '02-345-6789', address, vendor, branch_id, partner_id
             FROM orders WHERE id = $2`,
          [orderNo, source],
        ),
      );
      samples[mode].update.push(await explain(`UPDATE orders SET status = '연기' WHERE order_no = $1`, [orderNo]));
    }
  } finally {
    await client.query('ROLLBACK');
  }
  loads.push(loadavg()[0]!);
}
await client.end();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (xs: number[]) => `${pct(xs, 50).toFixed(3)} / ${pct(xs, 95).toFixed(3)}`;
console.log(
  `${blocks} blocks × ${perBlock} writes per mode, alternating; load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
);
console.log(
  'mode | insert node p50/p95 ms | insert with triggers p50/p95 | update node p50/p95 | update with triggers p50/p95',
);
for (const mode of ['with', 'without'] as const) {
  const s = samples[mode];
  console.log(
    `${mode} ${INDEXES.join('+')} | ${f(s.insert.map((x) => x.node))} | ${f(s.insert.map((x) => x.total))} | ${f(s.update.map((x) => x.node))} | ${f(s.update.map((x) => x.total))}`,
  );
}
