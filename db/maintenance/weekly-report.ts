import type pg from 'pg';

export interface WeeklyReport {
  analyzed: string[];
  unusedIndexes: { table: string; index: string; size: string }[];
  largestTables: { table: string; size: string }[];
}

/** The seed's weekly maintenance: fresh statistics, indexes never used, the biggest tables. */
export async function weeklyMaintenance(owner: pg.ClientBase | pg.Pool): Promise<WeeklyReport> {
  const analyzed = ['orders', 'order_lines', 'waste_pickups', 'notifications', 'order_status_history', 'audit_logs'];
  for (const t of analyzed) await owner.query(`ANALYZE ${t}`);
  const unused = await owner.query<{ table: string; index: string; size: string }>(
    `SELECT s.relname AS table, s.indexrelname AS index, pg_size_pretty(pg_relation_size(s.indexrelid)) AS size
       FROM pg_stat_user_indexes s
       JOIN pg_index i ON i.indexrelid = s.indexrelid
      WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
      ORDER BY pg_relation_size(s.indexrelid) DESC
      LIMIT 50`,
  );
  const largest = await owner.query<{ table: string; size: string }>(
    `SELECT c.relname AS table, pg_size_pretty(pg_total_relation_size(c.oid)) AS size
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      ORDER BY pg_total_relation_size(c.oid) DESC
      LIMIT 20`,
  );
  return { analyzed, unusedIndexes: unused.rows, largestTables: largest.rows };
}
