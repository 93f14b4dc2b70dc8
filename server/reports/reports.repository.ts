import type pg from 'pg';

/**
 * Adds the report rollups' deltas into their cells (migration 0090, report_fold). False when another instance
 * is folding at that moment (it takes them).
 */
export async function foldReportRollups(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ folded: boolean }>('SELECT report_fold() AS folded');
  return rows[0]?.folded ?? false;
}
