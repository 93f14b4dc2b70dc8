// The FR-07 / FR-08 rollups (migration 0090) answer exactly what the raw aggregates over orders and pick-ups
// answer: for every role's scope (row-level security as dispatch_app), both date fields of the progress report,
// every grouping and status set of the waste totals, on generated data and after random writes of every kind —
// status changes, appointment moves, soft and hard deletes, restores, partner hand-overs, a split through the
// service, pick-up edits, a branch's time zone change, two writers at once, and a month archived — before and
// after the deltas are folded. FR-07's per-day order cells (0137) are also compared cell by cell with the
// pick-ups, so every status set the endpoint could be asked with is covered.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveOrderPartition } from '../../db/maintenance/archive-orders.js';
import { generate } from '../../db/seed/generate.js';
import { Prng } from '../../db/seed/prng.js';
import type { WasteStatus } from '../../domain/order-parts.js';
import { type ProgressFilter, progressCounts, progressCountsRaw } from '../../server/dashboard/dashboard.repository.js';
import { progress } from '../../server/dashboard/dashboard.service.js';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { splitOrder } from '../../server/splits/split.service.js';
import { orderOpBatchHandlers, orderOpHandlers } from '../../server/sync/sync.op-handlers.js';
import { pushOps } from '../../server/sync/sync.push.js';
import { type GroupBy, type SummaryFilter, summary, summaryRaw } from '../../server/waste/waste.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { openSession } from '../support/session.js';

let db: TestDatabase;
let pool: pg.Pool;
let work: string;
let hq: Actor;
const actors: Actor[] = [];
let installer: Actor;
let branches: string[];
let partners: string[];
let days: { first: string; last: string };
const rnd = new Prng(90, 1);

beforeAll(async () => {
  db = await createTestDatabase();
  work = mkdtempSync(join(tmpdir(), 'dispatch-rollup-'));
  await generate(db.ownerUrl, {
    orders: 2_500,
    branches: 3,
    seed: 90,
    months: 3,
    skipVacuum: true,
    forceAllStatuses: true,
  });
  // generated history locks past settlement weeks; these writes are about the rollups, not the lock
  await db.owner.query("UPDATE settlement_periods SET status = 'OPEN', unlocked_at = now() WHERE status = 'LOCKED'");
  const users = await db.owner.query(
    `SELECT DISTINCT ON (r.role_code, u.branch_id, u.partner_id) u.id, u.username, r.role_code, u.branch_id, u.partner_id
       FROM users u JOIN user_roles r ON r.user_id = u.id
      ORDER BY r.role_code, u.branch_id, u.partner_id, u.username`,
  );
  for (const u of users.rows) {
    const a: Actor = {
      // the database takes a request context only for a live session of the user (migrations 0071, 0072)
      sessionId: await openSession(db.owner, u.id),
      userId: u.id,
      username: u.username,
      role: u.role_code,
      branchId: u.branch_id,
      partnerId: u.partner_id,
      locale: 'ko',
    };
    if (a.role === 'INSTALLER') installer ??= a;
    else actors.push(a);
    if (a.role === 'HQ_ADMIN') hq ??= a;
  }
  branches = (await db.owner.query('SELECT id FROM branches ORDER BY code')).rows.map((r) => r.id);
  partners = (await db.owner.query('SELECT id FROM partners ORDER BY code')).rows.map((r) => r.id);
  const span = await db.owner.query(
    `SELECT (min(created_at) AT TIME ZONE 'Asia/Seoul')::date::text AS first,
            (greatest(max(appointment_date), max(created_at)::date) + 3)::text AS last FROM orders`,
  );
  days = span.rows[0];
  pool = createPool(db.appUrl, { max: 2 });
}, 240_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const byKey = <T extends object>(rows: T[]) =>
  rows.map((r) => JSON.stringify(r)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The whole span, and two random periods inside it. */
function periods(): { from: string; to: string }[] {
  const total = (Date.parse(days.last) - Date.parse(days.first)) / 86_400_000;
  const out = [{ from: days.first, to: days.last }];
  for (let i = 0; i < 2; i++) {
    const start = rnd.range(0, Math.max(0, Math.floor(total) - 1));
    out.push({ from: addDays(days.first, start), to: addDays(days.first, start + rnd.range(0, 30)) });
  }
  return out;
}

/** The branch and partner filters a role can send (a manager is held to its branch by the service). */
function scopesOf(a: Actor): { branchId?: string; partnerId?: string }[] {
  if (a.role === 'BRANCH_MANAGER') return [{ branchId: a.branchId! }];
  const out: { branchId?: string; partnerId?: string }[] = [{}, ...branches.map((branchId) => ({ branchId }))];
  if (a.role === 'HQ_ADMIN') out.push(...partners.map((partnerId) => ({ partnerId })));
  if (a.role === 'PARTNER_COORDINATOR') out.push({ partnerId: a.partnerId! });
  return out;
}

// every set a day cell can be asked with meets some of the cells' status sets (0137) and misses others
const STATUS_SETS: WasteStatus[][] = [
  ['COLLECTED', 'REPORTED'],
  ['PLANNED'],
  ['COLLECTED'],
  ['REPORTED'],
  ['PLANNED', 'REPORTED'],
  ['PLANNED', 'COLLECTED', 'REPORTED'],
];

/** Every comparison; returns how many answers were compared and how many of them held rows. */
async function expectRollupsEqualRaw(): Promise<{ compared: number; nonEmpty: number }> {
  let compared = 0;
  let nonEmpty = 0;
  expect(await expectDayCellsEqualRaw()).toBeGreaterThan(0);
  expect(await expectSignatureDaysEqualSignatures()).toBeGreaterThan(0);
  const ranges = periods();
  for (const actor of actors) {
    await withRequestTransaction(pool, actor, async (tx) => {
      for (const scope of scopesOf(actor)) {
        for (const range of ranges) {
          if (!scope.partnerId) {
            for (const dateField of ['created', 'appointment'] as const) {
              const f: ProgressFilter = { branchId: scope.branchId, ...range, dateField };
              const raw = await progressCountsRaw(tx, f);
              expect(byKey(await progressCounts(tx, f)), `FR-08 ${actor.username} ${JSON.stringify(f)}`).toEqual(
                byKey(raw),
              );
              compared++;
              if (raw.length) nonEmpty++;
            }
          }
          for (const statuses of STATUS_SETS) {
            for (const groupBy of ['code', 'day', 'partner'] as GroupBy[]) {
              const f: SummaryFilter = { ...range, ...scope, statuses };
              const raw = await summaryRaw(tx, f, groupBy);
              expect(await summary(tx, f, groupBy), `FR-07 ${actor.username} ${groupBy} ${JSON.stringify(f)}`).toEqual(
                raw,
              );
              compared++;
              if (raw.length) nonEmpty++;
            }
          }
        }
      }
    });
  }
  return { compared, nonEmpty };
}

/**
 * FR-07's per-day order cells (0137), folded plus the unfolded signatures projected, equal to the pick-ups
 * counted per (Korean day, branch, partner, set of the statuses of an order's pick-ups that day), cell by cell:
 * every status set the endpoint could be asked with is answered from these, not only the ones compared above.
 */
async function expectDayCellsEqualRaw(): Promise<number> {
  const cells = await db.owner.query<{ cell: string; n: string }>(
    `SELECT concat_ws(' ', day, branch_id, partner_id, statuses) AS cell, sum(n) AS n
       FROM (SELECT day, branch_id, partner_id, statuses, n FROM report_waste_order_days
             UNION ALL
             SELECT c.day, d.branch_id, d.partner_id, c.statuses, d.n
               FROM report_waste_orders_delta d CROSS JOIN LATERAL report_sig_day_cells(d.sig) c) x
      GROUP BY 1 HAVING sum(n) <> 0 ORDER BY 1`,
  );
  const raw = await db.owner.query<{ cell: string; n: string }>(
    `SELECT concat_ws(' ', day, branch_id, partner_id, statuses) AS cell, count(*) AS n
       FROM (SELECT (w.collected_at AT TIME ZONE 'Asia/Seoul')::date AS day, o.branch_id, o.partner_id,
                    array_agg(DISTINCT w.status ORDER BY w.status) AS statuses
               FROM waste_pickups w JOIN orders o ON o.id = w.order_id AND o.created_at = w.order_created_at
              WHERE o.deleted_at IS NULL AND w.collected_at IS NOT NULL
              GROUP BY 1, o.id, 2, 3) x
      GROUP BY 1 ORDER BY 1`,
  );
  expect(cells.rows.map((r) => `${r.cell} ${r.n}`)).toEqual(raw.rows.map((r) => `${r.cell} ${r.n}`));
  // orders whose pick-ups of one day have more than one status, so the sets are not all single statuses
  expect(raw.rows.some((r) => r.cell.includes(','))).toBe(true);
  return raw.rows.length;
}

/**
 * FR-07 per partner reads the folded signatures by day (0143): one row per (signature, day of it) with that day's
 * statuses and the signature's count, equal to the folded signatures projected, row by row, after every write.
 */
async function expectSignatureDaysEqualSignatures(): Promise<number> {
  const byDay = await db.owner.query<{ row: string }>(
    `SELECT concat_ws(' ', day, branch_id, partner_id, sig, statuses, n) AS row FROM report_waste_order_sig_days
      ORDER BY 1`,
  );
  const projected = await db.owner.query<{ row: string }>(
    `SELECT concat_ws(' ', c.day, s.branch_id, s.partner_id, s.sig, c.statuses, s.n) AS row
       FROM report_waste_orders s CROSS JOIN LATERAL report_sig_day_cells(s.sig) c ORDER BY 1`,
  );
  expect(byDay.rows.map((r) => r.row)).toEqual(projected.rows.map((r) => r.row));
  return byDay.rows.length;
}

async function fold(): Promise<void> {
  const r = await db.owner.query('SELECT report_fold() AS ok');
  expect(r.rows[0].ok).toBe(true);
  const left = await db.owner.query(
    `SELECT (SELECT count(*) FROM report_progress_delta) + (SELECT count(*) FROM report_waste_delta)
          + (SELECT count(*) FROM report_waste_orders_delta) AS n`,
  );
  expect(Number(left.rows[0].n)).toBe(0);
}

const pick = async (sql: string, n: number): Promise<{ id: string }[]> =>
  (await db.owner.query(`${sql} ORDER BY md5(id::text || $1) LIMIT $2`, [String(rnd.range(0, 1e9)), n])).rows;

const STATUSES = ['미배정', '배정', '배정확정', '출고확정', '출문', '연기', '부재', '인수', '부분인수', '회수', '취소'];

/** One round of random writes of every kind, as the owner (triggers fire as for any writer). */
async function randomWrites(): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => db.owner.query(sql, params);
  for (const { id } of await pick('SELECT id FROM orders WHERE deleted_at IS NULL', 40)) {
    await q('UPDATE orders SET status = $2 WHERE id = $1', [id, STATUSES[rnd.range(0, STATUSES.length - 1)]]);
  }
  // a multi-row status change in one statement (a batch assignment)
  const batch = await pick("SELECT id FROM orders WHERE status = '미배정' AND deleted_at IS NULL", 15);
  await q("UPDATE orders SET status = '배정' WHERE id = ANY($1)", [batch.map((r) => r.id)]);
  for (const { id } of await pick('SELECT id FROM orders', 25)) {
    await q(
      `UPDATE orders SET appointment_date = CASE WHEN $2 THEN NULL ELSE created_at::date + $3::int END WHERE id = $1`,
      [id, rnd.range(0, 5) === 0, rnd.range(0, 20)],
    );
  }
  const soft = await pick('SELECT id FROM orders WHERE deleted_at IS NULL', 15);
  await q('UPDATE orders SET deleted_at = now() WHERE id = ANY($1)', [soft.map((r) => r.id)]);
  for (const { id } of await pick('SELECT id FROM orders WHERE deleted_at IS NOT NULL', 5)) {
    await q('UPDATE orders SET deleted_at = NULL WHERE id = $1', [id]);
  }
  for (const { id } of await pick('SELECT id FROM orders', 10)) {
    await q('UPDATE orders SET partner_id = $2 WHERE id = $1', [
      id,
      rnd.range(0, 3) === 0 ? null : partners[rnd.range(0, partners.length - 1)],
    ]);
  }
  // a soft delete and a hand-over in one statement
  for (const { id } of await pick('SELECT id FROM orders WHERE deleted_at IS NULL', 3)) {
    await q('UPDATE orders SET deleted_at = now(), partner_id = $2 WHERE id = $1', [id, partners[0]]);
  }
  const hard = await pick('SELECT id FROM orders WHERE id IN (SELECT order_id FROM waste_pickups)', 6);
  await q('DELETE FROM orders WHERE id = ANY($1)', [hard.map((r) => r.id)]);
  // pick-ups: status, quantity, collection time (across days), new ones, removed ones, moved to another order
  for (const { id } of await pick('SELECT id FROM waste_pickups', 30)) {
    const k = rnd.range(0, 3);
    if (k === 0)
      await q(
        "UPDATE waste_pickups SET status = (ARRAY['PLANNED','COLLECTED','REPORTED'])[1 + $2::int] WHERE id = $1",
        [id, rnd.range(0, 2)],
      );
    else if (k === 1) await q('UPDATE waste_pickups SET quantity = quantity + 1 WHERE id = $1', [id]);
    else if (k === 2)
      await q('UPDATE waste_pickups SET collected_at = collected_at + make_interval(days => $2::int) WHERE id = $1', [
        id,
        rnd.range(-3, 3),
      ]);
    else await q('UPDATE waste_pickups SET collected_at = NULL WHERE id = $1', [id]);
  }
  await q(
    "UPDATE waste_pickups SET status = 'REPORTED' WHERE id IN (SELECT id FROM waste_pickups WHERE status = 'COLLECTED' LIMIT 20)",
  );
  for (const { id } of await pick('SELECT id FROM orders WHERE deleted_at IS NULL', 12)) {
    await q(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, status, collected_at)
       SELECT o.id, o.created_at, c.code, $2, $3, o.created_at + make_interval(hours => $4::int)
         FROM orders o, (SELECT code FROM waste_codes ORDER BY md5(code || $5) LIMIT 1) c
        WHERE o.id = $1 ON CONFLICT ON CONSTRAINT uq_waste_pickups_order_code DO NOTHING`,
      [
        id,
        rnd.range(1, 3),
        ['PLANNED', 'COLLECTED', 'REPORTED'][rnd.range(0, 2)],
        rnd.range(0, 72),
        String(rnd.range(0, 1e6)),
      ],
    );
  }
  await q(`DELETE FROM waste_pickups WHERE id IN (SELECT id FROM waste_pickups ORDER BY md5(id::text || $1) LIMIT 8)`, [
    String(rnd.range(0, 1e9)),
  ]);
  const [from, to] = await pick('SELECT id FROM orders WHERE deleted_at IS NULL', 2);
  await q(
    `UPDATE waste_pickups w SET order_id = o.id, order_created_at = o.created_at FROM orders o
      WHERE o.id = $2 AND w.order_id = $1 AND NOT EXISTS (SELECT 1 FROM waste_pickups x WHERE x.order_id = $2 AND x.code = w.code)`,
    [from!.id, to!.id],
  );
}

describe('report rollups equal the raw aggregates', () => {
  it('on generated data, for every role, date field, grouping and status set', async () => {
    const r = await expectRollupsEqualRaw();
    expect(r.nonEmpty).toBeGreaterThan(r.compared / 2);
  }, 240_000);

  it('after random writes of every kind, unfolded and folded, over three rounds', async () => {
    for (let round = 0; round < 3; round++) {
      await randomWrites();
      const deltas = await db.owner.query('SELECT count(*)::int AS n FROM report_progress_delta');
      expect(deltas.rows[0].n).toBeGreaterThan(0);
      // orders with pick-ups on more than one day (the moves above): one order of its partner, however many of
      // its days fall in the period, which the per-partner answer read by day (0143) must not count twice
      const multiDay = await db.owner.query(
        `SELECT count(*)::int AS n FROM (SELECT sig FROM report_waste_orders UNION ALL
                                         SELECT sig FROM report_waste_orders_delta) s
          WHERE left(sig[1], 10) <> left(sig[cardinality(sig)], 10)`,
      );
      expect(multiDay.rows[0].n).toBeGreaterThan(0);
      await expectRollupsEqualRaw();
      if (round !== 1) {
        await fold();
        await expectRollupsEqualRaw();
      }
    }
  }, 600_000);

  it('after a sync push of 200 edits (partner hand-overs among them) committed as one transaction', async () => {
    const manager = actors.find((a) => a.role === 'BRANCH_MANAGER')!;
    const orders = (
      await db.owner.query<{ id: string; version: number; partner_id: string | null }>(
        `SELECT id, version, partner_id FROM orders WHERE branch_id = $1 AND deleted_at IS NULL
          ORDER BY md5(id::text) LIMIT 200`,
        [manager.branchId],
      )
    ).rows;
    expect(orders).toHaveLength(200);
    const ops = orders.map((o, i) => ({
      opId: randomUUID(),
      entity: 'orders',
      entityId: o.id,
      kind: 'order.update',
      // every third order handed to another partner (or to none), the others' remarks edited
      payload:
        i % 3 === 0
          ? { partnerId: o.partner_id === partners[0] ? (i % 2 ? null : partners[1]) : partners[0] }
          : { remarks: `push ${i}` },
      expectedVersion: o.version,
      attempt: 0,
    }));
    const res = await pushOps(
      { pool, handlers: orderOpHandlers, batchHandlers: orderOpBatchHandlers },
      manager,
      { clientId: 'rollup-test', ops },
      'ko',
    );
    expect(res.results.map((r) => r.status)).toEqual(ops.map(() => 'SYNCED'));
    const { rows } = await db.owner.query(
      'SELECT count(DISTINCT synced_at)::int AS n FROM offline_sync_queue WHERE op_id = ANY($1::uuid[])',
      [ops.map((o) => o.opId)],
    );
    expect(rows[0].n).toBe(1);
    await expectRollupsEqualRaw();
    await fold();
    await expectRollupsEqualRaw();
  }, 240_000);

  it('after splits through the service and a branch moving to another time zone', async () => {
    // a line without serials of which one unit can go (something stays behind), of an order in a status that may
    // be split
    const parents = await db.owner.query<{ id: string; version: number; line: string }>(
      `SELECT o.id, o.version, l.id AS line
         FROM orders o
         JOIN LATERAL (SELECT l.id FROM order_lines l WHERE l.order_id = o.id
                          AND (l.quantity >= 2 OR (SELECT count(*) FROM order_lines x WHERE x.order_id = o.id) >= 2)
                          AND NOT EXISTS (SELECT 1 FROM serial_numbers s WHERE s.order_line_id = l.id)
                        ORDER BY l.id LIMIT 1) l ON true
        WHERE o.deleted_at IS NULL AND o.status IN ('미배정', '배정', '배정확정', '연기', '부재')
        ORDER BY o.id LIMIT 5`,
    );
    let splits = 0;
    for (const p of parents.rows) {
      await withRequestTransaction(pool, hq, (tx) =>
        splitOrder(tx, hq, p.id, { version: p.version, lines: [{ lineId: p.line, quantity: 1 }] }),
      );
      splits++;
    }
    expect(splits).toBeGreaterThan(0);
    await db.owner.query("UPDATE branches SET timezone = 'America/Los_Angeles' WHERE id = $1", [branches[1]]);
    await expectRollupsEqualRaw();
    await fold();
    await expectRollupsEqualRaw();
  }, 240_000);

  it('with two writers committing interleaved transactions over the same branch and days', async () => {
    const ids = (await pick(`SELECT id FROM orders WHERE deleted_at IS NULL AND branch_id = '${branches[0]}'`, 20)).map(
      (r) => r.id,
    );
    const a = await db.owner.connect();
    const b = await db.owner.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      for (let i = 0; i < ids.length; i++) {
        const c = i % 2 ? a : b;
        await c.query('UPDATE orders SET status = $2 WHERE id = $1', [ids[i], STATUSES[i % STATUSES.length]]);
      }
      // a fold in between sees neither writer's deltas and leaves them
      await fold().catch(() => {});
      await a.query('COMMIT');
      await expectRollupsEqualRaw();
      await b.query('ROLLBACK');
      await expectRollupsEqualRaw();
    } finally {
      a.release();
      b.release();
    }
  }, 240_000);

  it('after a month is archived (triggers off: the archive takes the month out of the rollups)', async () => {
    const part = await db.owner.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'orders'::regclass AND c.relname ~ '^orders_[0-9]{4}_[0-9]{2}$'
          AND EXISTS (SELECT 1 FROM orders o WHERE o.tableoid = c.oid)
        ORDER BY 1 LIMIT 1`,
    );
    const archived = await archiveOrderPartition(db.ownerUrl, part.rows[0]!.name, work);
    expect(archived.orders).toBeGreaterThan(0);
    await expectRollupsEqualRaw();
    await fold();
    await expectRollupsEqualRaw();
  }, 240_000);

  it('the endpoint answers from the rollup; an installer sees no rollup rows', async () => {
    const manager = actors.find((a) => a.role === 'BRANCH_MANAGER')!;
    const answer = await withRequestTransaction(pool, manager, (tx) =>
      progress(tx, manager, { from: days.first, to: addDays(days.first, 30) }),
    );
    const raw = await withRequestTransaction(pool, manager, (tx) =>
      progressCountsRaw(tx, {
        branchId: manager.branchId!,
        from: days.first,
        to: addDays(days.first, 30),
        dateField: 'created',
      }),
    );
    expect(answer.total).toBe(raw.reduce((n, r) => n + r.n, 0));
    const seen = await withRequestTransaction(pool, installer, async (tx) => {
      const r = await tx.query(
        `SELECT (SELECT count(*) FROM report_progress) + (SELECT count(*) FROM report_waste)
              + (SELECT count(*) FROM report_waste_orders) + (SELECT count(*) FROM report_waste_order_days)
              + (SELECT count(*) FROM report_waste_order_sig_days) AS n`,
      );
      return Number(r.rows[0].n);
    });
    expect(seen).toBe(0);
    // and the rollups are not the installer's to write
    await expect(
      withRequestTransaction(pool, installer, (tx) => tx.query('DELETE FROM report_progress')),
    ).rejects.toThrow();
  });
});
