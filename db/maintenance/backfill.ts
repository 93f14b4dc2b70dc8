// Batched, resumable backfills: the middle step of an expand-contract upgrade (docs/operations.md, "Upgrades").
//   expand:   a migration adds the new column / table, nullable or with a default; the release writes both forms
//   backfill: this helper fills the rows written before, in small transactions, while the head office runs
//   contract: a later migration adds the constraint / drops the old column, once the backfill has finished
// Each batch is one short transaction holding only its own rows' locks; its progress row (backfill_progress,
// migration 0081) commits with it, so an interrupted run resumes after the last committed batch and a finished
// one does nothing. Rows are walked in key order (keyset paging), never OFFSET.
import type pg from 'pg';

export interface BackfillSpec {
  /** unique name: the progress row's key (e.g. '2027-01-orders-search-phone') */
  name: string;
  /** the table (a partitioned parent is fine) */
  table: string;
  /** columns that identify a row, in paging order (e.g. ['created_at', 'id'] for orders) */
  key: string[];
  /** SQL condition of rows that still need the work (e.g. 'search_phone IS NULL'); default every row */
  where?: string;
  /**
   * What to do with a batch: a SET list for `UPDATE table SET … WHERE key IN batch` (SQL), or a function given
   * the batch's rows (key columns plus `columns`) and the open transaction, returning the rows it changed.
   */
  set?: string;
  apply?: (client: pg.ClientBase, rows: Record<string, unknown>[]) => Promise<number>;
  /** more columns the apply function reads */
  columns?: string[];
  /** rows per batch (default 1000) */
  batchSize?: number;
  /** written into the audit rows of the changed rows (app.audit_note) */
  auditNote?: string;
}

export interface BackfillProgress {
  name: string;
  /** rows changed so far, over all runs */
  rowsDone: number;
  batches: number;
  /** rows still needing the work when this run started (an estimate when the table changes meanwhile) */
  remainingAtStart: number;
  finished: boolean;
}

export interface BackfillRunOptions {
  /** called after each committed batch */
  onProgress?: (p: BackfillProgress) => void;
  /** stop after this many batches (the rest is left for the next run) */
  maxBatches?: number;
  /** pause between batches so that the head office's own transactions keep their pace */
  pauseMs?: number;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`backfill: not a plain identifier: ${JSON.stringify(name)}`);
  return name;
}

export async function runBackfill(
  owner: pg.Pool,
  spec: BackfillSpec,
  opts: BackfillRunOptions = {},
): Promise<BackfillProgress> {
  if (!spec.set === !spec.apply) throw new Error('backfill: give either set (SQL) or apply (a function)');
  if (spec.key.length === 0) throw new Error('backfill: key needs at least one column');
  const table = ident(spec.table);
  const key = spec.key.map(ident);
  const columns = (spec.columns ?? []).map(ident).filter((c) => !key.includes(c));
  const batchSize = spec.batchSize ?? 1000;
  const where = spec.where ? `(${spec.where})` : 'true';
  const keyList = key.join(', ');
  const params = (from: number) => key.map((_, i) => `$${from + i}`).join(', ');

  await owner.query('INSERT INTO backfill_progress(name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [spec.name]);
  const start = await owner.query<{
    last_key: unknown[] | null;
    rows_done: string;
    batches: number;
    finished_at: Date | null;
  }>('SELECT last_key, rows_done, batches, finished_at FROM backfill_progress WHERE name = $1', [spec.name]);
  let lastKey = start.rows[0]!.last_key;
  const progress: BackfillProgress = {
    name: spec.name,
    rowsDone: Number(start.rows[0]!.rows_done),
    batches: start.rows[0]!.batches,
    remainingAtStart: 0,
    finished: start.rows[0]!.finished_at !== null,
  };
  if (progress.finished) return progress;
  const after = (from: number) => (lastKey ? `(${keyList}) > (${params(from)})` : 'true');
  const remaining = await owner.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${table} WHERE ${where} AND ${after(1)}`,
    lastKey ?? [],
  );
  progress.remainingAtStart = Number(remaining.rows[0]!.n);

  for (let run = 0; opts.maxBatches === undefined || run < opts.maxBatches; run++) {
    const client = await owner.connect();
    let done = false;
    try {
      await client.query('BEGIN');
      if (spec.auditNote) await client.query("SELECT set_config('app.audit_note', $1, true)", [spec.auditNote]);
      // FOR UPDATE: a row the head office changes meanwhile waits for (or is waited on by) this short batch
      const batch = await client.query<Record<string, unknown>>(
        `SELECT ${[...key, ...columns].join(', ')}, json_build_array(${keyList})::text AS backfill_cursor FROM ${table}
          WHERE ${where} AND ${after(1)} ORDER BY ${keyList} LIMIT ${batchSize} FOR UPDATE`,
        lastKey ?? [],
      );
      let changed = 0;
      if (batch.rows.length > 0) {
        // keys as PostgreSQL prints them (a JavaScript Date would drop a timestamp's microseconds)
        const keys = batch.rows.map((r) => JSON.parse(String(r.backfill_cursor)) as unknown[]);
        for (const r of batch.rows) delete r.backfill_cursor;
        if (spec.apply) changed = await spec.apply(client, batch.rows);
        else {
          // the batch's keys as arrays, one per key column, matched row-wise
          const arrays = key.map((_, i) => keys.map((k) => k[i]));
          const types = await client.query<{ t: string }>(
            `SELECT format_type(a.atttypid, a.atttypmod) AS t FROM unnest($1::text[]) WITH ORDINALITY AS k(name, i)
               JOIN pg_attribute a ON a.attrelid = $2::regclass AND a.attname = k.name ORDER BY k.i`,
            [key, table],
          );
          const unnest = key.map((_, i) => `$${i + 1}::${types.rows[i]!.t}[]`).join(', ');
          const updated = await client.query(
            `UPDATE ${table} t SET ${spec.set}
               FROM unnest(${unnest}) AS b(${keyList})
              WHERE (${key.map((k) => `t.${k}`).join(', ')}) = (${key.map((k) => `b.${k}`).join(', ')})`,
            arrays,
          );
          changed = updated.rowCount ?? 0;
        }
        lastKey = keys[keys.length - 1]!;
      }
      done = batch.rows.length < batchSize;
      await client.query(
        `UPDATE backfill_progress SET last_key = $2, rows_done = rows_done + $3, batches = batches + $4,
                updated_at = now(), finished_at = CASE WHEN $5 THEN now() END
          WHERE name = $1`,
        [spec.name, JSON.stringify(lastKey), changed, batch.rows.length > 0 ? 1 : 0, done],
      );
      await client.query('COMMIT');
      progress.rowsDone += changed;
      if (batch.rows.length > 0) progress.batches++;
      progress.finished = done;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    opts.onProgress?.({ ...progress });
    if (done) break;
    if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
  return progress;
}
