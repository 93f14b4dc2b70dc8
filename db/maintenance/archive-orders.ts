// Retention (seed "Data Retention & Archival"): orders stay online 5 years; older monthly partitions are written
// to archive files, then removed from the live database. For each month: the children of its orders are copied
// to gzip CSV files, the partition is detached and dumped with pg_dump -Fc (the seed's procedure), the dump is
// verified with pg_restore --list, and only then are the detached table and the children's rows gone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type CopiedFile, copyQueryToGzipCsv } from './copy-out.js';
import { runPgTool } from './pg-tools.js';

/** Child tables and how their rows are found from the orders of one partition. */
const CHILDREN: { table: string; where: string }[] = [
  { table: 'order_lines', where: 'order_id' },
  { table: 'order_status_history', where: 'order_id' },
  { table: 'appointments', where: 'order_id' },
  { table: 'waste_pickups', where: 'order_id' },
  { table: 'serial_numbers', where: 'order_id' },
  { table: 'attachments', where: 'order_id' },
  { table: 'order_notices', where: 'order_id' },
  { table: 'happy_calls', where: 'order_id' },
  { table: 'order_numbers', where: 'order_id' },
];

export interface ArchivedMonth {
  partition: string;
  dir: string;
  orders: number;
  dump: string;
  files: Record<string, CopiedFile>;
}

/** Monthly order partitions whose whole month ended more than `retentionMonths` ago. */
export async function partitionsOlderThan(owner: pg.ClientBase, retentionMonths: number): Promise<string[]> {
  const r = await owner.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'orders'::regclass AND c.relname ~ '^orders_[0-9]{4}_[0-9]{2}$'
        AND to_date(substr(c.relname, 8), 'YYYY_MM') + interval '1 month'
            <= date_trunc('month', now() AT TIME ZONE 'Asia/Seoul') - make_interval(months => $1)
      ORDER BY 1`,
    [retentionMonths],
  );
  return r.rows.map((x) => x.name);
}

export async function archiveOrderPartition(
  ownerUrl: string,
  partition: string,
  archiveRoot: string,
): Promise<ArchivedMonth> {
  if (!/^orders_[0-9]{4}_[0-9]{2}$/.test(partition)) throw new Error(`not a monthly orders partition: ${partition}`);
  const dir = join(archiveRoot, 'orders', partition);
  mkdirSync(dir, { recursive: true });
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const files: Record<string, CopiedFile> = {};
  let orders = 0;
  try {
    await client.query('BEGIN');
    // Archiving removes history, so the audit and settlement-lock triggers must not fire for it (an archived
    // week may well be locked); replica mode skips user triggers for this transaction only.
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(`LOCK TABLE ${partition} IN ACCESS EXCLUSIVE MODE`);
    const ids = `SELECT id FROM ${partition}`;
    for (const c of CHILDREN) {
      files[c.table] = await copyQueryToGzipCsv(
        client,
        `SELECT * FROM ${c.table} WHERE ${c.where} IN (${ids})`,
        join(dir, `${c.table}.csv.gz`),
      );
    }
    files.split_orders = await copyQueryToGzipCsv(
      client,
      `SELECT * FROM split_orders WHERE parent_order_id IN (${ids}) OR child_order_id IN (${ids})`,
      join(dir, 'split_orders.csv.gz'),
    );
    files.orders = await copyQueryToGzipCsv(client, `SELECT * FROM ${partition}`, join(dir, 'orders.csv.gz'));
    orders = files.orders.rows;
    // replica mode fires no triggers: the month's orders and their waste leave the report rollups here (0090)
    await client.query('SELECT report_forget_partition($1::regclass)', [partition]);
    await client.query(`DELETE FROM serial_numbers WHERE order_id IN (${ids})`);
    await client.query(`DELETE FROM split_orders WHERE parent_order_id IN (${ids}) OR child_order_id IN (${ids})`);
    for (const c of CHILDREN.filter((x) => x.table !== 'serial_numbers')) {
      await client.query(`DELETE FROM ${c.table} WHERE ${c.where} IN (${ids})`);
    }
    await client.query(`ALTER TABLE orders DETACH PARTITION ${partition}`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    await client.end();
    throw e;
  }
  try {
    const dump = join(dir, `${partition}.dump`);
    await runPgTool('pg_dump', ['-Fc', '-t', partition, '-f', dump, '-d', ownerUrl]);
    const listing = await runPgTool('pg_restore', ['--list', dump]);
    if (!listing.includes(`TABLE DATA public ${partition}`)) throw new Error(`dump of ${partition} has no table data`);
    await client.query(`DROP TABLE ${partition}`);
    const manifest: ArchivedMonth = { partition, dir, orders, dump, files };
    writeFileSync(
      join(dir, 'manifest.json'),
      `${JSON.stringify({ ...manifest, archivedAt: new Date().toISOString() }, null, 2)}\n`,
    );
    return manifest;
  } finally {
    await client.end();
  }
}

/** Archives every monthly partition older than the retention (default 60 months = 5 years). */
export async function archiveOldOrders(
  ownerUrl: string,
  archiveRoot: string,
  retentionMonths = 60,
): Promise<ArchivedMonth[]> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  let parts: string[];
  try {
    parts = await partitionsOlderThan(c, retentionMonths);
  } finally {
    await c.end();
  }
  const done: ArchivedMonth[] = [];
  for (const p of parts) done.push(await archiveOrderPartition(ownerUrl, p, archiveRoot));
  return done;
}
