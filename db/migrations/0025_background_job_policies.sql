-- Up Migration
-- Background jobs (server/jobs) act for no user: they set app.role = 'SYSTEM' and no app.user_id. These policies
-- give that context exactly what the jobs need and nothing else (order_visible() knows no SYSTEM role, so a job
-- sees no order, and an export is built under its creator's own context instead):
--   * the e-mail fallback reads every user's unread notifications and stamps emailed_at;
--   * the export worker records each export's progress (RUNNING, DONE, FAILED) whoever created it, and the
--     sweep finds expired export files of every user and clears their file_url.
CREATE POLICY notifications_system_read ON notifications FOR SELECT
  USING ((select app_role()) = 'SYSTEM');
CREATE POLICY notifications_system_mail ON notifications FOR UPDATE
  USING ((select app_role()) = 'SYSTEM') WITH CHECK ((select app_role()) = 'SYSTEM');

CREATE POLICY exports_system_read ON exports FOR SELECT
  USING ((select app_role()) = 'SYSTEM');
CREATE POLICY exports_system_update ON exports FOR UPDATE
  USING ((select app_role()) = 'SYSTEM') WITH CHECK ((select app_role()) = 'SYSTEM');

-- "All my notifications" (no status filter), newest first, keyset-paged on (created_at, id).
CREATE INDEX idx_notifications_user_date ON notifications(user_id, created_at DESC, id DESC);

-- Down Migration
DROP INDEX IF EXISTS idx_notifications_user_date;
DROP POLICY IF EXISTS exports_system_update ON exports;
DROP POLICY IF EXISTS exports_system_read ON exports;
DROP POLICY IF EXISTS notifications_system_mail ON notifications;
DROP POLICY IF EXISTS notifications_system_read ON notifications;
