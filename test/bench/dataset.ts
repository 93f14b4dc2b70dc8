// The bench's scratch database: one per (orders, seed, branches), loaded once by the data generator and reused
// by later runs. A database is reused only when its comment says the load finished; anything else of that name
// (an interrupted load) is dropped and loaded again.
import pg from 'pg';
import { withDatabase } from '../../db/pg/embedded.js';
import { generate, vacuumAnalyze } from '../../db/seed/generate.js';

export interface DatasetKey {
  orders: number;
  seed: number;
  branches: number;
}

export interface DatasetInfo extends DatasetKey {
  /** the generator's "now": the data's today, which the bench derives its date ranges from */
  now: string;
  loadSeconds: number;
  vacuumSeconds: number;
  totalRows: number;
}

export interface Dataset {
  url: string;
  name: string;
  info: DatasetInfo;
  reused: boolean;
}

const MARK = 'dispatch-bench';

export function datasetName(k: DatasetKey): string {
  return `dispatch_bench_o${k.orders}_s${k.seed}_b${k.branches}`;
}

async function readMark(admin: pg.Client, name: string): Promise<DatasetInfo | undefined | null> {
  const { rows } = await admin.query('SELECT shobj_description(oid, $2) AS note FROM pg_database WHERE datname = $1', [
    name,
    'pg_database',
  ]);
  if (!rows.length) return undefined; // no such database
  try {
    const v = JSON.parse(rows[0].note ?? '');
    return v?.mark === MARK ? (v.info as DatasetInfo) : null;
  } catch {
    return null; // exists, but the load never finished
  }
}

/** The scratch database for `key` on the server of `adminUrl`, generated unless a finished one exists. */
export async function ensureDataset(
  adminUrl: string,
  key: DatasetKey,
  opts: { fresh?: boolean; log: (line: string) => void },
): Promise<Dataset> {
  const name = datasetName(key);
  const url = withDatabase(adminUrl, name);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const mark = await readMark(admin, name);
    if (mark && !opts.fresh) {
      opts.log(`reusing ${name} (generated ${mark.now}, ${mark.totalRows.toLocaleString('en')} rows)`);
      return { url, name, info: mark, reused: true };
    }
    if (mark !== undefined) {
      opts.log(`dropping ${name} (${mark ? '--fresh' : 'unfinished load'})`);
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${name}"`);
    opts.log(`generating ${key.orders.toLocaleString('en')} orders (seed ${key.seed}) into ${name}`);
    const now = new Date();
    const r = await generate(url, {
      orders: key.orders,
      branches: key.branches,
      seed: key.seed,
      notifyDays: 60,
      now,
      log: opts.log,
    });
    const info: DatasetInfo = {
      ...key,
      now: now.toISOString(),
      loadSeconds: r.loadSeconds,
      vacuumSeconds: r.vacuumSeconds,
      totalRows: r.totalRows,
    };
    opts.log(
      `loaded ${r.totalRows.toLocaleString('en')} rows in ${r.loadSeconds.toFixed(0)} s, vacuum ${r.vacuumSeconds.toFixed(0)} s`,
    );
    await ensureAllVisible(url, opts.log);
    await admin.query(`COMMENT ON DATABASE "${name}" IS ${admin.escapeLiteral(JSON.stringify({ mark: MARK, info }))}`);
    return { url, name, info, reused: false };
  } finally {
    await admin.end();
  }
}

/**
 * Index-only scans skip the heap only for pages the visibility map marks all-visible. A VACUUM that ran while
 * another session held an old snapshot leaves pages unmarked; measured then, every FR query would pay heap
 * fetches the production database (vacuumed nightly) does not. Vacuum again until the big tables are marked.
 */
export async function ensureAllVisible(url: string, log: (line: string) => void): Promise<VisibilityRow[]> {
  for (let attempt = 0; ; attempt++) {
    const rows = await visibility(url);
    const lagging = rows.filter((r) => r.pages > 0 && r.allVisible / r.pages < 0.98);
    if (!lagging.length || attempt >= 3) {
      if (lagging.length) log(`still not all-visible: ${lagging.map((r) => r.table).join(', ')}`);
      return rows;
    }
    log(`vacuuming again (not all-visible: ${lagging.map((r) => `${r.table} ${pct(r)}`).join(', ')})`);
    if (attempt === 0) await vacuumAnalyze(url);
    else {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        for (const r of lagging) await c.query(`VACUUM ${r.table}`);
      } finally {
        await c.end();
      }
    }
  }
}

export interface VisibilityRow {
  table: string;
  pages: number;
  allVisible: number;
}

const pct = (r: VisibilityRow) => `${((100 * r.allVisible) / Math.max(1, r.pages)).toFixed(0)}%`;

/** Heap pages and all-visible pages of the FR tables (partitions summed under their parent). */
export async function visibility(url: string): Promise<VisibilityRow[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<VisibilityRow>(
      `SELECT coalesce(p.relname, c.relname) AS "table", sum(c.relpages)::int AS pages,
              sum(c.relallvisible)::int AS "allVisible"
         FROM pg_class c
         LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
         LEFT JOIN pg_class p ON p.oid = i.inhparent
        WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
          AND coalesce(p.relname, c.relname) IN ('orders', 'order_lines', 'waste_pickups', 'notifications', 'branches')
        GROUP BY 1 ORDER BY 1`,
    );
    return rows;
  } finally {
    await c.end();
  }
}

export function describeVisibility(rows: VisibilityRow[]): string {
  return rows.map((r) => `${r.table} ${pct(r)} of ${r.pages.toLocaleString('en')} pages`).join(', ');
}
