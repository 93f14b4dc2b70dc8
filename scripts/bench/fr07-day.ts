// DATABASE_URL=… tsx scripts/bench/fr07-day.ts <bench database> [calls per shape]
//
// FR-07's waste totals as the server asks them (summary(), server/waste/waste.repository.ts), per shape: a partner
// coordinator, the largest branch's manager and HQ, by day and by partner, over the periods bench:api sends
// (30, 31, 7, 30 days ending up to 60 days back). Each call runs as dispatch_app in a request transaction on the
// server's pool settings (generic plans); then its statement is replayed under EXPLAIN (ANALYZE, BUFFERS) with the
// same context and plan. Prints per shape the median / p95 execution time of the EXPLAIN, the median rows
// thrown away by filters and buffers touched, and the PostgreSQL CPU per call (the pool's backends, from /proc),
// with the load average. Asserts nothing.
import { loadavg } from 'node:os';
import pg from 'pg';
import { appRolePassword } from '../../db/migrate.js';
import { withDatabase, withUser } from '../../db/pg/embedded.js';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { type GroupBy, summary } from '../../server/waste/waste.repository.js';
import { explainJson, planNodes } from '../../test/support/explain.js';
import { SqlProbe } from '../../test/support/sql-probe.js';
import { percentile } from './direct-bench.js';

const dbName = process.argv[2];
if (!dbName || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=… tsx scripts/bench/fr07-day.ts <bench database> [calls per shape]');
  process.exit(2);
}
const calls = Number(process.argv[3] ?? 40);
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
               OR u.branch_id = (SELECT branch_id FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 1))
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

const coordinator = await actorOf('PARTNER_COORDINATOR');
const manager = await actorOf('BRANCH_MANAGER');
const hq = await actorOf('HQ_ADMIN');
const shapes: { label: string; actor: Actor; groupBy: GroupBy }[] = [
  { label: 'coordinator, by day', actor: coordinator, groupBy: 'day' },
  { label: 'manager, by day', actor: manager, groupBy: 'day' },
  { label: 'HQ, by day', actor: hq, groupBy: 'day' },
  { label: 'coordinator, by partner', actor: coordinator, groupBy: 'partner' },
  { label: 'HQ, by partner', actor: hq, groupBy: 'partner' },
];

const call = (s: (typeof shapes)[number], i: number) =>
  withRequestTransaction(pool, s.actor, (tx) =>
    summary(
      tx,
      {
        ...range(i),
        // as the service narrows them (server/waste/waste.service.ts)
        branchId: s.actor.role === 'BRANCH_MANAGER' ? s.actor.branchId! : undefined,
        partnerId: s.actor.role === 'PARTNER_COORDINATOR' ? s.actor.partnerId! : undefined,
        statuses: ['COLLECTED', 'REPORTED'],
      },
      s.groupBy,
    ),
  );

const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(`${dbName}, ${calls} calls per shape; load average ${loadavg()[0]!.toFixed(1)}`);
for (const s of shapes) {
  for (let i = 0; i < 5; i++) await call(s, i); // each connection plans the named statement once
  const load0 = loadavg()[0]!;
  const cpu0 = sum(probe.backendCpuMs());
  for (let i = 0; i < calls; i++) await call(s, i);
  const cpuPerCall = (sum(probe.backendCpuMs()) - cpu0) / calls;
  const exec: number[] = [];
  const removed: number[] = [];
  const buffers: number[] = [];
  for (let i = 0; i < calls; i++) {
    probe.record();
    await call(s, i);
    const recorded = probe.stopRecording();
    const context = recorded.find((r) => /app_enter_request\(/.test(r.text))!;
    const main = recorded.find((r) => /\bFROM report_waste\b/.test(r.text))!;
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query({ text: context.text.replace(/^\s*BEGIN;\s*/i, ''), values: context.values });
      const j = await explainJson(c, main, 'generic');
      exec.push(j['Execution Time']);
      removed.push(
        planNodes(j.Plan).reduce((n, p) => n + (p['Rows Removed by Filter'] ?? 0) * (p['Actual Loops'] ?? 1), 0),
      );
      buffers.push(j.Plan['Shared Hit Blocks'] ?? 0);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  }
  console.log(
    `${s.label.padEnd(24)} EXPLAIN exec p50 ${percentile(exec, 50).toFixed(2)} / p95 ${percentile(exec, 95).toFixed(2)} ms, ` +
      `rows removed by filter p50 ${percentile(removed, 50)}, buffers p50 ${percentile(buffers, 50)}, ` +
      `PostgreSQL CPU ${cpuPerCall.toFixed(2)} ms per call (load ${load0.toFixed(1)}–${loadavg()[0]!.toFixed(1)})`,
  );
}
await pool.end();
await owner.end();
