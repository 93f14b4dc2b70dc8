// Audit logs older than 2 years leave the live database month by month (seed "Data Retention & Archival"):
// each month is copied to a gzip CSV in the archive, then deleted in the same transaction; a yearly partition
// left empty and wholly past retention is dropped.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type CopiedFile, copyQueryToGzipCsv } from './copy-out.js';

export interface ExportedAuditMonth extends CopiedFile {
  month: string; // YYYY-MM
}

export async function archiveOldAuditLogs(
  ownerUrl: string,
  archiveRoot: string,
  retentionMonths = 24,
): Promise<{ months: ExportedAuditMonth[]; droppedPartitions: string[] }> {
  const dir = join(archiveRoot, 'audit');
  mkdirSync(dir, { recursive: true });
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const months: ExportedAuditMonth[] = [];
  const droppedPartitions: string[] = [];
  try {
    const cutoffRow = await client.query<{ cutoff: Date }>(
      `SELECT (date_trunc('month', now() AT TIME ZONE 'Asia/Seoul') - make_interval(months => $1)) AT TIME ZONE 'Asia/Seoul' AS cutoff`,
      [retentionMonths],
    );
    const cutoff = cutoffRow.rows[0]!.cutoff;
    const monthRows = await client.query<{ m: string }>(
      `SELECT DISTINCT to_char(logged_at AT TIME ZONE 'Asia/Seoul', 'YYYY-MM') AS m FROM audit_logs WHERE logged_at < $1 ORDER BY 1`,
      [cutoff],
    );
    for (const { m } of monthRows.rows) {
      const range = `logged_at >= (to_date('${m}', 'YYYY-MM')::timestamp AT TIME ZONE 'Asia/Seoul')
                 AND logged_at < ((to_date('${m}', 'YYYY-MM') + interval '1 month')::timestamp AT TIME ZONE 'Asia/Seoul')`;
      let file = join(dir, `audit_logs_${m}.csv.gz`);
      // A month archived before (rows written late into an old month) gets a second file, never an overwrite.
      for (let i = 2; existsSync(file); i++) file = join(dir, `audit_logs_${m}.part${i}.csv.gz`);
      await client.query('BEGIN');
      try {
        const copied = await copyQueryToGzipCsv(
          client,
          `SELECT * FROM audit_logs WHERE ${range} ORDER BY logged_at`,
          file,
        );
        const del = await client.query(`DELETE FROM audit_logs WHERE ${range}`);
        if (del.rowCount !== copied.rows)
          throw new Error(`audit ${m}: copied ${copied.rows} rows but would delete ${del.rowCount}`);
        await client.query('COMMIT');
        months.push({ month: m, ...copied });
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    }
    const years = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_logs'::regclass AND c.relname ~ '^audit_logs_[0-9]{4}$'
          AND make_timestamptz(substr(c.relname, 12)::int + 1, 1, 1, 0, 0, 0, 'Asia/Seoul') <= $1`,
      [cutoff],
    );
    for (const { name } of years.rows) {
      const left = await client.query(`SELECT 1 FROM ${name} LIMIT 1`);
      if (left.rowCount === 0) {
        await client.query(`ALTER TABLE audit_logs DETACH PARTITION ${name}`);
        await client.query(`DROP TABLE ${name}`);
        droppedPartitions.push(name);
      }
    }
  } finally {
    await client.end();
  }
  return { months, droppedPartitions };
}
