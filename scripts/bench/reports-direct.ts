// tsx scripts/bench/reports-direct.ts <bench database> [requests per shape]
//
// FR-08 and FR-07 answered from the rollups (migration 0090) against the raw aggregates they replace, on the same
// data, interleaved request by request (so both meet the same machine load), as dispatch_app under row-level
// security: HQ naming a branch, HQ over every branch, a branch manager, a partner coordinator; 7–31-day periods
// ending up to 60 days back, as bench:api sends them. Prints p50 / p95 of the SQL round trip per shape and the
// rollup tables' sizes; checks that both answers are equal (it says so if not). Asserts nothing else.
import { loadavg } from 'node:os';
import { Prng } from '../../db/seed/prng.js';
import { progressCounts, progressCountsRaw } from '../../server/dashboard/dashboard.repository.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { type GroupBy, summary, summaryRaw } from '../../server/waste/waste.repository.js';
import { directBench, percentile } from './direct-bench.js';

const dbName = process.argv[2];
if (!dbName || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=… tsx scripts/bench/reports-direct.ts <bench database> [requests per shape]');
  process.exit(2);
}
const requests = Number(process.argv[3] ?? 60);
const { owner, pool } = await directBench(dbName);

const users = (
  await owner.query(
    `SELECT DISTINCT ON (r.role_code) u.id, u.username, r.role_code, u.branch_id, u.partner_id
       FROM users u JOIN user_roles r ON r.user_id = u.id
      WHERE r.role_code IN ('HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR')
        AND (r.role_code <> 'BRANCH_MANAGER' OR u.branch_id = (SELECT branch_id FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 1))
      ORDER BY r.role_code, u.username`,
  )
).rows;
const actorOf = (role: string): Actor => {
  const u = users.find((x) => x.role_code === role)!;
  return {
    userId: u.id,
    username: u.username,
    role: u.role_code,
    branchId: u.branch_id,
    partnerId: u.partner_id,
    locale: 'en',
  };
};
const hq = actorOf('HQ_ADMIN');
const manager = actorOf('BRANCH_MANAGER');
const coordinator = actorOf('PARTNER_COORDINATOR');
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date());
const rnd = new Prng(7, 7);
const addDays = (d: string, n: number) => {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
};
const period = (r: Prng) => {
  const to = addDays(today, -r.range(0, 60));
  return { from: addDays(to, -r.range(6, 30)), to };
};

type Shape = {
  label: string;
  actor: Actor;
  run: (raw: boolean, tx: Parameters<typeof progressCounts>[0], r: Prng) => Promise<unknown>;
};
const shapes: Shape[] = [];
for (const [who, actor, branchId] of [
  ['HQ naming the branch', hq, manager.branchId!],
  ['HQ, every branch', hq, undefined],
  ['manager', manager, manager.branchId!],
  ['coordinator', coordinator, undefined],
] as const) {
  shapes.push({
    label: `FR-08 ${who}`,
    actor,
    run: (raw, tx, r) => {
      const f = { branchId, ...period(r), dateField: r.chance(0.5) ? ('created' as const) : ('appointment' as const) };
      return raw ? progressCountsRaw(tx, f) : progressCounts(tx, f);
    },
  });
  shapes.push({
    label: `FR-07 ${who}`,
    actor,
    run: (raw, tx, r) => {
      const groupBy = r.pick(['code', 'day', 'partner'] as GroupBy[]);
      const f = {
        ...period(r),
        branchId,
        partnerId: actor.role === 'PARTNER_COORDINATOR' ? actor.partnerId! : undefined,
        statuses: ['COLLECTED', 'REPORTED'] as ('COLLECTED' | 'REPORTED')[],
      };
      return raw ? summaryRaw(tx, f, groupBy) : summary(tx, f, groupBy);
    },
  });
}

console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
await owner.query('SELECT report_fold()');
const sizes = await owner.query(
  `SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname LIKE 'report\\_%' ORDER BY relname`,
);
console.log(`rollup rows: ${sizes.rows.map((r) => `${r.relname} ${r.n_live_tup}`).join(', ')}`);
let unequal = 0;
for (const s of shapes) {
  const t = { raw: [] as number[], rollup: [] as number[] };
  for (let i = 0; i < requests + 5; i++) {
    const seed = rnd.range(0, 1e9);
    const answers: Record<string, string> = {};
    for (const mode of i % 2 ? (['raw', 'rollup'] as const) : (['rollup', 'raw'] as const)) {
      await withRequestTransaction(pool, s.actor, async (tx) => {
        const t0 = performance.now();
        const rows = (await s.run(mode === 'raw', tx, new Prng(seed, 1))) as object[];
        if (i >= 5) t[mode].push(performance.now() - t0);
        answers[mode] = JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
      });
    }
    if (answers.raw !== answers.rollup) unequal++;
  }
  const f = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(2)} / p95 ${percentile(xs, 95).toFixed(2)} ms`;
  console.log(`${s.label.padEnd(30)} raw ${f(t.raw)}   rollup ${f(t.rollup)}`);
}
console.log(unequal ? `UNEQUAL answers: ${unequal}` : 'every rollup answer equal to the raw one');
console.log(
  `load average at end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
await pool.end();
await owner.end();
