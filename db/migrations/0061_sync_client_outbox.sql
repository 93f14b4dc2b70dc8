-- Up Migration
-- What each branch client still holds in its outbox, as it reports with its pulls (issue 17): ops that have
-- not reached the head office are otherwise invisible to it, and the queue monitor shows per client how many
-- ops wait (pending, in conflict, refused) and since when, and when the client last reported.
CREATE TABLE sync_client_outbox (
  client_id          varchar(64) NOT NULL,
  user_id            uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  branch_id          uuid REFERENCES branches(id) ON DELETE SET NULL,
  pending            integer NOT NULL CONSTRAINT chk_sync_client_outbox_pending CHECK (pending >= 0),
  conflicts          integer NOT NULL DEFAULT 0 CONSTRAINT chk_sync_client_outbox_conflicts CHECK (conflicts >= 0),
  failed             integer NOT NULL DEFAULT 0 CONSTRAINT chk_sync_client_outbox_failed CHECK (failed >= 0),
  oldest_pending_at  timestamptz,
  reported_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, user_id)
);
CREATE INDEX idx_sync_client_outbox_branch ON sync_client_outbox(branch_id);

-- as offline_sync_queue: a user writes their own clients' reports; HQ reads all, a branch manager their branch
ALTER TABLE sync_client_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_client_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_client_outbox_own ON sync_client_outbox
  USING (user_id = (select app_user_id())) WITH CHECK (user_id = (select app_user_id()));
CREATE POLICY sync_client_outbox_monitor ON sync_client_outbox FOR SELECT
  USING ((select app_role()) = 'HQ_ADMIN' OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())));
GRANT SELECT, INSERT, UPDATE ON sync_client_outbox TO dispatch_app;

-- Down Migration
DROP TABLE IF EXISTS sync_client_outbox;
