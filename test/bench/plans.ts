// npm run bench:plans [-- --orders N] [--seed S] [--branches B] [--runs R] [--only id,id] [--partitions P]
//                     [--database NAME]
//
// Planning and execution of every filter shape GET /api/orders can send (server/orders: statuses, free text,
// date ranges on both date fields, installer, partner, vendor, sorts, cursors; every role), as PostgreSQL counts
// them: the statement the service sends is recorded from the server's pool, then replayed as dispatch_app under
// row-level security with the request's context, R times each under EXPLAIN (ANALYZE, SUMMARY): the generic plan
// (what an unnamed statement gets under the pool's plan_cache_mode = force_generic_plan), the custom plan (planned
// for its values), and the way the server runs it now (named: planned once per connection; or custom). Per shape:
// planning and execution p50 / p95, the plan kind served, the relation locks the statement takes (pg_locks, and
// how many outside the fast path), the indexes read and the partitions read / pruned. Also FR-16 (named statements),
// which grows with the partitions too (the sync pull: scripts/bench/pull-direct.ts). The load average is printed
// with every shape: on a shared
// 2-core machine PostgreSQL's own planning and execution times are the figures to compare, not wall time.
//
// --partitions P first creates monthly partitions of orders (and its status history) back in time until orders
// has P monthly partitions (the project's ensure_order_partitions, as db:maintain does): empty months, as a
// database that keeps 5 years would have, so the plans and locks at P partitions can be compared with the 29 of
// the generated data. --database NAME measures an existing database (e.g. one generated over 60 months).
// Prints; asserts nothing. See docs/performance.md, "Round 3".
import { loadavg } from 'node:os';
import pg from 'pg';
import { appRolePassword, migrate } from '../../db/migrate.js';
import { startDatabase, withDatabase, withUser } from '../../db/pg/embedded.js';
import { customerHistory } from '../../server/customers/customers.service.js';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import { listOrders } from '../../server/orders/orders.service.js';
import { type ExplainJson, explainJson, type PlanMode, planNodes } from '../support/explain.js';
import { type RecordedStatement, SqlProbe } from '../support/sql-probe.js';
import { ensureDataset } from './dataset.js';
import { type ListShape, listShapes, readPlanWorld } from './list-shapes.js';

interface Options {
  orders: number;
  seed: number;
  branches: number;
  runs: number;
  only: string[] | null;
  partitions: number | null;
  database: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    orders: 1_000_000,
    seed: 2,
    branches: 10,
    runs: 15,
    only: null,
    partitions: null,
    database: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (min: number) => {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) throw new Error(`${a} needs an integer ≥ ${min}`);
      return Number(v);
    };
    if (a === '--orders') o.orders = int(1);
    else if (a === '--seed') o.seed = int(0);
    else if (a === '--branches') o.branches = int(2);
    else if (a === '--runs') o.runs = int(1);
    else if (a === '--partitions') o.partitions = int(2);
    else if (a === '--database') o.database = argv[++i] ?? null;
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',').map((s) => s.trim());
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** What one replayed plan says about the access path. */
interface PlanFacts {
  planningMs: number;
  executionMs: number;
  indexes: string[];
  partitionsRead: number;
  pruned: number;
  seqScans: number;
  removedByFilter: number;
  rows: number;
}

const partitionless = (name: string) => name.replace(/_(\d{4}_\d{2}|default)(?=_|$)/, '_*');

function facts(j: ExplainJson): PlanFacts {
  const nodes = planNodes(j.Plan);
  const orderScans = nodes.filter((n) => /^orders_(\d{4}_\d{2}|default)$/.test(n['Relation Name'] ?? ''));
  const indexes = new Set<string>();
  for (const n of orderScans) {
    for (const c of planNodes(n)) if (c['Index Name']) indexes.add(partitionless(c['Index Name']));
  }
  const read = new Set(orderScans.filter((n) => (n['Actual Loops'] ?? 0) > 0).map((n) => n['Relation Name'] as string));
  return {
    planningMs: j['Planning Time'] ?? 0,
    executionMs: j['Execution Time'],
    indexes: [...indexes].sort(),
    partitionsRead: read.size,
    pruned: nodes.reduce((a, n) => a + (n['Subplans Removed'] ?? 0), 0),
    seqScans: orderScans.filter((n) => n['Node Type'] === 'Seq Scan').length,
    removedByFilter: orderScans.reduce((a, n) => a + (n['Rows Removed by Filter'] ?? 0) * (n['Actual Loops'] ?? 1), 0),
    rows: j.Plan['Actual Rows'] ?? 0,
  };
}

interface Measure {
  planning: number[];
  execution: number[];
  last?: PlanFacts;
}

/**
 * Each run replays the request's statements reading orders in one transaction (a newest-first list may send two:
 * the latest months, then the older ones) and adds up their planning and execution.
 */
async function replay(
  pool: pg.Pool,
  context: RecordedStatement,
  statements: RecordedStatement[],
  mode: PlanMode | 'served',
  runs: number,
  servedMode: PlanMode = 'generic',
): Promise<Measure> {
  const m: Measure = { planning: [], execution: [] };
  const client = await pool.connect();
  try {
    // one warm-up run: the catalog caches of a fresh connection, which the server's long-lived ones have
    for (let i = 0; i <= runs; i++) {
      await client.query('BEGIN');
      try {
        await client.query({ text: context.text, values: context.values });
        let planning = 0;
        let execution = 0;
        let first: PlanFacts | undefined;
        for (const [k, st] of statements.entries()) {
          let j: ExplainJson;
          if (mode === 'served' && st.name) {
            // a named statement's generic plan is kept by the connection: EXECUTE plans nothing after the first
            if (i === 0) await client.query(`PREPARE bench_named_${k} AS ${st.text}`);
            j = await explainExecute(client, `bench_named_${k}`, st.values);
          } else {
            j = await explainJson(client, st, mode === 'served' ? servedMode : mode);
          }
          const f = facts(j);
          planning += f.planningMs;
          execution += f.executionMs;
          first ??= f;
        }
        if (i > 0) {
          m.planning.push(planning);
          m.execution.push(execution);
          m.last = first;
        }
      } finally {
        await client.query('ROLLBACK');
      }
    }
    // only the bench's own: node-pg keeps the server's named statements prepared on this connection
    if (mode === 'served') {
      for (const [k, st] of statements.entries()) {
        if (st.name) await client.query(`DEALLOCATE bench_named_${k}`).catch(() => {});
      }
    }
  } finally {
    client.release();
  }
  return m;
}

const prepareValue = (await import('pg/lib/utils.js' as string)).prepareValue as (v: unknown) => unknown;

async function explainExecute(client: pg.PoolClient, name: string, values: unknown[]): Promise<ExplainJson> {
  const args = values.map((v) => {
    const p = prepareValue(v);
    return p === null || p === undefined ? 'NULL' : client.escapeLiteral(String(p));
  });
  const { rows } = await client.query(
    `EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) EXECUTE ${name}${args.length ? `(${args.join(', ')})` : ''}`,
  );
  return rows[0]['QUERY PLAN'][0];
}

/** Relation locks the statement takes (beyond those the transaction held before it): all, and outside the fast path. */
async function locksOf(
  pool: pg.Pool,
  context: RecordedStatement,
  statements: RecordedStatement[],
): Promise<{ all: number; slow: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query({ text: context.text, values: context.values });
    const count = async () =>
      (
        await client.query<{ all: number; slow: number }>(
          `SELECT count(*)::int AS all, count(*) FILTER (WHERE NOT fastpath)::int AS slow FROM pg_locks
            WHERE pid = pg_backend_pid() AND locktype = 'relation'`,
        )
      ).rows[0]!;
    const before = await count();
    for (const st of statements) {
      await client.query({ text: st.text, values: st.values, ...(st.name ? { name: st.name } : {}) });
    }
    const after = await count();
    await client.query('ROLLBACK');
    return { all: after.all - before.all, slow: after.slow - before.slow };
  } finally {
    client.release();
  }
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (l: string) => console.log(l);
  const db = await startDatabase();
  try {
    let url: string;
    if (opts.database) url = withDatabase(db.url, opts.database);
    else url = (await ensureDataset(db.url, opts, { log })).url;
    await migrate(url);
    const owner = new pg.Client({ connectionString: url });
    await owner.connect();
    if (opts.partitions) {
      const monthly = async () =>
        (
          await owner.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'orders'::regclass
                AND inhrelid::regclass::text ~ '^orders_[0-9]{4}_[0-9]{2}$'`,
          )
        ).rows[0]!.n;
      const have = await monthly();
      if (have < opts.partitions) {
        // the months ahead stay as they are (3); the missing ones go back in time, as 5 years of retention keep
        const ahead = 3;
        const back = opts.partitions - ahead - 1;
        const made = (await owner.query('SELECT ensure_order_partitions($1, $2) AS n', [ahead, back])).rows[0].n;
        await owner.query('ANALYZE orders');
        log(`created ${made} partitions (orders and order_status_history)`);
      }
      log(`orders has ${await monthly()} monthly partitions (+ default)`);
    }
    const partitions = (
      await owner.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'orders'::regclass`,
      )
    ).rows[0]!.n;
    const world = await readPlanWorld(owner);
    const pool = createPool(withUser(url, 'dispatch_app', appRolePassword()), { max: 2 });
    const probe = new SqlProbe();
    probe.attach(pool);
    const pgVersion = (await owner.query('SHOW server_version')).rows[0].server_version;
    log(
      `PostgreSQL ${pgVersion}, ${url.replace(/\/\/[^@]*@/, '//')}, orders: ${partitions} partitions; ` +
        `${opts.runs} runs per shape and mode (after one warm-up); times are PostgreSQL's own (EXPLAIN ANALYZE, SUMMARY)\n`,
    );
    const header =
      'shape | rows | served as | locks (slow) | generic plan p50/p95 | exec p50/p95 | custom plan p50/p95 | exec p50/p95 | served plan p50/p95 | exec p50/p95 | served: indexes, partitions read / pruned | load';
    log(header);
    log(header.replace(/[^|]/g, '-'));
    const shapes: ListShape[] = listShapes(world);
    for (const shape of shapes) {
      if (opts.only && !opts.only.some((o) => shape.id === o || shape.id.startsWith(`${o}.`))) continue;
      const actor = world.actors[shape.as];
      const record = async (query: Record<string, string>) => {
        probe.record();
        try {
          await withRequestTransaction<unknown>(pool, actor, (tx) =>
            shape.endpoint === 'history' ? customerHistory(tx, actor, query) : listOrders(tx, actor, query),
          );
        } catch (err) {
          probe.stopRecording();
          throw err;
        }
        return probe.stopRecording();
      };
      let query = shape.query;
      if (shape.page2) {
        const first = await withRequestTransaction(pool, actor, (tx) => listOrders(tx, actor, shape.query));
        if (!first.nextCursor) {
          log(`${shape.id} | (one page only: no cursor) |`);
          continue;
        }
        query = { ...shape.query, cursor: first.nextCursor };
      }
      const recorded = await record(query);
      const context = recorded.find((s) => /app_enter_request\(/.test(s.text));
      // the statements reading orders, then the free text's keys (order_text_matches, 0126: its own planning of
      // the trigram search happens inside the function, so it counts as that statement's execution)
      const main = [
        ...recorded.filter((s) => /\bFROM orders o\b/.test(s.text)),
        ...recorded.filter((s) => /\border_text_matches\(/.test(s.text)),
      ];
      if (!context || main.length === 0) {
        log(`${shape.id}: expected the context and a statement reading orders, got ${recorded.length} statements`);
        continue;
      }
      const st = main[0]!;
      const ctx = { ...context, text: context.text.replace(/^BEGIN;\s*/, '') };
      const load = loadavg()[0]!;
      const g = await replay(pool, ctx, main, 'generic', opts.runs);
      const c = await replay(pool, ctx, main, 'custom', opts.runs);
      // how the server plans it: a named statement once per connection; an unnamed one under the pool's
      // force_generic_plan unless the request switched to custom plans (or bound no values: literals are planned as such)
      const custom = recorded.some((r) => /force_custom_plan/.test(r.text)) || st.values.length === 0;
      const s = await replay(pool, ctx, main, 'served', opts.runs, custom ? 'custom' : 'generic');
      const locks = await locksOf(pool, ctx, main);
      const kind = `${st.name ? 'named generic' : custom ? 'custom' : 'unnamed generic'}${main.length > 1 ? ` ×${main.length}` : ''}`;
      const l = s.last!;
      log(
        [
          `${shape.id} ${shape.title}`,
          l.rows,
          kind,
          `${locks.all} (${locks.slow})`,
          `${f1(pct(g.planning, 50))} / ${f1(pct(g.planning, 95))}`,
          `${f1(pct(g.execution, 50))} / ${f1(pct(g.execution, 95))}`,
          `${f1(pct(c.planning, 50))} / ${f1(pct(c.planning, 95))}`,
          `${f1(pct(c.execution, 50))} / ${f1(pct(c.execution, 95))}`,
          `${f1(pct(s.planning, 50))} / ${f1(pct(s.planning, 95))}`,
          `${f1(pct(s.execution, 50))} / ${f1(pct(s.execution, 95))}`,
          `${l.indexes.join(', ') || '-'}; ${l.partitionsRead} read / ${l.pruned} pruned${l.seqScans ? `, ${l.seqScans} seq scans` : ''}${l.removedByFilter ? `, ${l.removedByFilter} removed by filter` : ''}`,
          load.toFixed(1),
        ].join(' | '),
      );
    }
    await pool.end();
    await owner.end();
  } finally {
    await db.stop();
  }
}

await main();
