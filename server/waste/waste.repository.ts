import type { WasteStatus } from '../../domain/order-parts.js';
import { prepared } from '../db/prepared.js';
import type { Tx } from '../db/transaction.js';

export interface WasteRow {
  id: string;
  orderId: string;
  code: string;
  nameKo: string;
  nameEn: string;
  quantity: number;
  status: WasteStatus;
  collectedBy: string | null;
  collectorName: string | null;
  collectedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `w.id, w.order_id AS "orderId", w.code, c.name_ko AS "nameKo", c.name_en AS "nameEn", w.quantity,
  w.status, w.collected_by AS "collectedBy", (SELECT i.name FROM installers i WHERE i.id = w.collected_by) AS "collectorName",
  w.collected_at AS "collectedAt", w.version, w.created_at AS "createdAt", w.updated_at AS "updatedAt"`;

export async function listPickups(tx: Tx, orderId: string): Promise<WasteRow[]> {
  const { rows } = await tx.query<WasteRow>(
    `SELECT ${COLUMNS} FROM waste_pickups w JOIN waste_codes c ON c.code = w.code
      WHERE w.order_id = $1 ORDER BY w.code`,
    [orderId],
  );
  return rows;
}

export async function findPickup(tx: Tx, orderId: string, id: string): Promise<WasteRow | undefined> {
  const { rows } = await tx.query<WasteRow>(
    `SELECT ${COLUMNS} FROM waste_pickups w JOIN waste_codes c ON c.code = w.code
      WHERE w.id = $1 AND w.order_id = $2`,
    [id, orderId],
  );
  return rows[0];
}

export async function pickupOfCode(tx: Tx, orderId: string, code: string): Promise<{ id: string } | undefined> {
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM waste_pickups WHERE order_id = $1 AND code = $2', [
    orderId,
    code,
  ]);
  return rows[0];
}

export interface WasteCode {
  code: string;
  nameKo: string;
  nameEn: string;
  isActive: boolean;
  version: number;
}

export async function findWasteCode(tx: Tx, code: string): Promise<WasteCode | undefined> {
  const { rows } = await tx.query<WasteCode>(
    `SELECT code, name_ko AS "nameKo", name_en AS "nameEn", is_active AS "isActive", version
       FROM waste_codes WHERE code = $1`,
    [code],
  );
  return rows[0];
}

export async function listWasteCodes(tx: Tx, activeOnly: boolean): Promise<WasteCode[]> {
  const { rows } = await tx.query<WasteCode>(
    `SELECT code, name_ko AS "nameKo", name_en AS "nameEn", is_active AS "isActive", version
       FROM waste_codes WHERE is_active OR NOT $1 ORDER BY code`,
    [activeOnly],
  );
  return rows;
}

/** An installer of the branch, if the caller may see it. */
export async function installerOfBranch(tx: Tx, installerId: string, branchId: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM installers WHERE id = $1 AND branch_id = $2', [
    installerId,
    branchId,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function orderIdOfPickup(tx: Tx, id: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ orderId: string }>(
    'SELECT order_id AS "orderId" FROM waste_pickups WHERE id = $1',
    [id],
  );
  return rows[0]?.orderId;
}

export interface NewPickup {
  id?: string;
  orderId: string;
  code: string;
  quantity: number;
  status: WasteStatus;
  collectedBy: string | null;
  collectedAt: string | null;
}

export async function insertPickup(tx: Tx, p: NewPickup): Promise<{ id: string }> {
  // branch_id / partner_id are filled from the order by trigger (waste_pickups_fill_scope)
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO waste_pickups(id, order_id, order_created_at, code, quantity, status, collected_by, collected_at, branch_id)
     SELECT coalesce($7::uuid, gen_random_uuid()), o.id, o.created_at, $2, $3, $4::text, $5::uuid,
            CASE WHEN $4::text = 'PLANNED' THEN $6::timestamptz ELSE coalesce($6::timestamptz, now()) END, o.branch_id
       FROM orders o WHERE o.id = $1
     RETURNING id`,
    [p.orderId, p.code, p.quantity, p.status, p.collectedBy, p.collectedAt, p.id ?? null],
  );
  return rows[0]!;
}

export type PickupChanges = Partial<{
  code: string;
  quantity: number;
  status: WasteStatus;
  collectedBy: string | null;
  collectedAt: string | null;
}>;

export async function updatePickup(tx: Tx, id: string, version: number, c: PickupChanges): Promise<boolean> {
  const params: unknown[] = [id, version];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const sets: string[] = [];
  if (c.code !== undefined) sets.push(`code = ${p(c.code)}`);
  if (c.quantity !== undefined) sets.push(`quantity = ${p(c.quantity)}::int`);
  if (c.status !== undefined) sets.push(`status = ${p(c.status)}`);
  if (c.collectedBy !== undefined) sets.push(`collected_by = ${p(c.collectedBy)}::uuid`);
  if (c.collectedAt !== undefined) sets.push(`collected_at = ${p(c.collectedAt)}::timestamptz`);
  // collected now, if it says so and no time was given
  if (c.status && c.status !== 'PLANNED' && c.collectedAt === undefined) {
    sets.push('collected_at = coalesce(collected_at, now())');
  }
  const { rowCount } = await tx.query(
    `UPDATE waste_pickups SET ${sets.join(', ')} WHERE id = $1 AND version = $2`,
    params,
  );
  return (rowCount ?? 0) > 0;
}

export async function deletePickup(tx: Tx, id: string, version: number): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM waste_pickups WHERE id = $1 AND version = $2', [id, version]);
  return (rowCount ?? 0) > 0;
}

// ---- FR-07 totals and the ECOAS report ----

export type GroupBy = 'code' | 'day' | 'partner';

export interface SummaryFilter {
  from: string;
  to: string;
  branchId?: string;
  partnerId?: string;
  statuses: WasteStatus[];
}

export interface SummaryGroup {
  key: string | null;
  label: string | null;
  labelEn: string | null;
  quantity: number;
  pickups: number;
  orders: number;
}

const COMPANY_TZ = 'Asia/Seoul';

const LABELS = {
  code: { join: 'LEFT JOIN waste_codes c ON c.code = g.key', ko: 'c.name_ko', en: 'c.name_en' },
  day: { join: '', ko: 'NULL', en: 'NULL' },
  partner: { join: 'LEFT JOIN partners p ON p.id::text = g.key', ko: 'p.name', en: 'p.name' },
} as const;

/**
 * Totals of the pick-ups collected between from and to (Korean days, inclusive), grouped, from the rollups
 * (migration 0090): folded cells plus deltas not folded yet, so it equals summaryRaw at every moment; row-level
 * security on the rollups shows each role its scope. Quantities and pick-ups add up over cells; distinct orders
 * do not in general, so by partner they come from the orders' signatures (one row per set of (day, status) an
 * order's pick-ups have): an order counts when its signature has an element in the period with a status asked
 * for. The folded signatures are read by day (report_waste_order_sig_days, 0143: one row per signature and day),
 * so the period is an index range there too. By day they do add up once a cell knows the statuses an order's
 * pick-ups of that day have (report_waste_order_days, 0137): a day's orders are the cells of that day whose status set meets the one asked
 * for, so the period is an index range and the cost does not grow with the orders. By code, orders = pick-ups
 * (one pick-up per code per order, uq_waste_pickups_order_code).
 */
export async function summary(tx: Tx, f: SummaryFilter, groupBy: GroupBy): Promise<SummaryGroup[]> {
  const params: unknown[] = [f.from, f.to, f.statuses];
  const scope: string[] = [];
  if (f.branchId) {
    params.push(f.branchId);
    scope.push(`branch_id = $${params.length}`);
  }
  if (f.partnerId) {
    params.push(f.partnerId);
    scope.push(`partner_id = $${params.length}`);
  }
  const where = ['day BETWEEN $1::date AND $2::date', 'status = ANY($3::text[])', ...scope];
  const dayWhere = ['day BETWEEN $1::date AND $2::date', 'statuses && $3::text[]', ...scope];
  const sigWhere = ["days && daterange($1::date, $2::date, '[]')", ...scope];
  const key = { code: 'code', day: "to_char(day, 'YYYY-MM-DD')", partner: 'partner_id::text' }[groupBy];
  const cells = (table: string) => `SELECT ${key} AS key, quantity, pickups FROM ${table} WHERE ${where.join(' AND ')}`;
  const sigs = (table: string) => `SELECT partner_id, sig, n FROM ${table} WHERE ${sigWhere.join(' AND ')}`;
  // an element of a signature in the period, with a status asked for
  const inPeriod = 'left(e, 10)::date BETWEEN $1::date AND $2::date AND substr(e, 12) = ANY($3::text[])';
  const orders = {
    code: '',
    // the folded day cells, and the signatures written since the last fold projected onto the same cells (the
    // projection report_fold() folds them with)
    day: `LEFT JOIN (SELECT to_char(day, 'YYYY-MM-DD') AS key, sum(n)::int AS orders
                       FROM (SELECT day, n FROM report_waste_order_days
                              WHERE ${dayWhere.join(' AND ')}
                             UNION ALL
                             SELECT c.day, s.n
                               FROM (${sigs('report_waste_orders_delta')}) s
                               CROSS JOIN LATERAL report_sig_day_cells(s.sig) c
                              WHERE c.day BETWEEN $1::date AND $2::date AND c.statuses && $3::text[]) d
                      GROUP BY day) o ON o.key = q.key`,
    // the folded signatures by day (0143): a period's are an index range, and a signature counts once for its
    // partner when any of its days in the period has a status asked for (its rows all carry its n); plus the
    // signatures written since the last fold, unnested and filtered as they are (a few rows)
    partner: `LEFT JOIN (SELECT partner_id::text AS key, sum(n)::int AS orders
                           FROM (SELECT partner_id, min(n) AS n
                                   FROM report_waste_order_sig_days
                                  WHERE ${dayWhere.join(' AND ')}
                                  GROUP BY branch_id, partner_id, sig
                                 UNION ALL
                                 SELECT DISTINCT ON (s.rid) s.partner_id, s.n
                                   FROM (SELECT row_number() OVER () AS rid, u.partner_id, u.sig, u.n
                                           FROM (${sigs('report_waste_orders_delta')}) u) s,
                                        unnest(s.sig) e
                                  WHERE ${inPeriod}) d
                          GROUP BY 1) o ON o.key IS NOT DISTINCT FROM q.key`,
  }[groupBy];
  const labels = LABELS[groupBy];
  const { rows } = await tx.query<SummaryGroup>(
    prepared(
      `SELECT g.key, ${labels.ko} AS label, ${labels.en} AS "labelEn", g.quantity, g.pickups, g.orders
       FROM (SELECT q.key, q.quantity, q.pickups, ${groupBy === 'code' ? 'q.pickups' : 'coalesce(o.orders, 0)'} AS orders
               FROM (SELECT key, sum(quantity)::int AS quantity, sum(pickups)::int AS pickups
                       FROM (${cells('report_waste')} UNION ALL ${cells('report_waste_delta')}) c
                      GROUP BY key
                     HAVING sum(pickups) <> 0) q
               ${orders}) g
       ${labels.join}
      ORDER BY g.key NULLS LAST`,
      params,
    ),
  );
  return rows;
}

/**
 * FR-07 straight from the pick-ups: the definition summary() must equal (test/db/report-rollups.test.ts compares
 * them; the bench measures both).
 */
export async function summaryRaw(tx: Tx, f: SummaryFilter, groupBy: GroupBy): Promise<SummaryGroup[]> {
  const params: unknown[] = [f.from, f.to, f.statuses];
  const where = [
    `w.collected_at >= ($1::date::timestamp AT TIME ZONE '${COMPANY_TZ}')`,
    `w.collected_at < (($2::date + 1)::timestamp AT TIME ZONE '${COMPANY_TZ}')`,
    'w.status = ANY($3::text[])',
    // "not of a deleted order", asked as the absence of a deleted one: every pick-up has its order (foreign key)
    // and the pick-ups policy already requires the caller to see it, so this equals "its order is live", but it
    // reads only the few deleted orders (idx_orders_deleted, 0042) where the positive form hashed every live one.
    'NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = w.order_id AND o.created_at = w.order_created_at AND o.deleted_at IS NOT NULL)',
  ];
  if (f.branchId) {
    params.push(f.branchId);
    where.push(`w.branch_id = $${params.length}`);
  }
  if (f.partnerId) {
    params.push(f.partnerId);
    where.push(`w.partner_id = $${params.length}`);
  }
  const key = {
    code: 'w.code',
    day: `to_char(w.collected_at AT TIME ZONE '${COMPANY_TZ}', 'YYYY-MM-DD')`,
    partner: 'w.partner_id::text',
  }[groupBy];
  const labels = LABELS[groupBy];
  // Named (at most 12 texts: grouping × branch × partner): planning it over every partition, twice under RLS,
  // costs as much as running it, and its generic plan is right for any period.
  const { rows } = await tx.query<SummaryGroup>(
    prepared(
      `SELECT g.key, ${labels.ko} AS label, ${labels.en} AS "labelEn", g.quantity, g.pickups, g.orders
       FROM (SELECT ${key} AS key, sum(w.quantity)::int AS quantity, count(*)::int AS pickups,
                    count(DISTINCT w.order_id)::int AS orders
               FROM waste_pickups w
              WHERE ${where.join(' AND ')}
              GROUP BY 1) g
       ${labels.join}
      ORDER BY g.key NULLS LAST`,
      params,
    ),
  );
  return rows;
}

export interface EcoasRow {
  id: string;
  date: string;
  orderNo: string;
  branchCode: string;
  code: string;
  nameKo: string;
  nameEn: string;
  quantity: number;
  collector: string | null;
  city: string | null;
  /** keyset position */
  collectedAt: string;
}

/**
 * One page of the ECOAS month (Korean calendar month, by collection time), in (collected_at, id) order after
 * `after`. Paged so a month of any size streams with bounded memory.
 */
export async function ecoasPage(
  tx: Tx,
  f: { month: string; branchId?: string; after?: { collectedAt: string; id: string }; limit: number },
): Promise<EcoasRow[]> {
  const [y, m] = f.month.split('-').map(Number) as [number, number];
  const params: unknown[] = [y, m, f.limit];
  const where = [
    `w.collected_at >= make_timestamptz($1, $2, 1, 0, 0, 0, '${COMPANY_TZ}')`,
    `w.collected_at < make_timestamptz($1, $2, 1, 0, 0, 0, '${COMPANY_TZ}') + interval '1 month'`,
    `w.status IN ('COLLECTED', 'REPORTED')`,
    'o.deleted_at IS NULL',
  ];
  if (f.branchId) {
    params.push(f.branchId);
    where.push(`w.branch_id = $${params.length}`);
  }
  if (f.after) {
    params.push(f.after.collectedAt, f.after.id);
    where.push(`(w.collected_at, w.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const { rows } = await tx.query<EcoasRow>(
    `SELECT w.id, to_char(w.collected_at AT TIME ZONE '${COMPANY_TZ}', 'YYYY-MM-DD') AS date, o.order_no AS "orderNo",
            b.code AS "branchCode", w.code, c.name_ko AS "nameKo", c.name_en AS "nameEn", w.quantity,
            i.name AS collector, o.address ->> 'city' AS city,
            to_char(w.collected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "collectedAt"
       FROM waste_pickups w
       JOIN orders o ON o.id = w.order_id AND o.created_at = w.order_created_at
       JOIN branches b ON b.id = w.branch_id
       JOIN waste_codes c ON c.code = w.code
       LEFT JOIN installers i ON i.id = w.collected_by
      WHERE ${where.join(' AND ')}
      ORDER BY w.collected_at, w.id
      LIMIT $3`,
    params,
  );
  return rows;
}
