// Many plain orders (one line each, one second apart so each has its own keyset position) loaded in one statement
// for export tests and benchmarks. Triggers are skipped (session_replication_role = replica): history, audit and
// the per-row guards would make loading 100k orders take minutes, and an export reads these orders exactly as it
// reads any others.
import type pg from 'pg';

export async function loadBulkOrders(owner: pg.Pool, branchId: string, count: number, prefix = 'BIG-'): Promise<void> {
  const loader = await owner.connect();
  try {
    await loader.query('BEGIN');
    await loader.query('SET LOCAL session_replication_role = replica');
    await loader.query(
      `WITH o AS (
         INSERT INTO orders(order_no, customer_name, customer_phone, address, vendor, branch_id, status,
                            appointment_date, created_at)
         SELECT $3 || g, '고객 ' || g, '010-0000-' || lpad((g % 10000)::text, 4, '0'),
                jsonb_build_object('line1', '테헤란로 ' || g, 'city', '서울', 'postal', '06236'), '동부대우전자', $1,
                '미배정', NULL, date_trunc('milliseconds', now()) - g * interval '1 second'
           FROM generate_series(1, $2::int) g
         RETURNING id, created_at)
       INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
       SELECT id, created_at, 'GEN-100', '소형 가전', 1 FROM o`,
      [branchId, count, prefix],
    );
    await loader.query('COMMIT');
    await loader.query('ANALYZE orders');
    await loader.query('ANALYZE order_lines');
  } finally {
    loader.release();
  }
}
