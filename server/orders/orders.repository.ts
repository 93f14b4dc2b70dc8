import type { OrderValues, PatchField } from '../../domain/order-fields.js';
import type { OrderCreate, OrderLineInput, TimeWindow } from '../../domain/order-schemas.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { literalParams } from '../db/custom-plan.js';
import { prepared } from '../db/prepared.js';
import { queryParams } from '../db/query-params.js';
import { lastQuery, type Tx } from '../db/transaction.js';
import {
  INSERT_COLUMNS,
  insertValues,
  ORDER_SELECT,
  PATCH_COLUMNS,
  rangesToWindows,
  sqlParam,
} from './order-columns.js';
import { COMPANY_TIME_ZONE, likeEscape, type OrderSearch, orderSearchWhere } from './order-search.js';

export { COMPANY_TIME_ZONE };

/** An order as the server reads it: the fields of domain/order-fields.ts, timestamps as Dates. */
export type Order = Omit<OrderValues, 'items' | 'createdAt' | 'updatedAt' | 'deletedAt'> & {
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** A list row: the order plus a one-line summary of its items. */
export interface OrderListRow extends Order {
  items: string;
}

/** A row as selected by ORDER_SELECT (time windows as their two ends) → the order. */
const toOrder = <T>(row: Record<string, unknown>): T => rangesToWindows(row) as T;

/** A live (not soft-deleted) order the caller may see; `lock` takes its row lock for the rest of the transaction. */
export async function findOrder(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<Order | undefined> {
  const { rows } = await tx.query(
    prepared(
      `SELECT ${ORDER_SELECT} FROM orders o WHERE o.id = $1 AND o.deleted_at IS NULL ${opts.lock ? 'FOR UPDATE OF o' : ''}`,
      [id],
    ),
  );
  return rows[0] && toOrder<Order>(rows[0]);
}

export type SortField = 'createdAt' | 'appointmentDate' | 'orderNo';

const SORT_SQL: Record<SortField, { expr: string; keyText: string; cast: string; page: string }> = {
  // microseconds matter: rows inserted by one transaction share created_at up to the microsecond
  createdAt: {
    expr: 'o.created_at',
    page: 'p."createdAt"',
    keyText: `to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    cast: 'timestamptz',
  },
  // orders without an appointment sort after every date
  appointmentDate: {
    expr: `coalesce(o.appointment_date, 'infinity'::date)`,
    keyText: `coalesce(o.appointment_date, 'infinity'::date)::text`,
    cast: 'date',
    page: `coalesce(p."appointmentDate", 'infinity'::date)`,
  },
  orderNo: { expr: 'o.order_no', keyText: 'o.order_no', cast: 'text', page: 'p."orderNo"' },
};

export interface ListFilter extends OrderSearch {
  sort: SortField;
  descending: boolean;
  after?: { key: string; id: string };
  limit: number;
}

/**
 * A newest-first list over every month plans first only this many of the latest Korean months (the month of the
 * page's upper end and those before it), then, if they do not fill the page, the months before them.
 */
const RECENT_MONTHS = 3;

/** The first day ('YYYY-MM-01') of the Korean month RECENT_MONTHS − 1 months before the one holding `until`. */
export function recentMonthsStart(until: Date): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: COMPANY_TIME_ZONE }).format(until).split('-').map(Number);
  const months = y! * 12 + (m! - 1) - (RECENT_MONTHS - 1);
  return `${Math.floor(months / 12)}-${String((months % 12) + 1).padStart(2, '0')}-01`;
}

/**
 * At most this many orders matching a free-text term are read by key (the trigram index, 0126); a term matching
 * more is frequent, and the list reads newest first instead, where a page of it is found quickly.
 */
export const TEXT_MATCH_CAP = 500;

/**
 * The keys of the orders the caller may see that match free text `q`, read through idx_orders_text_search (0126:
 * under row-level security the list's own ILIKE cannot be an index condition); undefined when the term has no
 * trigram (under three characters) or matches more than TEXT_MATCH_CAP orders.
 */
async function textMatches(tx: Tx, q: string): Promise<{ ids: string[]; first: string; last: string } | undefined> {
  if ([...q].length < 3) return undefined;
  const digits = q.replace(/[^0-9]/g, '');
  const { rows } = await tx.query<{ id: string; createdAt: string }>(
    prepared(
      // created_at as text: a Date would lose its microseconds, and the key must match the row's exactly
      'SELECT m.id, m.created_at::text AS "createdAt" FROM order_text_matches($1, $2, $3) m ORDER BY m.created_at',
      [likeEscape(q), digits.length >= 3 ? digits : null, TEXT_MATCH_CAP],
    ),
  );
  if (rows.length > TEXT_MATCH_CAP) return undefined;
  return { ids: rows.map((r) => r.id), first: rows[0]?.createdAt ?? '', last: rows.at(-1)?.createdAt ?? '' };
}

/** One page in (sort key, id) order after `after`; rows come with their sort key for the next cursor. */
/** A page's rows, each with its sort key (the cursor of the next page is the last row's) apart from the order. */
export async function listOrders(
  tx: Tx,
  f: ListFilter,
  opts: { last?: boolean } = {},
): Promise<{ order: OrderListRow; sortKey: string }[]> {
  // The FR-03 assignment list (a branch, one status, by creation, paged) is named: planning it costs more than
  // running it, and its generic plan (the status index of every month, merged in created_at order) is the right
  // one for any values. Its few texts are planned once per connection. Every other combination of filters is
  // planned for its values (custom-plan.ts): which index pays depends on them (a rare or a frequent status, a
  // week or two years, a name), and a plan for them prunes the months a created-at bound leaves out.
  const assignmentList =
    f.branchId !== undefined &&
    f.statuses?.length === 1 &&
    f.sort === 'createdAt' &&
    !f.ownInstaller &&
    [f.installerId, f.partnerId, f.vendor, f.from, f.to, f.q].every((v) => v === undefined);
  // Free text of three characters or more: the matching orders' keys first (few, by the trigram index), then the
  // list reads just those, under RLS and with every condition again (the same rows as without the keys).
  const matches = f.q ? await textMatches(tx, f.q) : undefined;
  if (matches && matches.ids.length === 0) return [];
  const statement = (bound: { before?: string; from?: string }, limit: number, last: boolean) => {
    const { values, p } = assignmentList ? queryParams() : literalParams((s) => tx.escapeLiteral(s));
    const where = orderSearchWhere(f, p);
    if (matches) {
      // by key: the ids through each month's primary key, the months outside the keys' span pruned at planning.
      // Not `created_at = ANY(…)` too: two arrays in one btree scan are probed as every pair of their elements.
      where.push(`o.id = ANY(${p(`{${matches.ids.join(',')}}`)}::uuid[])`);
      where.push(`o.created_at BETWEEN ${p(matches.first)}::timestamptz AND ${p(matches.last)}::timestamptz`);
    }
    const sort = SORT_SQL[f.sort];
    const dir = f.descending ? 'DESC' : 'ASC';
    if (f.after) {
      const key = p(f.after.key);
      where.push(`(${sort.expr}, o.id) ${f.descending ? '<' : '>'} (${key}::${sort.cast}, ${p(f.after.id)}::uuid)`);
      // the same bound on the partition key alone: PostgreSQL prunes partitions by a comparison of the key, not by
      // a row comparison, so a later page leaves the months past its cursor out
      if (f.sort === 'createdAt') where.push(`o.created_at ${f.descending ? '<=' : '>='} ${key}::timestamptz`);
    }
    const month = (day: string) => `(${p(day)}::date::timestamp AT TIME ZONE '${COMPANY_TIME_ZONE}')`;
    if (bound.from) where.push(`o.created_at >= ${month(bound.from)}`);
    if (bound.before) where.push(`o.created_at < ${month(bound.before)}`);
    // The page first, then the item summaries of all its orders in one call (0130): a sub-select per order read
    // order_lines under its policy, which looks the order up again for every line.
    const text = `WITH p AS MATERIALIZED (
      SELECT ${ORDER_SELECT}, ${sort.keyText} AS "sortKey"
        FROM orders o
       WHERE ${where.join(' AND ')}
       ORDER BY ${sort.expr} ${dir}, o.id ${dir}
       LIMIT ${p(limit)})
      SELECT p.*, coalesce(s.items, '') AS items
        FROM p LEFT JOIN order_items_summaries(ARRAY(SELECT p.id FROM p), ARRAY(SELECT p."createdAt" FROM p)) s
          ON s.order_id = p.id
       ORDER BY ${sort.page} ${dir}, p.id ${dir}`;
    const config = assignmentList ? prepared(text, values) : { text, values: [] };
    // the transaction's last statement, when the caller says the list is its last work: the COMMIT goes with it
    return last ? lastQuery(config) : config;
  };
  const run = async (bound: { before?: string; from?: string }, limit: number, last = opts.last === true) =>
    (await tx.query(statement(bound, limit, last))).rows.map((r) => ({
      order: rangesToWindows<OrderListRow>(r, 'sortKey'),
      sortKey: r.sortKey as string,
    }));
  // Newest first without a lower bound of creation: planning (and the locks it takes: every index of every month
  // planned) grows with the months kept, five years of them, while a page is mostly found in the latest ones. So
  // the latest months are planned and read first, the older ones only if the page is not full yet: both parts in
  // (created_at, id) order, the older entirely below the recent, so together they are the page the one statement
  // would give.
  const windowed =
    !assignmentList && !matches && f.sort === 'createdAt' && f.descending && !(f.dateField === 'created' && f.from);
  if (!windowed) return run({}, f.limit);
  // the page's upper end: its cursor, the last day asked for, or now (an appointment day bounds creation too)
  const ends = [Date.now()];
  if (f.after) ends.push(new Date(f.after.key).getTime());
  if (f.to) ends.push(new Date(`${f.to}T00:00:00+09:00`).getTime() + (f.dateField === 'created' ? 1 : 2) * 86_400_000);
  const from = recentMonthsStart(new Date(Math.min(...ends)));
  // whether this part is the last is known only from its answer: it commits as usual
  const recent = await run({ from }, f.limit, false);
  if (recent.length >= f.limit) return recent;
  return [...recent, ...(await run({ before: from }, f.limit - recent.length))];
}

/** A new order: the create fields of domain/order-fields.ts (its lines are inserted by insertLines). */
export type NewOrder = Omit<OrderCreate, 'lines'>;

export async function insertOrder(tx: Tx, o: NewOrder): Promise<Order> {
  const { exprs, params } = insertValues(o);
  const { rows } = await tx.query(
    `INSERT INTO orders AS o (${INSERT_COLUMNS.join(', ')}) VALUES (${exprs.join(', ')}) RETURNING ${ORDER_SELECT}`,
    params,
  );
  return toOrder<Order>(rows[0]!);
}

export async function insertLines(tx: Tx, order: Pick<Order, 'id'>, lines: OrderLineInput[]) {
  // Lines are shown in created_at order: one microsecond apart keeps the order they were given in.
  await tx.query(
    `INSERT INTO order_lines(id, order_id, order_created_at, item_code, item_name, quantity, weight, created_at)
     SELECT coalesce(nullif(e.v ->> 'id', '')::uuid, gen_random_uuid()), o.id, o.created_at, e.v ->> 'itemCode',
            e.v ->> 'itemName', (e.v ->> 'quantity')::int, (e.v ->> 'weight')::numeric,
            now() + (e.n - 1) * interval '1 microsecond'
       FROM orders o, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, n)
      WHERE o.id = $1`,
    [order.id, JSON.stringify(lines)],
  );
}

export type { PatchField };

export type OrderChanges = Partial<{ [F in PatchField]: Exclude<OrderValues[F], undefined> }> &
  Partial<{
    status: OrderStatus;
    installerId: string | null;
    appointmentDate: string | null;
    appointmentTimeWindow: TimeWindow | null;
    deleted: true;
  }>;

/**
 * Applies `changes` if the row is still at `version` (optimistic lock); the version is bumped by the database
 * (touch_row). undefined when the row moved on, was deleted, or is not the caller's to see.
 */
export async function updateOrder(
  tx: Tx,
  id: string,
  version: number,
  changes: OrderChanges,
): Promise<Order | undefined> {
  const params: unknown[] = [id, version];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const sets: string[] = [];
  for (const [field, [column, cast]] of Object.entries(PATCH_COLUMNS) as [PatchField, readonly [string, string]][]) {
    const v = changes[field];
    if (v === undefined) continue;
    sets.push(`${column} = ${p(sqlParam(v))}::${cast}`);
  }
  if (changes.status !== undefined) sets.push(`status = ${p(changes.status)}`);
  if (changes.installerId !== undefined) sets.push(`installer_id = ${p(changes.installerId)}::uuid`);
  if (changes.appointmentDate !== undefined) sets.push(`appointment_date = ${p(changes.appointmentDate)}::date`);
  if (changes.appointmentTimeWindow !== undefined) {
    const w = changes.appointmentTimeWindow;
    sets.push(
      w === null
        ? 'appointment_time_window = NULL'
        : `appointment_time_window = tstzrange(${p(w.start)}::timestamptz, ${p(w.end)}::timestamptz, '[)')`,
    );
  }
  if (changes.deleted) sets.push('deleted_at = now()');
  if (sets.length === 0) throw new Error('updateOrder without changes');
  // one statement text per combination of changed fields: few enough to keep each prepared. The partition key
  // from order_numbers (kept by trigger for every order) lets the generic plan prune at run time to the order's
  // partition instead of probing the id index of every month.
  const { rows } = await tx.query(
    prepared(
      `UPDATE orders AS o SET ${sets.join(', ')}
        WHERE o.id = $1 AND o.created_at = (SELECT n.order_created_at FROM order_numbers n WHERE n.order_id = $1)
          AND o.version = $2::bigint AND o.deleted_at IS NULL
        RETURNING ${ORDER_SELECT}`,
      params,
    ),
  );
  return rows[0] && toOrder<Order>(rows[0]);
}

export interface OrderPatchItem {
  id: string;
  version: number;
  changes: Partial<Pick<OrderChanges, PatchField>>;
}

/**
 * updateOrder for many orders at once, each with its own patch fields (a sync push's chunk of edits): one UPDATE
 * per combination of changed fields instead of one per order, so the row triggers run as for single updates but
 * the round trip, the statement's set-up and the statement-level cache trigger are paid once per group. Returns
 * each order's new version, or undefined for one not written (moved on, deleted, hidden): the caller decides.
 * Distinct ids only (one row per order and statement).
 */
export async function updateOrdersMany(tx: Tx, items: OrderPatchItem[]): Promise<(number | undefined)[]> {
  const groups = new Map<string, { fields: PatchField[]; items: OrderPatchItem[] }>();
  for (const item of items) {
    const fields = (Object.keys(PATCH_COLUMNS) as PatchField[]).filter((f) => item.changes[f] !== undefined);
    if (fields.length === 0) throw new Error('updateOrdersMany without changes');
    const key = fields.join(',');
    const group = groups.get(key) ?? { fields, items: [] };
    group.items.push(item);
    groups.set(key, group);
  }
  const versions = new Map<string, number>();
  for (const { fields, items: unordered } of groups.values()) {
    // rows are locked in the order of the arrays: the same order (by id) in every push, so two pushes writing
    // some of the same orders wait for each other instead of deadlocking
    const group = [...unordered].sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
    // every value travels as text in a text[] and is cast in SQL, as in updateOrder
    const columns = fields.map((f, i) => ({
      field: f,
      column: PATCH_COLUMNS[f][0],
      cast: PATCH_COLUMNS[f][1],
      at: i + 3,
    }));
    const { rows } = await tx.query<{ id: string; version: number }>(
      prepared(
        `UPDATE orders AS o SET ${columns.map((c, i) => `${c.column} = v.c${i}::${c.cast}`).join(', ')}
           FROM unnest($1::uuid[], $2::bigint[], ${columns.map((c) => `$${c.at}::text[]`).join(', ')})
                AS v(id, version, ${columns.map((_c, i) => `c${i}`).join(', ')})
           JOIN order_numbers n ON n.order_id = v.id
          WHERE o.id = v.id AND o.created_at = n.order_created_at AND o.version = v.version AND o.deleted_at IS NULL
          RETURNING o.id, o.version`,
        [
          group.map((g) => g.id),
          group.map((g) => g.version),
          ...columns.map((c) => group.map((g) => sqlParam(g.changes[c.field]))),
        ],
      ),
    );
    for (const r of rows) versions.set(r.id, Number(r.version));
  }
  return items.map((item) => versions.get(item.id.toLowerCase()));
}

// ---- the detail view's parts ----

export async function orderLines(tx: Tx, orderId: string) {
  const { rows } = await tx.query(
    prepared(
      `SELECT id, item_code AS "itemCode", item_name AS "itemName", quantity, weight::float8 AS weight, version,
            created_at AS "createdAt", updated_at AS "updatedAt"
       FROM order_lines WHERE order_id = $1 ORDER BY created_at, id`,
      [orderId],
    ),
  );
  return rows;
}

export async function statusHistory(tx: Tx, orderId: string) {
  const { rows } = await tx.query(
    prepared(
      `SELECT h.id, h.previous_status AS "previousStatus", h.new_status AS "newStatus", h.changed_by AS "changedBy",
            u.full_name AS "changedByName", h.changed_at AS "changedAt", h.reason_code AS "reasonCode",
            r.description_ko AS "reasonKo", r.description_en AS "reasonEn", h.notes
       FROM order_status_history h
       LEFT JOIN users u ON u.id = h.changed_by
       LEFT JOIN reason_codes r ON r.code = h.reason_code
      WHERE h.order_id = $1 ORDER BY h.changed_at, h.id`,
      [orderId],
    ),
  );
  return rows;
}

export async function appointmentLog(tx: Tx, orderId: string) {
  const { rows } = await tx.query<{
    oldWindowStart: Date | null;
    oldWindowEnd: Date | null;
    newWindowStart: Date | null;
    newWindowEnd: Date | null;
  }>(
    prepared(
      `SELECT a.id, a.old_date AS "oldDate", a.new_date AS "newDate",
            lower(a.old_time_window) AS "oldWindowStart", upper(a.old_time_window) AS "oldWindowEnd",
            lower(a.new_time_window) AS "newWindowStart", upper(a.new_time_window) AS "newWindowEnd",
            a.changed_by AS "changedBy", u.full_name AS "changedByName", a.reason, a.changed_at AS "changedAt"
       FROM appointments a LEFT JOIN users u ON u.id = a.changed_by
      WHERE a.order_id = $1 ORDER BY a.changed_at, a.id`,
      [orderId],
    ),
  );
  const win = (s: Date | null, e: Date | null) => (s && e ? { start: s.toISOString(), end: e.toISOString() } : null);
  return rows.map(({ oldWindowStart, oldWindowEnd, newWindowStart, newWindowEnd, ...r }) => ({
    ...r,
    oldTimeWindow: win(oldWindowStart, oldWindowEnd),
    newTimeWindow: win(newWindowStart, newWindowEnd),
  }));
}

export async function serials(tx: Tx, orderId: string) {
  const { rows } = await tx.query(
    prepared(
      `SELECT id, order_line_id AS "orderLineId", serial, recorded_by AS "recordedBy", recorded_at AS "recordedAt", version
       FROM serial_numbers WHERE order_id = $1 ORDER BY recorded_at, id`,
      [orderId],
    ),
  );
  return rows;
}

export async function wastePickups(tx: Tx, orderId: string) {
  const { rows } = await tx.query(
    prepared(
      `SELECT w.id, w.code, c.name_ko AS "nameKo", c.name_en AS "nameEn", w.quantity, w.status,
            w.collected_by AS "collectedBy", w.collected_at AS "collectedAt", w.version
       FROM waste_pickups w JOIN waste_codes c ON c.code = w.code
      WHERE w.order_id = $1 ORDER BY w.code`,
      [orderId],
    ),
  );
  return rows;
}

export async function attachments(tx: Tx, orderId: string) {
  const { rows } = await tx.query(
    prepared(
      `SELECT id, file_name AS "fileName", file_type AS "fileType", file_size AS "fileSize",
            uploaded_by AS "uploadedBy", uploaded_at AS "uploadedAt"
       FROM attachments WHERE order_id = $1 ORDER BY uploaded_at, id`,
      [orderId],
    ),
  );
  return rows;
}

export interface SplitFamily {
  parent: { orderId: string; orderNo: string | null } | null;
  children: {
    id: string;
    orderId: string;
    orderNo: string | null;
    status: OrderStatus | null;
    lineId: string;
    quantity: number;
    createdAt: Date;
  }[];
}

export async function splitFamily(tx: Tx, orderId: string): Promise<SplitFamily> {
  const parent = await tx.query<{ orderId: string; orderNo: string | null }>(
    prepared(
      `SELECT s.parent_order_id AS "orderId", p.order_no AS "orderNo"
       FROM split_orders s LEFT JOIN orders p ON p.id = s.parent_order_id
      WHERE s.child_order_id = $1 LIMIT 1`,
      [orderId],
    ),
  );
  const children = await tx.query<SplitFamily['children'][number]>(
    prepared(
      `SELECT s.id, s.child_order_id AS "orderId", c.order_no AS "orderNo", c.status, s.line_id AS "lineId",
            s.quantity, s.created_at AS "createdAt"
       FROM split_orders s LEFT JOIN orders c ON c.id = s.child_order_id
      WHERE s.parent_order_id = $1 ORDER BY s.created_at, s.id`,
      [orderId],
    ),
  );
  return { parent: parent.rows[0] ?? null, children: children.rows };
}
