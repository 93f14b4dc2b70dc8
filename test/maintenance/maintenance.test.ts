import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveOldAuditLogs } from '../../db/maintenance/archive-audit.js';
import { archiveOldOrders } from '../../db/maintenance/archive-orders.js';
import { backupDatabase, pruneBackups, restoreDrill } from '../../db/maintenance/backup.js';
import { normalizeStoredPhones } from '../../db/maintenance/normalize-phones.js';
import { defaultPartitionRows, ensurePartitions } from '../../db/maintenance/partitions.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let work: string;
let branchId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  work = mkdtempSync(join(tmpdir(), 'dispatch-maint-'));
  const b = await db.owner.query("INSERT INTO branches(code, name) VALUES ('MT01', '정비지점') RETURNING id");
  branchId = b.rows[0].id;
});
afterAll(async () => {
  await db.drop();
  rmSync(work, { recursive: true, force: true });
});

async function insertOrder(orderNo: string, createdAt: string): Promise<string> {
  const r = await db.owner.query(
    `INSERT INTO orders(order_no, customer_name, branch_id, created_at, address)
     VALUES ($1, '김보관', $2, $3, '{"line1":"보관로 1","city":"서울"}') RETURNING id`,
    [orderNo, branchId, createdAt],
  );
  const id = r.rows[0].id;
  await db.owner.query(
    `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity) VALUES ($1, $2, 'RF-100', '냉장고', 2)`,
    [id, createdAt],
  );
  await db.owner.query(
    `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, collected_at) VALUES ($1, $2, 'P01', 1, $2)`,
    [id, createdAt],
  );
  return id;
}

describe('partition upkeep', () => {
  it('creates next months ahead once and reports rows that fell into DEFAULT partitions', async () => {
    const first = await ensurePartitions(db.owner, 5);
    expect(first.orders).toBeGreaterThan(0); // months 4 and 5 ahead did not exist yet (the migration made 3)
    expect(await ensurePartitions(db.owner, 5)).toEqual({ orders: 0, audit: 0 });
    await insertOrder('MT-FAR-FUTURE', '2040-01-15T10:00:00+09:00');
    expect((await defaultPartitionRows(db.owner)).orders_default).toBe(1);
  });
});

describe('order archival after 5 years', () => {
  it('moves a month past retention to archive files and out of the live database, leaving younger months', async () => {
    // A partition 6 years back (the migration only made 24 months back).
    await db.owner.query("SELECT ensure_monthly_partitions('orders'::regclass, 0, 73)");
    const sixYearsAgo = new Date();
    sixYearsAgo.setUTCFullYear(sixYearsAgo.getUTCFullYear() - 6);
    sixYearsAgo.setUTCDate(10);
    const oldId = await insertOrder('MT-OLD-1', sixYearsAgo.toISOString());
    const youngId = await insertOrder('MT-YOUNG-1', new Date().toISOString());
    // a 해피콜 outcome hangs off the old order too (migration 0100)
    const caller = await db.owner.query(
      "INSERT INTO users(username, password_hash, full_name) VALUES ('mt.caller', 'x', '정비') RETURNING id",
    );
    await db.owner.query(
      `INSERT INTO happy_calls(order_id, order_created_at, branch_id, outcome, called_by)
       SELECT id, created_at, branch_id, 'CONFIRMED', $2 FROM orders WHERE id = $1`,
      [oldId, caller.rows[0].id],
    );
    // and a customer notice (0106): archived with it, or the partition could not be detached
    const branch = (await db.owner.query('SELECT branch_id FROM orders WHERE id = $1', [oldId])).rows[0].branch_id;
    await db.owner.query(
      `INSERT INTO order_notices(order_id, order_created_at, branch_id, event, event_key, status)
       VALUES ($1, $2, $3, 'ASSIGNED', $4, 'DELIVERED')`,
      [oldId, sixYearsAgo.toISOString(), branch, `${oldId}:ASSIGNED:v2`],
    );

    const archived = await archiveOldOrders(db.ownerUrl, work, 60);
    const month = archived.find((a) => a.orders > 0)!;
    expect(month.orders).toBe(1);
    expect(month.files.order_lines?.rows).toBe(1);
    expect(month.files.waste_pickups?.rows).toBe(1);
    expect(month.files.happy_calls?.rows).toBe(1);
    expect(month.files.order_notices?.rows).toBe(1);
    expect(existsSync(month.dump)).toBe(true);
    const linesCsv = gunzipSync(readFileSync(join(month.dir, 'order_lines.csv.gz'))).toString('utf8');
    expect(linesCsv).toContain('냉장고');

    const live = await db.owner.query('SELECT id FROM orders WHERE id = ANY($1)', [[oldId, youngId]]);
    expect(live.rows.map((r) => r.id)).toEqual([youngId]);
    const lines = await db.owner.query('SELECT count(*)::int AS n FROM order_lines WHERE order_id = $1', [oldId]);
    expect(lines.rows[0].n).toBe(0);
    const calls = await db.owner.query('SELECT count(*)::int AS n FROM happy_calls WHERE order_id = $1', [oldId]);
    expect(calls.rows[0].n).toBe(0);
    const numbers = await db.owner.query("SELECT count(*)::int AS n FROM order_numbers WHERE order_no = 'MT-OLD-1'");
    expect(numbers.rows[0].n).toBe(0);
    expect((await db.owner.query('SELECT to_regclass($1) AS t', [month.partition])).rows[0].t).toBeNull();
  });
});

describe('audit archival after 2 years', () => {
  it('exports old months to files and deletes exactly those rows', async () => {
    await db.owner.query(
      `INSERT INTO audit_logs(table_name, record_id, action, diff, logged_at)
       VALUES ('orders', gen_random_uuid(), 'UPDATE', '{"status":{"old":"미배정","new":"배정"}}', now() - interval '30 months'),
              ('orders', gen_random_uuid(), 'UPDATE', '{}', now() - interval '1 month')`,
    );
    const before = await db.owner.query('SELECT count(*)::int AS n FROM audit_logs');
    const r = await archiveOldAuditLogs(db.ownerUrl, work, 24);
    expect(r.months.reduce((s, m) => s + m.rows, 0)).toBe(1);
    const after = await db.owner.query('SELECT count(*)::int AS n FROM audit_logs');
    expect(after.rows[0].n).toBe(before.rows[0].n - 1);
    const csv = gunzipSync(readFileSync(r.months[0]!.file)).toString('utf8');
    expect(csv).toContain('미배정');
  });
});

describe('backup and restore drill', () => {
  it('restores a backup into a scratch database with the same row counts', async () => {
    const dir = join(work, 'backups');
    const b = await backupDatabase(db.ownerUrl, dir);
    expect(b.counts.orders).toBeGreaterThan(0);
    const drill = await restoreDrill(db.ownerUrl, b.file);
    expect(drill.restored).toEqual(b.counts);
    expect(drill.ok).toBe(true);
  });

  it('prunes backups past retention but always keeps the newest', async () => {
    const dir = join(work, 'prune');
    const old = await backupDatabase(db.ownerUrl, dir, new Date('2026-01-01T02:00:00Z'));
    const newer = await backupDatabase(db.ownerUrl, dir, new Date('2026-01-02T02:00:00Z'));
    const longAgo = Date.now() / 1000 - 40 * 86_400;
    utimesSync(old.file, longAgo, longAgo);
    expect(pruneBackups(dir, 30, 1)).toEqual([basename(old.file)]);
    expect(existsSync(old.file)).toBe(false);
    expect(existsSync(newer.file)).toBe(true);
    // the newest is kept even when it is past retention too
    utimesSync(newer.file, longAgo, longAgo);
    expect(pruneBackups(dir, 30, 1)).toEqual([]);
    expect(existsSync(newer.file)).toBe(true);
  });
});

describe('phone numbers stored before the written-form rule', () => {
  it('rewrites them in their written form (the form the customer history looks up), leaves locked weeks, runs again', async () => {
    const monday = '2026-03-02';
    const ids: Record<string, string> = {};
    for (const [key, phone, appointment] of [
      ['plain', '01055551234', null],
      ['spaced', '+82 10 5555 1234', null],
      ['written', '010-5555-1234', null],
      ['foreign', '+1 415 555 0100', null],
      ['locked', '010 5555 1234', '2026-03-04'],
    ] as const) {
      const r = await db.owner.query(
        `INSERT INTO orders(order_no, customer_name, customer_phone, branch_id, address, appointment_date, created_at)
         VALUES ($1, '박전화', $2, $3, '{"line1":"전화로 1","city":"서울"}', $4, '2026-03-01T10:00:00+09:00') RETURNING id`,
        [`MT-PHONE-${key}`, phone, branchId, appointment],
      );
      ids[key] = r.rows[0].id;
    }
    await db.owner.query(
      `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
       VALUES ($1, $2, $2::date + 6, 'LOCKED', now())`,
      [branchId, monday],
    );
    const first = await normalizeStoredPhones(db.owner);
    expect(first).toMatchObject({ rewritten: 2, lockedLeft: 1 });
    const phoneOf = async (key: string) =>
      (await db.owner.query('SELECT customer_phone, version FROM orders WHERE id = $1', [ids[key]])).rows[0];
    expect(await phoneOf('plain')).toEqual({ customer_phone: '010-5555-1234', version: 2 });
    expect(await phoneOf('spaced')).toEqual({ customer_phone: '010-5555-1234', version: 2 });
    expect(await phoneOf('written')).toEqual({ customer_phone: '010-5555-1234', version: 1 });
    expect(await phoneOf('foreign')).toEqual({ customer_phone: '+1 415 555 0100', version: 1 });
    expect(await phoneOf('locked')).toEqual({ customer_phone: '010 5555 1234', version: 1 });
    const audit = await db.owner.query("SELECT note, diff FROM audit_logs WHERE record_id = $1 AND action = 'UPDATE'", [
      ids.plain,
    ]);
    expect(audit.rows).toEqual([
      {
        note: expect.stringContaining('db:maintain phones'),
        diff: expect.objectContaining({ customer_phone: { old: '01055551234', new: '010-5555-1234' } }),
      },
    ]);
    // nothing more to do but the locked week
    expect(await normalizeStoredPhones(db.owner)).toMatchObject({ rewritten: 0, lockedLeft: 1 });
  });
});
