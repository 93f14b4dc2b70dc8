// SQL of the 해피콜 outcomes (happy_calls, migration 0100). Rows are only ever inserted and read.
import type { HappyCall, HappyCallOutcome } from '../../domain/happy-calls.js';
import type { Tx } from '../db/transaction.js';

const COLUMNS = `h.id, h.order_id AS "orderId", h.outcome,
  CASE WHEN h.time_window IS NULL THEN NULL
       ELSE json_build_object('start', to_char(lower(h.time_window) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'end', to_char(upper(h.time_window) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END
    AS "timeWindow",
  h.attempt, h.retry_at AS "retryAt", h.note, h.called_by AS "calledBy", u.full_name AS "calledByName",
  h.called_at AS "calledAt"`;

type Row = Omit<HappyCall, 'retryAt' | 'calledAt'> & { retryAt: Date | null; calledAt: Date };

function toCall(r: Row): HappyCall {
  return { ...r, retryAt: r.retryAt ? r.retryAt.toISOString() : null, calledAt: r.calledAt.toISOString() };
}

export interface NewHappyCall {
  id?: string;
  orderId: string;
  outcome: HappyCallOutcome;
  timeWindow?: { start: string; end: string };
  retryAt?: string;
  note?: string;
  calledBy: string;
  calledAt?: string;
}

/** Inserts one call; branch, order key and attempt number come from the database (happy_calls_fill). */
export async function insertCall(tx: Tx, c: NewHappyCall): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO happy_calls(id, order_id, order_created_at, branch_id, outcome, time_window, retry_at, note,
                             called_by, called_at)
     SELECT coalesce($1::uuid, gen_random_uuid()), o.id, o.created_at, o.branch_id, $3,
            CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE tstzrange($4::timestamptz, $5::timestamptz, '[)') END,
            $6::timestamptz, nullif($7, ''), $8::uuid,
            coalesce(date_trunc('milliseconds', $9::timestamptz), date_trunc('milliseconds', now()))
       FROM orders o WHERE o.id = $2
     RETURNING id`,
    [
      c.id ?? null,
      c.orderId,
      c.outcome,
      c.timeWindow?.start ?? null,
      c.timeWindow?.end ?? null,
      c.retryAt ?? null,
      c.note ?? null,
      c.calledBy,
      c.calledAt ?? null,
    ],
  );
  return rows[0]!.id;
}

export async function findCall(tx: Tx, id: string): Promise<HappyCall | undefined> {
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM happy_calls h LEFT JOIN users u ON u.id = h.called_by WHERE h.id = $1`,
    [id],
  );
  return rows[0] && toCall(rows[0]);
}

/** The order's calls, oldest first. */
export async function listCalls(tx: Tx, orderId: string): Promise<HappyCall[]> {
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM happy_calls h LEFT JOIN users u ON u.id = h.called_by
      WHERE h.order_id = $1 ORDER BY h.called_at, h.attempt`,
    [orderId],
  );
  return rows.map(toCall);
}

export interface DayOrder {
  orderId: string;
  orderNo: string;
  customerName: string;
  customerPhone: string | null;
  customerPhone2: string | null;
  installerId: string | null;
  installerName: string | null;
  status: string;
  windowStart: string | null;
  windowEnd: string | null;
  lastCall: HappyCall | null;
}

/**
 * The assigned orders of a day (appointment date) of the caller's scope, one branch when given, each with its
 * last call. Row-level security narrows the orders as everywhere.
 */
export async function dayOrders(
  tx: Tx,
  date: string,
  statuses: readonly string[],
  branchId: string | null,
): Promise<DayOrder[]> {
  const { rows } = await tx.query<Omit<DayOrder, 'lastCall'> & { lastCall: Row | null }>(
    `SELECT o.id AS "orderId", o.order_no AS "orderNo", o.customer_name AS "customerName",
            o.customer_phone AS "customerPhone", o.customer_phone2 AS "customerPhone2",
            o.installer_id AS "installerId", i.name AS "installerName", o.status,
            lower(o.appointment_time_window) AS "windowStart", upper(o.appointment_time_window) AS "windowEnd",
            (SELECT row_to_json(c) FROM (SELECT ${COLUMNS} FROM happy_calls h LEFT JOIN users u ON u.id = h.called_by
                                          WHERE h.order_id = o.id AND h.order_created_at = o.created_at
                                          ORDER BY h.called_at DESC, h.attempt DESC LIMIT 1) c) AS "lastCall"
       FROM orders o LEFT JOIN installers i ON i.id = o.installer_id
      WHERE o.appointment_date = $1::date AND o.deleted_at IS NULL AND o.installer_id IS NOT NULL
        AND o.status = ANY($2::text[]) AND ($3::uuid IS NULL OR o.branch_id = $3::uuid)
      ORDER BY i.name, lower(o.appointment_time_window) NULLS LAST, o.order_no`,
    [date, statuses, branchId],
  );
  return rows.map((r) => ({
    ...r,
    windowStart: r.windowStart ? new Date(r.windowStart).toISOString() : null,
    windowEnd: r.windowEnd ? new Date(r.windowEnd).toISOString() : null,
    lastCall: r.lastCall
      ? {
          ...(r.lastCall as unknown as HappyCall),
          retryAt: (r.lastCall.retryAt as unknown as string | null)
            ? new Date(r.lastCall.retryAt as unknown as string).toISOString()
            : null,
          calledAt: new Date(r.lastCall.calledAt as unknown as string).toISOString(),
        }
      : null,
  }));
}
