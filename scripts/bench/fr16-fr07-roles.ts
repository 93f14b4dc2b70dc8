// DATABASE_URL=… tsx scripts/bench/fr16-fr07-roles.ts <bench database> [calls per shape] [before]
//
// FR-16 (customer history by name, the page of 100) and FR-07 by partner as the server asks them, per role: HQ,
// the largest branch's manager, a partner coordinator (FR-07 only: FR-16 is HQ's and managers', domain/roles.ts).
// Each call runs as dispatch_app in a request transaction on the server's pool settings (generic plans); then its
// statement is replayed under EXPLAIN (ANALYZE, BUFFERS) with the same context and plan. Prints per shape the
// median / p95 execution time of the EXPLAIN, the median rows read from orders or the signatures, the rows thrown
// away by filters, the buffers, the rows answered, and the PostgreSQL CPU per call (the pool's backends, /proc),
// with the load average. Asserts nothing.
//
// `before` runs the code before round 6 on the same data (migrated: the old queries need nothing the new
// migrations took away): FR-16 without the manager's branch (customerOrders without branchId), FR-07 by partner
// from the module FR07_BEFORE names (e.g. `git show 17befa0:server/waste/waste.repository.ts >
// server/waste/waste.repository.before.ts`, then FR07_BEFORE=../../server/waste/waste.repository.before.js).
import { loadavg } from 'node:os';
import pg from 'pg';
import { appRolePassword } from '../../db/migrate.js';
import { withDatabase, withUser } from '../../db/pg/embedded.js';
import { customerOrders } from '../../server/customers/customers.repository.js';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import * as wasteNow from '../../server/waste/waste.repository.js';
import { explainJson, type PlanNode, planNodes } from '../../test/support/explain.js';
import { SqlProbe } from '../../test/support/sql-probe.js';
import { percentile } from './direct-bench.js';

const dbName = process.argv[2];
if (!dbName || !process.env.DATABASE_URL) {
  console.error(
    'usage: DATABASE_URL=… tsx scripts/bench/fr16-fr07-roles.ts <bench database> [calls per shape] [before]',
  );
  process.exit(2);
}
const calls = Number(process.argv[3] ?? 40);
const before = process.argv[4] === 'before';
const waste: typeof wasteNow = before && process.env.FR07_BEFORE ? await import(process.env.FR07_BEFORE) : wasteNow;
if (before && !process.env.FR07_BEFORE) console.log('(FR07_BEFORE not set: FR-07 runs the current code)');
const url = withDatabase(process.env.DATABASE_URL, dbName);
const owner = new pg.Client({ connectionString: url });
await owner.connect();
const pool = createPool(withUser(url, 'dispatch_app', appRolePassword()), { max: 2 });
const probe = new SqlProbe();
probe.attach(pool);

async function actorOf(role: string): Promise<Actor> {
  const u = (
    await owner.query(
      `SELECT u.id, u.username, r.role_code, u.branch_id, u.partner_id FROM users u JOIN user_roles r ON r.user_id = u.id
        WHERE r.role_code = $1 AND u.is_active
          AND (r.role_code <> 'BRANCH_MANAGER'
               OR u.branch_id = (SELECT branch_id FROM report_progress WHERE NOT by_appointment GROUP BY 1 ORDER BY sum(n) DESC LIMIT 1))
        ORDER BY u.username LIMIT 1`,
      [role],
    )
  ).rows[0];
  const session = await owner.query<{ id: string }>(
    `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
     VALUES ($1, gen_random_uuid(), md5(random()::text), now() + interval '1 hour') RETURNING family_id AS id`,
    [u.id],
  );
  return {
    userId: u.id,
    username: u.username,
    role: u.role_code,
    branchId: u.branch_id,
    partnerId: u.partner_id,
    locale: 'en',
    sessionId: session.rows[0]!.id,
  };
}

const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date());
const addDays = (d: string, n: number) => {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
};
const range = (i: number) => {
  const end = addDays(today, -((i * 7) % 61));
  const days = [30, 31, 7, 30][i % 4]!;
  return { from: addDays(end, -(days - 1)), to: end };
};

// the names bench:api asks (test/bench/api.ts readWorld: 100 orders' names in md5(order_no) order)
const names = (
  await owner.query<{ name: string }>(
    `SELECT customer_name AS name FROM orders WHERE deleted_at IS NULL ORDER BY md5(order_no) LIMIT 100`,
  )
).rows.map((r) => r.name);

const coordinator = await actorOf('PARTNER_COORDINATOR');
const manager = await actorOf('BRANCH_MANAGER');
const hq = await actorOf('HQ_ADMIN');
interface Shape {
  label: string;
  actor: Actor;
  run: (tx: pg.PoolClient, i: number) => Promise<unknown[]>;
  reads: RegExp;
  table: RegExp;
}
const fr16 = (a: Actor) => (tx: pg.PoolClient, i: number) =>
  customerOrders(
    tx,
    { name: names[i % names.length]!, branchId: !before && a.role === 'BRANCH_MANAGER' ? a.branchId! : undefined },
    100,
  );
const fr07 = (a: Actor) => (tx: pg.PoolClient, i: number) =>
  waste.summary(
    tx,
    {
      ...range(i),
      branchId: a.role === 'BRANCH_MANAGER' ? a.branchId! : undefined,
      partnerId: a.role === 'PARTNER_COORDINATOR' ? a.partnerId! : undefined,
      statuses: ['COLLECTED', 'REPORTED'],
    },
    'partner',
  );
const orders = { reads: /\bFROM orders o\b/, table: /^orders_/ };
const sigs = { reads: /\bFROM report_waste\b/, table: /^report_waste_order(s|_sig_days)$/ };
const shapes: Shape[] = [
  { label: 'FR-16 HQ, by name', actor: hq, run: fr16(hq), ...orders },
  { label: 'FR-16 manager, by name', actor: manager, run: fr16(manager), ...orders },
  { label: 'FR-07 HQ, by partner', actor: hq, run: fr07(hq), ...sigs },
  { label: 'FR-07 manager, by partner', actor: manager, run: fr07(manager), ...sigs },
  { label: 'FR-07 coord., by partner', actor: coordinator, run: fr07(coordinator), ...sigs },
];
const only = process.env.SHAPES ? new RegExp(process.env.SHAPES) : undefined;

const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const rowsOf = (n: PlanNode) => (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1);
console.log(
  `${dbName}, ${calls} calls per shape, ${before ? 'BEFORE' : 'after'}; load average ${loadavg()[0]!.toFixed(1)}`,
);
for (const s of shapes) {
  if (only && !only.test(s.label)) continue;
  const call = (i: number) => withRequestTransaction(pool, s.actor, (tx) => s.run(tx, i));
  for (let i = 0; i < 5; i++) await call(i); // each connection plans the named statement once
  const load0 = loadavg()[0]!;
  const cpu0 = sum(probe.backendCpuMs());
  let answered = 0;
  for (let i = 0; i < calls; i++) answered += (await call(i)).length;
  const cpuPerCall = (sum(probe.backendCpuMs()) - cpu0) / calls;
  const exec: number[] = [];
  const read: number[] = [];
  const removed: number[] = [];
  const buffers: number[] = [];
  for (let i = 0; i < calls; i++) {
    probe.record();
    await call(i);
    const recorded = probe.stopRecording();
    const context = recorded.find((r) => /app_enter_request\(/.test(r.text))!;
    const main = recorded.find((r) => s.reads.test(r.text))!;
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query({ text: context.text.replace(/^\s*BEGIN;\s*/i, ''), values: context.values });
      const j = await explainJson(c, main, 'generic');
      exec.push(j['Execution Time']);
      const nodes = planNodes(j.Plan);
      // the access path's rows: scans of the table asked (not the policies' primary-key probes of order_lines)
      read.push(
        nodes
          .filter((n) => s.table.test(n['Relation Name'] ?? '') && !/pkey/.test(n['Index Name'] ?? ''))
          .reduce((a, n) => a + rowsOf(n) + (n['Rows Removed by Filter'] ?? 0) * (n['Actual Loops'] ?? 1), 0),
      );
      removed.push(nodes.reduce((n, p) => n + (p['Rows Removed by Filter'] ?? 0) * (p['Actual Loops'] ?? 1), 0));
      buffers.push(j.Plan['Shared Hit Blocks'] ?? 0);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  }
  console.log(
    `${s.label.padEnd(26)} EXPLAIN exec p50 ${percentile(exec, 50).toFixed(2)} / p95 ${percentile(exec, 95).toFixed(2)} ms, ` +
      `rows read p50 ${percentile(read, 50)} (max ${Math.max(...read)}), removed by filter p50 ${percentile(removed, 50)}, ` +
      `buffers p50 ${percentile(buffers, 50)}, rows answered ${(answered / calls).toFixed(1)} per call, ` +
      `PostgreSQL CPU ${cpuPerCall.toFixed(2)} ms per call (load ${load0.toFixed(1)}–${loadavg()[0]!.toFixed(1)})`,
  );
}
await pool.end();
await owner.end();
