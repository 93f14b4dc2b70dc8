// The bench's scratch database: one per (orders, seed, branches), loaded once by the data generator and reused
// by later runs. A database is reused only when its comment says the load finished; anything else of that name
// (an interrupted load) is dropped and loaded again.
import pg from 'pg';
import { withDatabase } from '../../db/pg/embedded.js';
import { generate } from '../../db/seed/generate.js';
import { ensureAllVisible } from '../support/visibility.js';

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

/**
 * A finished data set under a name of its own on the server of `adminUrl` (a copy of one, made with CREATE
 * DATABASE … TEMPLATE and the original's comment); never generated or dropped here.
 */
export async function openDataset(adminUrl: string, name: string, log: (line: string) => void): Promise<Dataset> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const mark = await readMark(admin, name);
    if (!mark) throw new Error(`${name}: ${mark === undefined ? 'no such database' : 'not a finished bench data set'}`);
    log(`using ${name} (generated ${mark.now}, ${mark.totalRows.toLocaleString('en')} rows)`);
    return { url: withDatabase(adminUrl, name), name, info: mark, reused: true };
  } finally {
    await admin.end();
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
