-- Up Migration
-- Outbox reports taken by the idle pull from memory (server/sync/sync.outbox-reports.ts, issue 16): an idle
-- branch client reports its outbox with every other pull (a change, or a minute passed), and an instance
-- answering those pulls without a transaction keeps the reports and writes all it took in the last second in
-- one statement. The rows are many users' own (sync_client_outbox_own lets a request write only its user's),
-- so the batch is written by this function: the instance has verified each report's token and session before
-- taking it, as the database path checks a request. A report older than the row's (reported_at is when the
-- instance took it) changes nothing: a later report written by the database path is not overwritten. A user
-- deleted meanwhile is skipped, a branch deleted meanwhile is left empty (as ON DELETE would have).
CREATE FUNCTION sync_outbox_reports(p_reports jsonb) RETURNS int
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH r AS (
    SELECT x.client_id, x.user_id, x.branch_id, x.pending, x.conflicts, x.failed, x.oldest_pending_at,
           x.reported_at
      FROM jsonb_to_recordset(p_reports) AS x(client_id varchar(64), user_id uuid, branch_id uuid, pending int,
                                                conflicts int, failed int, oldest_pending_at timestamptz,
                                                reported_at timestamptz)
  ), written AS (
    INSERT INTO sync_client_outbox AS c (client_id, user_id, branch_id, pending, conflicts, failed,
                                         oldest_pending_at, reported_at)
    SELECT r.client_id, r.user_id, (SELECT b.id FROM branches b WHERE b.id = r.branch_id), r.pending, r.conflicts,
           r.failed, r.oldest_pending_at, r.reported_at
      FROM r
     WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id)
    ON CONFLICT (client_id, user_id) DO UPDATE
      SET branch_id = EXCLUDED.branch_id, pending = EXCLUDED.pending, conflicts = EXCLUDED.conflicts,
          failed = EXCLUDED.failed, oldest_pending_at = EXCLUDED.oldest_pending_at,
          reported_at = EXCLUDED.reported_at
      WHERE c.reported_at <= EXCLUDED.reported_at
    RETURNING 1
  )
  SELECT count(*)::int FROM written
$$;
REVOKE EXECUTE ON FUNCTION sync_outbox_reports(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_outbox_reports(jsonb) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS sync_outbox_reports(jsonb);
