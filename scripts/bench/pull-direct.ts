// Measures the server side of a no-change pull without HTTP or the client: calls pullChanges directly as the
// branch's clerk in a request transaction, and times every round trip by statement kind.
// Usage: DATABASE_URL=… tsx scripts/bench/pull-direct.ts <database> [pulls] [busy]   Prints; asserts nothing.
// With `busy`, an order of another branch is edited before each pull (not timed): the window then holds rows,
// none of them the clerk's.
import { withRequestTransaction } from '../../server/db/transaction.js';
import { pullChanges } from '../../server/sync/sync.service.js';
import { directBench, percentile } from './direct-bench.js';

const [dbName, pullsArg, busyArg] = process.argv.slice(2);
const pulls = Number(pullsArg ?? 500);
const { owner, pool, actor, branchId, timings } = await directBench(dbName!);
const other = (
  await owner.query<{ id: string }>(
    // not in a locked settlement week (the edit would be refused)
    `SELECT o.id FROM orders o WHERE o.branch_id <> $1 AND o.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM settlement_periods sp WHERE sp.branch_id = o.branch_id AND sp.status = 'LOCKED'
                          AND o.appointment_date BETWEEN sp.period_start AND sp.period_end)
      ORDER BY o.id LIMIT $2`,
    [branchId, pulls],
  )
).rows.map((r) => r.id);
// a cursor at the end of a complete run: walk the snapshot to its end once (large pages), then pull nothing new
let cursor: string | undefined;
for (;;) {
  const page = await withRequestTransaction(pool, actor, (tx) =>
    pullChanges(tx, actor, { limit: '5000', ...(cursor ? { cursor } : {}) }),
  );
  cursor = page.cursor;
  if (!page.hasMore) break;
}
timings.clear();
const lat: number[] = [];
for (let i = 0; i < pulls; i++) {
  if (busyArg === 'busy')
    await owner.query('UPDATE orders SET remarks = $2 WHERE id = $1', [other[i % other.length], `pull-direct ${i}`]);
  const t = performance.now();
  const page = await withRequestTransaction(pool, actor, (tx) => pullChanges(tx, actor, { cursor, limit: '1000' }));
  lat.push(performance.now() - t);
  cursor = page.cursor;
}
console.log(
  `no-change pull (server side, no HTTP): p50 ${percentile(lat, 50).toFixed(2)} ms, p95 ${percentile(lat, 95).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms`,
);
timings.print(pulls, 'pull');
// the relation locks one more such pull holds at its end (all it took: locks are kept to the end of the transaction)
if (busyArg === 'busy')
  await owner.query('UPDATE orders SET remarks = $2 WHERE id = $1', [other[0], 'pull-direct locks']);
const locks = await withRequestTransaction(pool, actor, async (tx) => {
  const page = await pullChanges(tx, actor, { cursor, limit: '1000' });
  cursor = page.cursor;
  return (
    await tx.query<{ all: number; slow: number }>(
      `SELECT count(*)::int AS all, count(*) FILTER (WHERE NOT fastpath)::int AS slow FROM pg_locks
        WHERE pid = pg_backend_pid() AND locktype = 'relation'`,
    )
  ).rows[0]!;
});
console.log(`relation locks held by one pull: ${locks.all} (${locks.slow} outside the fast path)`);
await pool.end();
await owner.end();
