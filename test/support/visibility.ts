// Whether the FR tables' pages are marked all-visible, and vacuuming until they are: index-only scans skip the
// heap only for such pages, and the planner prices them by that share.
import pg from 'pg';

/**
 * A VACUUM leaves pages unmarked while any snapshot older than their rows is open in the database — including
 * a concurrent ANALYZE's, whose snapshot carries the cluster-wide oldest xmin (the generator vacuums and
 * analyzes on two connections at once, and other sessions share the cluster). Measured then, every index-only
 * scan would pay heap fetches that a production database, vacuumed nightly, does not, and the planner would
 * price them away. So: plain VACUUM of the lagging tables, one at a time, until they are marked.
 */
export async function ensureAllVisible(url: string, log: (line: string) => void): Promise<VisibilityRow[]> {
  for (let attempt = 0; ; attempt++) {
    const rows = await visibility(url);
    const lagging = rows.filter((r) => r.pages > 0 && r.allVisible / r.pages < 0.98);
    if (!lagging.length || attempt >= 4) {
      if (lagging.length) log(`still not all-visible: ${lagging.map((r) => `${r.table} ${pct(r)}`).join(', ')}`);
      return rows;
    }
    log(`vacuuming again (not all-visible: ${lagging.map((r) => `${r.table} ${pct(r)}`).join(', ')})`);
    if (attempt > 0) await new Promise((r) => setTimeout(r, 1000 * attempt));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      for (const r of lagging) await c.query(`VACUUM ${r.table}`);
    } finally {
      await c.end();
    }
  }
}

export interface VisibilityRow {
  table: string;
  pages: number;
  allVisible: number;
}

const pct = (r: VisibilityRow) => `${((100 * r.allVisible) / Math.max(1, r.pages)).toFixed(0)}%`;

/** Heap pages and all-visible pages of the FR tables (partitions summed under their parent). */
export async function visibility(url: string): Promise<VisibilityRow[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<VisibilityRow>(
      `SELECT coalesce(p.relname, c.relname) AS "table", sum(c.relpages)::int AS pages,
              sum(c.relallvisible)::int AS "allVisible"
         FROM pg_class c
         LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
         LEFT JOIN pg_class p ON p.oid = i.inhparent
        WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
          AND coalesce(p.relname, c.relname) IN ('orders', 'order_lines', 'waste_pickups', 'notifications', 'branches')
        GROUP BY 1 ORDER BY 1`,
    );
    return rows;
  } finally {
    await c.end();
  }
}

export function describeVisibility(rows: VisibilityRow[]): string {
  return rows.map((r) => `${r.table} ${pct(r)} of ${r.pages.toLocaleString('en')} pages`).join(', ');
}
