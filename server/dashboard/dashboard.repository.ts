import { prepared } from '../db/prepared.js';
import type { Tx } from '../db/transaction.js';
import { COMPANY_TIME_ZONE } from '../orders/orders.repository.js';

export interface DayStatusCount {
  day: string;
  status: string;
  n: number;
}

export interface ProgressFilter {
  branchId?: string;
  from: string;
  to: string;
  dateField: 'created' | 'appointment';
}

/**
 * FR-08: orders per day and status, from the rollup (migration 0090): the folded cells plus the deltas not folded
 * yet, in one statement, so the answer is exactly progressCountsRaw's at this moment. Row-level security on the
 * rollup tables shows each role the cells of its scope (a manager its branch, a coordinator its partner).
 * Its cost depends on the days asked for, not on the orders kept.
 */
export async function progressCounts(tx: Tx, f: ProgressFilter): Promise<DayStatusCount[]> {
  const params: unknown[] = [f.from, f.to, f.dateField === 'appointment'];
  let branchFilter = '';
  if (f.branchId) {
    params.push(f.branchId);
    branchFilter = 'AND branch_id = $4';
  }
  const cells = (table: string) =>
    `SELECT day, status, n FROM ${table}
      WHERE by_appointment = $3 AND day BETWEEN $1::date AND $2::date ${branchFilter}`;
  const sql = `SELECT day::text AS day, status, sum(n)::int AS n
                 FROM (${cells('report_progress')} UNION ALL ${cells('report_progress_delta')}) c
                GROUP BY day, status
               HAVING sum(n) <> 0`;
  const { rows } = await tx.query<DayStatusCount>(prepared(sql, params));
  return rows;
}

/**
 * FR-08 straight from the orders: the definition the rollup must equal (test/db/report-rollups.test.ts compares
 * them; the bench measures both). Days are the branch's own (its time zone) for created_at; the range is first
 * narrowed on created_at with a day's margin so idx_orders_branch_date_covering serves it.
 */
export async function progressCountsRaw(tx: Tx, f: ProgressFilter): Promise<DayStatusCount[]> {
  const params: unknown[] = [f.from, f.to];
  let branchFilter = '';
  if (f.branchId) {
    params.push(f.branchId);
    branchFilter = 'AND o.branch_id = $3';
  }
  const sql =
    f.dateField === 'created'
      ? `SELECT (o.created_at AT TIME ZONE b.timezone)::date::text AS day, o.status, count(*)::int AS n
           FROM orders o JOIN branches b ON b.id = o.branch_id
          WHERE o.deleted_at IS NULL ${branchFilter}
            AND o.created_at >= (($1::date - 1)::timestamp AT TIME ZONE '${COMPANY_TIME_ZONE}')
            AND o.created_at < (($2::date + 2)::timestamp AT TIME ZONE '${COMPANY_TIME_ZONE}')
            AND (o.created_at AT TIME ZONE b.timezone)::date BETWEEN $1::date AND $2::date
          GROUP BY 1, 2`
      : `SELECT o.appointment_date::text AS day, o.status, count(*)::int AS n
           FROM orders o
          WHERE o.deleted_at IS NULL ${branchFilter} AND o.appointment_date BETWEEN $1::date AND $2::date
          GROUP BY 1, 2`;
  // Named (four texts): planned once per connection; the range is pruned to its partitions when the generic
  // plan starts, and the branch's range is an index-only scan of idx_orders_branch_date_covering.
  const { rows } = await tx.query<DayStatusCount>(prepared(sql, params));
  return rows;
}
