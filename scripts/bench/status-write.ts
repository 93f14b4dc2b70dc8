// tsx scripts/bench/status-write.ts <bench database> [changes per block] [blocks]
//
// What the report rollups' triggers (migration 0090) add to an order status change: the status UPDATE of one
// order, as dispatch_app in a request transaction (the branch's manager, as the server sets it up), timed on the
// Node side, with the rollup trigger (and the sync scope notes' trigger of 0091) enabled and disabled in
// alternating blocks on the same orders, so every mode meets the same machine load. Prints p50 / p95 of the
// UPDATE round trip and of the whole transaction per mode, and the triggers' own time from EXPLAIN ANALYZE. Asserts nothing; leaves the triggers enabled.
import { loadavg } from 'node:os';
import { withRequestTransaction } from '../../server/db/transaction.js';
import { directBench, percentile } from './direct-bench.js';

const dbName = process.argv[2];
if (!dbName || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=… tsx scripts/bench/status-write.ts <bench database> [per block] [blocks]');
  process.exit(2);
}
const perBlock = Number(process.argv[3] ?? 50);
const blocks = Number(process.argv[4] ?? 8);
const { owner, pool, actor, branchId } = await directBench(dbName);

// off: none of them; rollup: the report rollups' trigger (0090); all: it and the sync scope notes' triggers
// (0091) of orders and of order_status_history (a status change writes a history row)
const MODES = {
  off: [],
  rollup: ['orders.trg_report_u'],
  all: ['orders.trg_report_u', 'orders.trg_sync_note_u', 'order_status_history.trg_sync_note_i'],
} as const;
type Mode = keyof typeof MODES;
async function setTriggers(mode: Mode) {
  for (const t of MODES.all) {
    const on = (MODES[mode] as readonly string[]).includes(t);
    const [table, trigger] = t.split('.');
    await owner.query(`ALTER TABLE ${table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`);
  }
}

// orders of the branch in a status that toggles 배정 <-> 배정확정, outside locked settlement weeks
const ids = (
  await owner.query<{ id: string }>(
    `SELECT o.id FROM orders o
      WHERE o.branch_id = $1 AND o.deleted_at IS NULL AND o.status IN ('배정', '배정확정')
        AND NOT EXISTS (SELECT 1 FROM settlement_periods s WHERE s.branch_id = o.branch_id AND s.status = 'LOCKED'
                         AND o.appointment_date BETWEEN s.period_start AND s.period_end)
      ORDER BY o.created_at DESC LIMIT $2`,
    [branchId, perBlock],
  )
).rows.map((r) => r.id);
if (ids.length < perBlock) throw new Error(`only ${ids.length} orders to toggle`);

const SQL = `UPDATE orders SET status = CASE status WHEN '배정' THEN '배정확정' ELSE '배정' END
              WHERE id = $1 AND deleted_at IS NULL`;
const samples = Object.fromEntries(
  Object.keys(MODES).map((m) => [m, { stmt: [] as number[], tx: [] as number[] }]),
) as Record<Mode, { stmt: number[]; tx: number[] }>;
const modes = Object.keys(MODES) as Mode[];
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
for (let b = 0; b < blocks * modes.length; b++) {
  const mode = modes[b % modes.length]!;
  await setTriggers(mode);
  for (const id of ids) {
    const t0 = performance.now();
    let stmt = 0;
    await withRequestTransaction(pool, actor, async (tx) => {
      const s = performance.now();
      await tx.query({ name: 'bench_status_toggle', text: SQL, values: [id] });
      stmt = performance.now() - s;
    });
    samples[mode].stmt.push(stmt);
    samples[mode].tx.push(performance.now() - t0);
  }
}
await setTriggers('all');

const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(3)} ms, p95 ${percentile(xs, 95).toFixed(3)} ms`;
console.log(`${samples.off.stmt.length} status changes per mode, ${blocks} alternating blocks of ${perBlock}`);
for (const mode of modes) {
  const d = (k: 'stmt' | 'tx') => (percentile(samples[mode][k], 50) - percentile(samples.off[k], 50)).toFixed(3);
  console.log(
    `new triggers ${mode.padEnd(6)}: UPDATE ${fmt(samples[mode].stmt)}; transaction ${fmt(samples[mode].tx)}` +
      (mode === 'off' ? '' : `; p50 vs off: UPDATE +${d('stmt')} ms, transaction +${d('tx')} ms`),
  );
}

// the triggers' own time, as PostgreSQL counts it (one status change, rolled back)
const triggerTimes: Record<string, number[]> = {};
for (let i = 0; i < 20; i++) {
  await withRequestTransaction(pool, actor, async (tx) => {
    const r = await tx.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${SQL.replace('$1', `'${ids[i % ids.length]}'`)}`);
    for (const t of r.rows[0]['QUERY PLAN'][0].Triggers as { 'Trigger Name': string; Time: number }[]) {
      const list = triggerTimes[t['Trigger Name']] ?? [];
      list.push(t.Time);
      triggerTimes[t['Trigger Name']] = list;
    }
    throw Object.assign(new Error('rollback'), { rollback: true });
  }).catch((e) => {
    if (!(e as { rollback?: boolean }).rollback) throw e;
  });
}
console.log('trigger time per status change (EXPLAIN ANALYZE, median of 20):');
for (const [name, xs] of Object.entries(triggerTimes).sort((a, b) => percentile(b[1], 50) - percentile(a[1], 50))) {
  console.log(`  ${percentile(xs, 50).toFixed(3)} ms  ${name}`);
}
console.log(
  `load average at end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
await pool.end();
await owner.end();
