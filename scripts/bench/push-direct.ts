// Measures the server side of a sync push without HTTP or the client: calls pushOps directly with order.update
// ops (as the bench's client sends) against the bench:sync database, and times every round trip by statement
// kind. Usage: DATABASE_URL=… tsx scripts/bench/push-direct.ts <database> [requests] [ops per request]
// Prints; asserts nothing. Edits orders of the branch of its first branch manager (remarks only).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { orderOpBatchHandlers, orderOpHandlers } from '../../server/sync/sync.op-handlers.js';
import { pushOps } from '../../server/sync/sync.push.js';
import { directBench } from './direct-bench.js';

const [dbName, requestsArg, perArg] = process.argv.slice(2);
const requests = Number(requestsArg ?? 5);
const per = Number(perArg ?? 200);
const { owner, pool, actor, branchId, timings } = await directBench(dbName!);
/** user + system CPU (ms) of the database's other backends, from /proc (the pool's connections; Linux only) */
async function backendCpuMs(): Promise<number> {
  const pids = (
    await owner.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )
  ).rows.map((r) => r.pid);
  let ms = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      // ended, or no /proc
    }
  }
  return ms;
}
const orders = (
  await owner.query<{ id: string; version: string }>(
    `SELECT id, version FROM orders WHERE branch_id = $1 AND deleted_at IS NULL ORDER BY random() LIMIT $2`,
    [branchId, requests * per],
  )
).rows;
const chunks = [];
for (let r = 0; r < requests; r++) chunks.push(orders.slice(r * per, (r + 1) * per));
let total = 0;
let pgTotal = 0;
let nodeTotal = 0;
for (const [r, chunk] of chunks.entries()) {
  const body = {
    clientId: randomUUID(),
    ops: chunk.map((o, i) => ({
      opId: randomUUID(),
      entity: 'orders',
      entityId: o.id,
      kind: 'order.update',
      payload: { remarks: `direct ${r} ${i} ${Date.now()}` },
      expectedVersion: Number(o.version),
      attempt: 0,
    })),
  };
  const pg0 = await backendCpuMs();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const res = await pushOps(
    { pool, handlers: orderOpHandlers, batchHandlers: orderOpBatchHandlers },
    actor,
    body,
    'en',
  );
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const pgMs = (await backendCpuMs()) - pg0;
  if (r > 0) {
    // the first request prepares the statements
    total += ms;
    pgTotal += pgMs;
    nodeTotal += (cpu.user + cpu.system) / 1000;
  }
  const bad = res.results.filter((x) => x.status !== 'SYNCED');
  console.log(
    `request ${r}: ${res.results.length} answers (${bad.length} not SYNCED${bad[0] ? `: ${JSON.stringify(bad[0]).slice(0, 200)}` : ''}) in ${ms.toFixed(0)} ms, ${(ms / per).toFixed(2)} ms/op; node CPU ${((cpu.user + cpu.system) / 1000 / per).toFixed(2)} ms/op, PostgreSQL CPU ${(pgMs / per).toFixed(2)} ms/op`,
  );
}
const after = (requests - 1) * per;
console.log(
  `after the first: ${(total / after).toFixed(3)} ms/op; CPU per op: node ${(nodeTotal / after).toFixed(3)} ms, ` +
    `PostgreSQL ${(pgTotal / after).toFixed(3)} ms; load average ${loadavg()[0]!.toFixed(1)}`,
);
timings.print(requests * per, 'op');
await pool.end();
await owner.end();
