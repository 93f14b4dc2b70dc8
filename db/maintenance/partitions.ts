import type pg from 'pg';

/**
 * Keeps partitions ahead of time so no row lands in a DEFAULT partition (a DEFAULT partition holding rows of a
 * month blocks creating that month's partition later). Run daily; idempotent.
 */
export async function ensurePartitions(
  owner: pg.ClientBase | pg.Pool,
  monthsAhead = 3,
): Promise<{ orders: number; audit: number }> {
  const o = await owner.query<{ n: number }>('SELECT ensure_order_partitions($1, 1) AS n', [monthsAhead]);
  const a = await owner.query<{ n: number }>('SELECT ensure_audit_partitions(1, 0) AS n');
  return { orders: o.rows[0]?.n ?? 0, audit: a.rows[0]?.n ?? 0 };
}

/** Rows that fell into DEFAULT partitions: each is a month or year whose partition was missing when written. */
export async function defaultPartitionRows(owner: pg.ClientBase | pg.Pool): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['orders_default', 'order_status_history_default', 'audit_logs_default']) {
    const r = await owner.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`);
    out[t] = Number(r.rows[0]?.n ?? 0);
  }
  return out;
}
