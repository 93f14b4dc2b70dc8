// The triggers that no code path can skip: status history, appointment log, audit, version bumps, settlement lock.
// Writes go through the application role (dispatch_app) with the request context the server sets.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { contexts, type Fixture, failure, insertOrder, inTransaction, makeFixture } from './fixtures.js';

let db: TestDatabase;
let f: Fixture;
let app: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  f = await makeFixture(db.owner);
  app = new pg.Client({ connectionString: db.appUrl });
  await app.connect();
});
afterAll(async () => {
  await app?.end();
  await db.drop();
});

const asManagerA = () => contexts(f).mgrA;

describe('status history', () => {
  it('a status change writes exactly one history row with the previous and new status and the actor', async () => {
    const o = await insertOrder(db.owner, { branchId: f.branchA });
    await inTransaction(
      app,
      asManagerA(),
      async (c) => {
        await c.query(
          "SELECT set_config('app.reason_code', 'P01', true), set_config('app.status_note', '고객 요청', true)",
        );
        await c.query(`UPDATE orders SET status = '연기' WHERE id = $1`, [o.id]);
      },
      { commit: true },
    );
    const { rows } = await db.owner.query(
      `SELECT previous_status, new_status, changed_by, reason_code, notes FROM order_status_history
        WHERE order_id = $1 ORDER BY changed_at, previous_status NULLS FIRST`,
      [o.id],
    );
    expect(rows).toEqual([
      { previous_status: null, new_status: '미배정', changed_by: null, reason_code: null, notes: null },
      {
        previous_status: '미배정',
        new_status: '연기',
        changed_by: f.users.mgrA,
        reason_code: 'P01',
        notes: '고객 요청',
      },
    ]);
  });

  it('an update that leaves the status alone writes no history', async () => {
    const o = await insertOrder(db.owner, { branchId: f.branchA });
    await inTransaction(
      app,
      asManagerA(),
      (c) => c.query(`UPDATE orders SET remarks = '사전 연락' WHERE id = $1`, [o.id]),
      {
        commit: true,
      },
    );
    await inTransaction(
      app,
      asManagerA(),
      (c) => c.query(`UPDATE orders SET status = '미배정' WHERE id = $1`, [o.id]),
      {
        commit: true,
      },
    );
    const n = await db.owner.query('SELECT count(*)::int AS n FROM order_status_history WHERE order_id = $1', [o.id]);
    expect(n.rows[0].n).toBe(1); // the initial row only
  });
});

describe('appointment log', () => {
  it('changing appointment_date writes one appointments row with old and new date, actor and reason', async () => {
    const o = await insertOrder(db.owner, { branchId: f.branchA, appointmentDate: '2099-01-10' });
    await inTransaction(
      app,
      asManagerA(),
      async (c) => {
        await c.query("SELECT set_config('app.change_reason', '고객 요청 연기', true)");
        await c.query(`UPDATE orders SET appointment_date = '2099-01-12' WHERE id = $1`, [o.id]);
      },
      { commit: true },
    );
    const { rows } = await db.owner.query(
      `SELECT old_date::text, new_date::text, changed_by, reason FROM appointments WHERE order_id = $1`,
      [o.id],
    );
    expect(rows).toEqual([
      { old_date: '2099-01-10', new_date: '2099-01-12', changed_by: f.users.mgrA, reason: '고객 요청 연기' },
    ]);
  });
});

describe('audit', () => {
  it('an update writes one audit row whose diff holds only the columns that changed', async () => {
    const o = await insertOrder(db.owner, { branchId: f.branchA });
    await inTransaction(
      app,
      asManagerA(),
      (c) =>
        c.query(`UPDATE orders SET remarks = '엘리베이터 없음', customer_phone = '010-9999-0000' WHERE id = $1`, [
          o.id,
        ]),
      { commit: true },
    );
    const { rows } = await db.owner.query(
      `SELECT action, actor_id, branch_id, order_id, diff FROM audit_logs
        WHERE table_name = 'orders' AND record_id = $1 AND action = 'UPDATE'`,
      [o.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'UPDATE', actor_id: f.users.mgrA, branch_id: f.branchA, order_id: o.id });
    // version is bumped by every update, so the diff also says which version the change produced
    expect(Object.keys(rows[0].diff).sort()).toEqual(['customer_phone', 'remarks', 'version']);
    expect(rows[0].diff.remarks).toEqual({ old: null, new: '엘리베이터 없음' });
    expect(rows[0].diff.customer_phone).toEqual({ old: '010-1234-5678', new: '010-9999-0000' });
    expect(rows[0].diff.version).toEqual({ old: 1, new: 2 });
  });

  it('an update that changes nothing writes no audit row', async () => {
    const o = await insertOrder(db.owner, { branchId: f.branchA });
    await inTransaction(
      app,
      asManagerA(),
      (c) => c.query('UPDATE orders SET remarks = remarks WHERE id = $1', [o.id]),
      {
        commit: true,
      },
    );
    const n = await db.owner.query(
      "SELECT count(*)::int AS n FROM audit_logs WHERE record_id = $1 AND action = 'UPDATE'",
      [o.id],
    );
    expect(n.rows[0].n).toBe(0);
  });

  it('the application role cannot write history, appointments or audit rows itself', async () => {
    const o = f.orderA;
    const attempts = [
      `INSERT INTO order_status_history(order_id, order_created_at, new_status) VALUES ('${o.id}', '${o.createdAt.toISOString()}', '인수')`,
      `INSERT INTO appointments(order_id, order_created_at, new_date) VALUES ('${o.id}', '${o.createdAt.toISOString()}', '2099-01-01')`,
      `INSERT INTO audit_logs(table_name, action, diff) VALUES ('orders', 'UPDATE', '{}')`,
      `UPDATE order_status_history SET new_status = '취소' WHERE order_id = '${o.id}'`,
      `DELETE FROM audit_logs`,
    ];
    for (const sql of attempts) {
      const e = await failure(() => inTransaction(app, contexts(f).hq, (c) => c.query(sql)));
      expect(e.code, sql).toBe('42501');
      expect(e.message).toContain('permission denied');
    }
  });
});

describe('version', () => {
  it('a raw UPDATE bumps the version by one, and so does one that bumps it itself', async () => {
    const o = await insertOrder(db.owner, { branchId: f.branchA });
    const version = async () =>
      (await db.owner.query('SELECT version, updated_at FROM orders WHERE id = $1', [o.id])).rows[0];
    const v1 = await version();
    expect(v1.version).toBe(1);
    await db.owner.query(`UPDATE orders SET remarks = 'raw' WHERE id = $1`, [o.id]);
    const v2 = await version();
    expect(v2.version).toBe(2);
    expect(v2.updated_at.getTime()).toBeGreaterThanOrEqual(v1.updated_at.getTime());
    // the optimistic-locking statement of the seed: WHERE version = $2, SET version = version + 1
    const r = await inTransaction(app, asManagerA(), (c) =>
      c.query(
        `UPDATE orders SET remarks = 'api', version = version + 1 WHERE id = $1 AND version = 2 RETURNING version`,
        [o.id],
      ),
    );
    expect(r.rows).toEqual([{ version: 3 }]);
    const stale = await inTransaction(app, asManagerA(), (c) =>
      c.query(`UPDATE orders SET remarks = 'late' WHERE id = $1 AND version = 1`, [o.id]),
    );
    expect(stale.rowCount).toBe(0);
  });

  it('child tables bump their version on update too', async () => {
    await db.owner.query('UPDATE order_lines SET quantity = 2 WHERE id = $1', [f.orderA2.lineId]);
    const { rows } = await db.owner.query('SELECT version FROM order_lines WHERE id = $1', [f.orderA2.lineId]);
    expect(rows[0].version).toBe(2);
  });
});

describe('scope keys of child rows', () => {
  it('a waste pick-up takes branch and partner from its order whatever the writer says', async () => {
    const { rows } = await db.owner.query(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id, partner_id)
       VALUES ($1, $2, 'P04', 1, $3, $4) RETURNING branch_id, partner_id`,
      [f.orderA.id, f.orderA.createdAt, f.branchB, f.partnerB],
    );
    expect(rows[0]).toEqual({ branch_id: f.branchA, partner_id: f.partnerA });
  });
});

describe('settlement lock', () => {
  // Week of Monday 2098-12-29 … Sunday 2099-01-04 (far in the future, so nothing else lands in it).
  const lockedDay = '2099-01-02';
  const openDay = '2099-01-07';
  let locked: { id: string; createdAt: Date };
  let lineId: string;
  let serialId: string;
  let wasteId: string;
  let inOpenWeek: { id: string };
  let otherBranch: { id: string };

  beforeAll(async () => {
    locked = await insertOrder(db.owner, { branchId: f.branchA, appointmentDate: lockedDay });
    inOpenWeek = await insertOrder(db.owner, { branchId: f.branchA, appointmentDate: openDay });
    otherBranch = await insertOrder(db.owner, { branchId: f.branchB, appointmentDate: lockedDay });
    lineId = (
      await db.owner.query(
        `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
         VALUES ($1, $2, 'AC-W07N', '벽걸이 에어컨 7평', 1) RETURNING id`,
        [locked.id, locked.createdAt],
      )
    ).rows[0].id;
    serialId = (
      await db.owner.query(
        `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial) VALUES ($1, $2, $3, 'LOCK-SN-1') RETURNING id`,
        [lineId, locked.id, locked.createdAt],
      )
    ).rows[0].id;
    wasteId = (
      await db.owner.query(
        `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id) VALUES ($1, $2, 'P03', 1, $3) RETURNING id`,
        [locked.id, locked.createdAt, f.branchA],
      )
    ).rows[0].id;
    await db.owner.query(
      `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_by, locked_at)
       VALUES ($1, '2098-12-29', '2099-01-04', 'LOCKED', $2, now())`,
      [f.branchA, f.users.mgrA],
    );
  });

  it('an order in a LOCKED week, its line, serial and waste pick-up cannot be changed (SQLSTATE DL423)', async () => {
    const attempts: [string, unknown[]][] = [
      [`UPDATE orders SET remarks = 'x' WHERE id = $1`, [locked.id]],
      [`UPDATE orders SET status = '취소' WHERE id = $1`, [locked.id]],
      ['UPDATE order_lines SET quantity = 2 WHERE id = $1', [lineId]],
      [`UPDATE serial_numbers SET serial = 'LOCK-SN-2' WHERE id = $1`, [serialId]],
      ['UPDATE waste_pickups SET quantity = 3 WHERE id = $1', [wasteId]],
      ['DELETE FROM order_lines WHERE id = $1', [lineId]],
    ];
    for (const [sql, params] of attempts) {
      const e = await failure(() => inTransaction(app, contexts(f).hq, (c) => c.query(sql, params)));
      expect(e.code, sql).toBe('DL423');
      expect(e.message).toContain('is locked');
    }
    const still = await db.owner.query('SELECT remarks, status, version FROM orders WHERE id = $1', [locked.id]);
    expect(still.rows[0]).toEqual({ remarks: null, status: '미배정', version: 1 });
  });

  it('moving an order into a LOCKED week is refused too', async () => {
    const e = await failure(() =>
      inTransaction(app, contexts(f).hq, (c) =>
        c.query('UPDATE orders SET appointment_date = $2 WHERE id = $1', [inOpenWeek.id, lockedDay]),
      ),
    );
    expect(e.code).toBe('DL423');
  });

  it('moving an order out of a LOCKED week is refused too (the week it leaves is checked)', async () => {
    const e = await failure(() =>
      inTransaction(app, contexts(f).hq, (c) =>
        c.query(`UPDATE orders SET appointment_date = '2098-12-01' WHERE id = $1`, [locked.id]),
      ),
    );
    expect(e.code).toBe('DL423');
  });

  it('other weeks of the branch, and the same week of another branch, stay editable', async () => {
    await inTransaction(app, contexts(f).hq, async (c) => {
      const a = await c.query(`UPDATE orders SET remarks = 'ok' WHERE id = $1`, [inOpenWeek.id]);
      const b = await c.query(`UPDATE orders SET remarks = 'ok' WHERE id = $1`, [otherBranch.id]);
      expect([a.rowCount, b.rowCount]).toEqual([1, 1]);
    });
  });

  it('once HQ reopens the week the order can change again', async () => {
    await db.owner.query(
      `UPDATE settlement_periods SET status = 'OPEN', unlocked_by = $2, unlocked_at = now()
        WHERE branch_id = $1 AND period_start = '2098-12-29'`,
      [f.branchA, f.users.hq],
    );
    const r = await inTransaction(app, contexts(f).hq, (c) =>
      c.query(`UPDATE orders SET remarks = 'after unlock' WHERE id = $1`, [locked.id]),
    );
    expect(r.rowCount).toBe(1);
  });
});

describe('cache scopes (app.cache_touched)', () => {
  const touched = async (c: pg.ClientBase) =>
    (await c.query<{ t: string | null }>("SELECT current_setting('app.cache_touched', true) AS t")).rows[0]!.t;

  it('order writes list each scope once, whatever the order of the writes; a write of listed scopes adds none', async () => {
    const a1 = await insertOrder(db.owner, { branchId: f.branchA });
    const a2 = await insertOrder(db.owner, { branchId: f.branchA });
    const b1 = await insertOrder(db.owner, { branchId: f.branchB });
    const ids = [a1.id, a2.id, b1.id];
    const expected = (
      await db.owner.query<{ s: string }>(
        `SELECT DISTINCT s FROM orders o,
                LATERAL (VALUES ('all'), ('b:' || o.branch_id), ('cn:' || md5(o.customer_name)),
                                ('cp:' || md5(o.customer_phone))) v(s)
          WHERE o.id = ANY($1::uuid[]) AND s IS NOT NULL`,
        [ids],
      )
    ).rows
      .map((r) => r.s)
      .sort();
    await inTransaction(app, contexts(f).hq, async (c) => {
      for (const id of [...ids, a1.id, b1.id]) await c.query(`UPDATE orders SET remarks = 'scope' WHERE id = $1`, [id]);
      const list = (await touched(c))!.split(',');
      expect([...list].sort()).toEqual(expected);
      expect(new Set(list).size).toBe(list.length);
    });
  });

  it("more than 200 scopes in a transaction become '*' (invalidate everything), as before", async () => {
    await inTransaction(app, contexts(f).hq, async (c) => {
      await c.query("SELECT cache_touch(ARRAY(SELECT 'x:' || g FROM generate_series(1, 150) g))");
      await c.query("SELECT cache_touch(ARRAY(SELECT 'x:' || g FROM generate_series(1, 150) g) || '{NULL}')");
      expect((await touched(c))!.split(',')).toHaveLength(150);
      await c.query("SELECT cache_touch(ARRAY(SELECT 'x:' || g FROM generate_series(100, 200) g))");
      expect((await touched(c))!.split(',')).toHaveLength(200);
      await c.query("SELECT cache_touch('{x:201}')");
      expect(await touched(c)).toBe('*');
      await c.query("SELECT cache_touch('{x:1}')");
      expect(await touched(c)).toBe('*');
    });
  });
});
