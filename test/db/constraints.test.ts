// Each constraint rejects a bad row, names itself in the error, and the row is not stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type Fixture, failure, insertOrder, makeFixture } from './fixtures.js';

let db: TestDatabase;
let f: Fixture;
beforeAll(async () => {
  db = await createTestDatabase();
  f = await makeFixture(db.owner);
});
afterAll(async () => {
  await db.drop();
});

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return (await db.owner.query(`SELECT count(*)::int AS n FROM (${sql}) x`, params)).rows[0].n;
}

describe('constraints', () => {
  it('an order status outside the 12 workflow states is rejected by chk_order_status', async () => {
    const e = await failure(() =>
      insertOrder(db.owner, { branchId: f.branchA, status: 'DONE', orderNo: 'BAD-STATUS' }),
    );
    expect(e.constraint).toBe('chk_order_status');
    expect(e.message).toContain('chk_order_status');
    expect(await count("SELECT 1 FROM orders WHERE order_no = 'BAD-STATUS'")).toBe(0);
  });

  it('every Korean status of the workflow is accepted', async () => {
    for (const status of [
      '미배정',
      '배정',
      '배정확정',
      '출고확정',
      '출문',
      '연기',
      '부재',
      '인수',
      '부분인수',
      '회수',
      '취소',
      '의뢰취소',
    ]) {
      await insertOrder(db.owner, { branchId: f.branchA, status });
    }
  });

  it('version 0 is rejected by chk_version_positive', async () => {
    const e = await failure(() =>
      db.owner.query(
        `INSERT INTO orders(order_no, customer_name, branch_id, version) VALUES ('BAD-VERSION', '김민준', $1, 0)`,
        [f.branchA],
      ),
    );
    expect(e.constraint).toBe('chk_version_positive');
    expect(e.message).toContain('chk_version_positive');
    const e2 = await failure(() => db.owner.query('UPDATE orders SET version = 0 WHERE id = $1', [f.orderA.id]));
    expect(e2.constraint).toBe('chk_version_positive');
  });

  it('an appointment before the creation day is rejected by chk_appointment_date', async () => {
    const e = await failure(() =>
      insertOrder(db.owner, {
        branchId: f.branchA,
        createdAt: '2026-03-10 12:00+09',
        appointmentDate: '2026-03-09',
        orderNo: 'BAD-APPT',
      }),
    );
    expect(e.constraint).toBe('chk_appointment_date');
    expect(e.message).toContain('chk_appointment_date');
    // the creation day itself is allowed
    await insertOrder(db.owner, {
      branchId: f.branchA,
      createdAt: '2026-03-10 12:00+09',
      appointmentDate: '2026-03-10',
    });
  });

  it('a serial number used twice is rejected by uq_serial_numbers_serial', async () => {
    const existing = (await db.owner.query('SELECT serial FROM serial_numbers WHERE id = $1', [f.orderA.serialId]))
      .rows[0].serial;
    const e = await failure(() =>
      db.owner.query(
        'INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial) VALUES ($1, $2, $3, $4)',
        [f.orderB.lineId, f.orderB.id, f.orderB.createdAt, existing],
      ),
    );
    expect(e.constraint).toBe('uq_serial_numbers_serial');
    expect(e.message).toContain('uq_serial_numbers_serial');
    expect(await count('SELECT 1 FROM serial_numbers WHERE serial = $1', [existing])).toBe(1);
  });

  it('a second pick-up of the same waste code on one order is rejected by uq_waste_pickups_order_code', async () => {
    const e = await failure(() =>
      db.owner.query(
        `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id) VALUES ($1, $2, 'P01', 2, $3)`,
        [f.orderA.id, f.orderA.createdAt, f.branchA],
      ),
    );
    expect(e.constraint).toBe('uq_waste_pickups_order_code');
    expect(e.message).toContain('uq_waste_pickups_order_code');
    expect(await count('SELECT 1 FROM waste_pickups WHERE order_id = $1', [f.orderA.id])).toBe(1);
    // another code on the same order is fine
    await db.owner.query(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id) VALUES ($1, $2, 'P02', 1, $3)`,
      [f.orderA.id, f.orderA.createdAt, f.branchA],
    );
  });

  it('the same order number in two different months (two partitions) is rejected by order_numbers_pkey', async () => {
    await insertOrder(db.owner, { branchId: f.branchA, orderNo: 'DW-TWICE-1' });
    const twoMonthsAgo = new Date(Date.now() - 62 * 86_400_000).toISOString();
    const e = await failure(() =>
      insertOrder(db.owner, { branchId: f.branchB, orderNo: 'DW-TWICE-1', createdAt: twoMonthsAgo }),
    );
    expect(e.constraint).toBe('order_numbers_pkey');
    expect(e.message).toContain('order_numbers_pkey');
    const rows = await db.owner.query(
      `SELECT tableoid::regclass::text AS part, branch_id,
              to_char(now() AT TIME ZONE 'Asia/Seoul', '"orders_"YYYY_MM') AS this_month,
              to_char($1::timestamptz AT TIME ZONE 'Asia/Seoul', '"orders_"YYYY_MM') AS other_month
         FROM orders WHERE order_no = 'DW-TWICE-1'`,
      [twoMonthsAgo],
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].branch_id).toBe(f.branchA);
    // PostgreSQL alone would allow it: a unique index on a partitioned table must include the partition key
    expect(rows.rows[0].part).toBe(rows.rows[0].this_month);
    expect(rows.rows[0].other_month).not.toBe(rows.rows[0].this_month);
  });

  it('an order line whose order does not exist is rejected by fk_order_lines_order', async () => {
    const e = await failure(() =>
      db.owner.query(
        `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
         VALUES (gen_random_uuid(), now(), 'WM-DR-21', '드럼세탁기 21kg', 1)`,
      ),
    );
    expect(e.constraint).toBe('fk_order_lines_order');
    expect(e.message).toContain('fk_order_lines_order');
    // the right id with the wrong created_at is an orphan too: the key is (order_id, order_created_at)
    const e2 = await failure(() =>
      db.owner.query(
        `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
         VALUES ($1, $2::timestamptz - interval '1 second', 'WM-DR-21', '드럼세탁기 21kg', 1)`,
        [f.orderA.id, f.orderA.createdAt],
      ),
    );
    expect(e2.constraint).toBe('fk_order_lines_order');
  });

  it('an order read into JavaScript can be referenced again with the created_at it came back with', async () => {
    // node-postgres (like the client and JSON) holds milliseconds; the default creation instant must not carry more
    const order = await insertOrder(db.owner, { branchId: f.branchA });
    const read = (await db.owner.query('SELECT created_at FROM orders WHERE id = $1', [order.id])).rows[0].created_at;
    expect(read).toBeInstanceOf(Date);
    await db.owner.query(
      `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
       VALUES ($1, $2, 'AC-W07N', '벽걸이 에어컨 7평', 1)`,
      [order.id, (read as Date).toISOString()],
    );
    expect(await count('SELECT 1 FROM order_lines WHERE order_id = $1', [order.id])).toBe(1);
  });

  it('a reason code whose letter does not match its type is rejected by chk_reason_codes_code_matches_type', async () => {
    const e = await failure(() =>
      db.owner.query(
        `INSERT INTO reason_codes(type, code, description_ko, description_en) VALUES ('CANCEL', 'P09', '잘못된 코드', 'Wrong code')`,
      ),
    );
    expect(e.constraint).toBe('chk_reason_codes_code_matches_type');
    expect(e.message).toContain('chk_reason_codes_code_matches_type');
    expect(await count("SELECT 1 FROM reason_codes WHERE code = 'P09'")).toBe(0);
    await db.owner.query(
      `INSERT INTO reason_codes(type, code, description_ko, description_en) VALUES ('CANCEL', 'C09', '기타', 'Other')`,
    );
  });
});
