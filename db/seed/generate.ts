// Loads a generated data set into an empty, migrated database with COPY.
//
// Why session_replication_role = replica: the tables carry triggers that write order_status_history,
// appointments and audit_logs, register order numbers, copy scope keys into child rows, and check settlement
// locks and foreign keys row by row. For a bulk load they would (a) make it many times slower and (b) write a
// second, fake history on top of the one generated here. In replica mode PostgreSQL fires no ordinary or
// foreign-key triggers (CHECK and NOT NULL constraints and column defaults still apply), so this loader writes
// what the triggers would have written itself: order_numbers rows, waste_pickups.branch_id/partner_id from the
// order, serial_numbers.order_id from the line, a status history that walks the workflow; change_xid is left to
// its default. Setting it needs superuser rights (the owner connection: DATABASE_URL or the embedded cluster).
// The generator's tests check the result for exactly this consistency (test/db/generator.test.ts).
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrate } from '../migrate.js';
import { CopySink } from './copy-sink.js';
import { DAY_MS, kstDay } from './copy-text.js';
import { OrderGenerator, type OrderSinks, SINK_TABLES } from './orders.js';
import { Prng } from './prng.js';
import { buildWorld, referenceTables, type World } from './reference.js';
import { branchSpec } from './vocabulary.js';

export interface GenerateOptions {
  orders: number;
  branches?: number;
  partners?: number;
  seed?: number;
  /** Months back from the current one that get orders (24: every monthly partition the migration made). */
  months?: number;
  /** Fixed installers per branch (else sized to the branch's daily volume). */
  installersPerBranch?: number;
  /** Notifications for the events of the last N days (all when unset). */
  notifyDays?: number;
  /** Put each of the 12 statuses on a few orders whatever the day (the demo). */
  forceAllStatuses?: boolean;
  /** "Now" for the data set; the same seed and now give the same rows. Defaults to the current time. */
  now?: Date;
  /** Skip VACUUM/ANALYZE (the caller runs it). */
  skipVacuum?: boolean;
  log?: (line: string) => void;
}

export interface GenerateResult {
  rows: Record<string, number>;
  totalRows: number;
  loadSeconds: number;
  vacuumSeconds: number;
  rowsPerSecond: number;
  world: World;
}

/** Thrown when the target database already holds data: the generator only fills an empty one. */
export class DatabaseNotEmptyError extends Error {}

const SESSION_SETUP = ['SET LOCAL session_replication_role = replica', "SET LOCAL TimeZone = 'Asia/Seoul'"];

export async function generate(url: string, opts: GenerateOptions): Promise<GenerateResult> {
  const log = opts.log ?? (() => {});
  if (!Number.isInteger(opts.orders) || opts.orders < 1) throw new RangeError('orders must be a positive integer');
  const branches = opts.branches ?? 10;
  if (!Number.isInteger(branches) || branches < 2) throw new RangeError('branches must be an integer ≥ 2');
  const seed = opts.seed ?? 1;
  const months = opts.months ?? 24;
  const nowMs = (opts.now ?? new Date()).getTime();

  await migrate(url);
  const main = new pg.Client({ connectionString: url });
  await main.connect();
  const sinks: CopySink[] = [];
  let committed = false;
  try {
    const su = await main.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    if (!su.rows[0]?.rolsuper) {
      throw new Error(
        'the generator must connect as a superuser (the database owner of DATABASE_URL or the embedded cluster): ' +
          'it loads with session_replication_role = replica, see db/seed/generate.ts',
      );
    }
    const existing = await main.query(
      'SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM branches)::int AS branches',
    );
    const e = existing.rows[0] as { orders: number; users: number; branches: number };
    if (e.orders || e.users || e.branches) {
      throw new DatabaseNotEmptyError(
        `the database already holds data (${e.orders} orders, ${e.users} users, ${e.branches} branches); ` +
          'the generator only loads into an empty migrated database: create a new one or drop this one',
      );
    }
    await main.query('SELECT ensure_order_partitions(3, $1)', [months]);
    await main.query('SELECT ensure_audit_partitions(1, 5)');
    const monthStart = await main.query(
      "SELECT (date_trunc('month', $1::timestamptz AT TIME ZONE 'Asia/Seoul') - make_interval(months => $2)) AT TIME ZONE 'Asia/Seoul' AS start",
      [new Date(nowMs).toISOString(), months],
    );
    const startMs = (monthStart.rows[0].start as Date).getTime();

    const started = performance.now();
    const todayDay = kstDay(nowMs);
    const spanDays = Math.max(1, (nowMs - startMs) / DAY_MS);
    let totalWeight = 0;
    for (let i = 0; i < branches; i++) totalWeight += branchSpec(i).weight;
    const world = await buildWorld(new Prng(seed, 0), {
      branches,
      partners: opts.partners ?? Math.max(2, Math.ceil(branches * 0.6)),
      // Sized so each installer gets about 6 orders a day, as a branch would staff it.
      installersPerBranch: (b) =>
        opts.installersPerBranch ?? Math.max(3, Math.ceil((opts.orders * b.spec.weight) / totalWeight / spanDays / 6)),
      installerLoginShare: 0.6,
      startMs,
      todayDay,
    });

    // Reference rows on the main connection, in its transaction.
    await main.query('BEGIN');
    for (const sql of SESSION_SETUP) await main.query(sql);
    const rows: Record<string, number> = {};
    for (const t of referenceTables(world)) {
      await copyRows(main, t.table, t.columns, t.rows);
      rows[t.table] = t.rows.length;
    }

    const orderSinks = Object.fromEntries(
      Object.entries(SINK_TABLES).map(([k, t]) => [k, new CopySink(url, t.table, t.columns)]),
    ) as unknown as OrderSinks;
    sinks.push(...Object.values(orderSinks));
    await Promise.all(sinks.map((s) => s.open(SESSION_SETUP)));

    const gen = new OrderGenerator(world, orderSinks, {
      seed,
      orders: opts.orders,
      nowMs,
      startMs,
      notifyFromMs: opts.notifyDays ? nowMs - opts.notifyDays * DAY_MS : 0,
      forceAllStatuses: opts.forceAllStatuses ?? false,
    });
    let nextReport = Math.max(100_000, Math.ceil(opts.orders / 10));
    while (gen.next()) {
      for (const s of sinks) {
        const wait = s.backpressure();
        if (wait) await wait;
      }
      if (gen.produced >= nextReport) {
        log(`  ${gen.produced.toLocaleString('en')} orders (${((performance.now() - started) / 1000).toFixed(1)} s)`);
        nextReport += Math.max(100_000, Math.ceil(opts.orders / 10));
      }
    }
    gen.settlementNotices();
    await Promise.all(sinks.map((s) => s.finish()));
    for (const s of sinks) rows[s.table] = s.rows;
    // Everything is stored; commit all transactions together (a failure before this point leaves nothing).
    await Promise.all(sinks.map((s) => s.commit()));
    await main.query('COMMIT');
    committed = true;
    // the load fired no triggers, so the report rollups (migration 0090) are built from what it wrote
    await main.query('SELECT report_rebuild()');
    const loadSeconds = (performance.now() - started) / 1000;

    const totalRows = Object.values(rows).reduce((a, b) => a + b, 0);
    let vacuumSeconds = 0;
    if (!opts.skipVacuum) {
      const v0 = performance.now();
      await vacuumAnalyze(url, log);
      vacuumSeconds = (performance.now() - v0) / 1000;
    }
    return { rows, totalRows, loadSeconds, vacuumSeconds, rowsPerSecond: totalRows / loadSeconds, world };
  } catch (err) {
    if (!committed) {
      await Promise.all(sinks.map((s) => s.abort()));
      await main.query('ROLLBACK').catch(() => {});
    }
    throw err;
  } finally {
    await main.end();
  }
}

async function copyRows(client: pg.Client, table: string, columns: readonly string[], rows: readonly string[]) {
  if (!rows.length) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(`${rows.join('\n')}\n`);
  });
}

const LOADED_TABLES = [
  'order_status_history',
  'report_progress',
  'report_waste',
  'report_waste_orders',
  'report_waste_order_days',
  'report_waste_order_sig_days',
  'orders',
  'order_lines',
  'serial_numbers',
  'order_numbers',
  'notifications',
  'waste_pickups',
  'appointments',
  'split_orders',
  'settlement_periods',
  'installers',
  'users',
  'user_roles',
  'partners',
  'branches',
];

/**
 * VACUUM (FREEZE) for the visibility map (without it no index-only scan skips the heap, so the covering indexes of
 * the FR queries would not pay off) and the freeze map, then ANALYZE for the planner; two connections, largest
 * tables first.
 *
 * The phases are separate on purpose: a page is marked all-visible only if its rows are older than every
 * snapshot in the database, and a snapshot's xmin is the oldest transaction running anywhere in the cluster. A
 * concurrent ANALYZE (ours or autovacuum's) therefore lets any long transaction in another database stop VACUUM
 * from marking the freshly loaded pages, whereas concurrent VACUUMs ignore each other. Tables still not
 * all-visible afterwards are vacuumed again once autovacuum has left the database.
 */
export async function vacuumAnalyze(url: string, log: (line: string) => void = () => {}): Promise<void> {
  const onTwoConnections = async (statement: (table: string) => string) => {
    const queue = [...LOADED_TABLES];
    const worker = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query("SET maintenance_work_mem = '256MB'");
        for (let t = queue.shift(); t; t = queue.shift()) await c.query(statement(t));
      } finally {
        await c.end();
      }
    };
    await Promise.all([worker(), worker()]);
  };
  // FREEZE: the load's rows would otherwise all be frozen later by one anti-wraparound vacuum, which rewrites the
  // whole heap at a moment nobody chose (8.3 GB at 5M orders); now, while the pages are still in cache
  await onTwoConnections((t) => `VACUUM (FREEZE) ${t}`);
  await onTwoConnections((t) => `ANALYZE ${t}`);

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let round = 0; round < 5; round++) {
      const { rows } = await c.query(
        `SELECT c.oid::regclass::text AS name FROM pg_class c
          WHERE c.relkind = 'r' AND c.relpages > 0 AND c.relallvisible < c.relpages
            AND (c.oid = ANY($1::regclass[])
                 OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = ANY($1::regclass[])))`,
        [LOADED_TABLES],
      );
      if (!rows.length) return;
      for (let waited = 0; waited < 300; waited++) {
        const busy = await c.query(
          "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'autovacuum worker'",
        );
        if (!busy.rowCount) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const { name } of rows as { name: string }[]) await c.query(`VACUUM (FREEZE) ${name}`);
    }
    log(
      'warning: some loaded pages are not all-visible yet (a long transaction holds the xmin horizon); ' +
        'index-only scans visit the heap until the next VACUUM',
    );
  } finally {
    await c.end();
  }
}
