-- Up Migration
-- Row-level security: the second wall behind the server's role × action checks. Enabled and FORCED on every
-- branch-scoped table, so even the owner role obeys it (superusers never do; the server is not one).
-- Context comes from app.* settings wrapped in (select …) so each is evaluated once per statement.
-- With nothing set, app_role() is 'NONE' and every policy yields no rows.

-- Can the caller see this order?
CREATE FUNCTION order_visible(p_branch uuid, p_partner uuid, p_installer uuid, p_role text, p_my_branch uuid,
                              p_my_partner uuid, p_my_installer uuid) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_role
    WHEN 'HQ_ADMIN' THEN true
    WHEN 'BRANCH_MANAGER' THEN p_branch = p_my_branch
    WHEN 'PARTNER_COORDINATOR' THEN p_partner = p_my_partner
    WHEN 'INSTALLER' THEN p_installer = p_my_installer
    ELSE false END
$$;

ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
CREATE POLICY orders_scope ON orders
  USING (order_visible(branch_id, partner_id, installer_id, (select app_role()), (select app_branch_id()),
                       (select app_partner_id()), (select app_installer_id())))
  WITH CHECK (order_visible(branch_id, partner_id, installer_id, (select app_role()), (select app_branch_id()),
                       (select app_partner_id()), (select app_installer_id())));

-- Tables hanging off an order: visible and writable exactly when their order is.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['order_lines', 'order_status_history', 'appointments', 'waste_pickups', 'serial_numbers', 'attachments'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I
      USING (EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id AND o.created_at = order_created_at))
      WITH CHECK (EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id AND o.created_at = order_created_at))$p$,
      t || '_scope', t);
  END LOOP;
END $$;

ALTER TABLE split_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE split_orders FORCE ROW LEVEL SECURITY;
CREATE POLICY split_orders_scope ON split_orders
  USING (EXISTS (SELECT 1 FROM orders o WHERE o.id = parent_order_id AND o.created_at = parent_order_created_at))
  WITH CHECK (EXISTS (SELECT 1 FROM orders o WHERE o.id = parent_order_id AND o.created_at = parent_order_created_at));

ALTER TABLE installers ENABLE ROW LEVEL SECURITY;
ALTER TABLE installers FORCE ROW LEVEL SECURITY;
CREATE POLICY installers_scope ON installers
  USING (CASE (select app_role())
           WHEN 'HQ_ADMIN' THEN true
           WHEN 'BRANCH_MANAGER' THEN branch_id = (select app_branch_id())
           WHEN 'PARTNER_COORDINATOR' THEN partner_id = (select app_partner_id())
           WHEN 'INSTALLER' THEN user_id = (select app_user_id())
           ELSE false END)
  WITH CHECK (CASE (select app_role())
           WHEN 'HQ_ADMIN' THEN true
           WHEN 'BRANCH_MANAGER' THEN branch_id = (select app_branch_id())
           ELSE false END);

ALTER TABLE settlement_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE settlement_periods FORCE ROW LEVEL SECURITY;
CREATE POLICY settlement_periods_read ON settlement_periods FOR SELECT
  USING ((select app_role()) = 'HQ_ADMIN' OR branch_id = (select app_branch_id())
         OR ((select app_role()) IN ('PARTNER_COORDINATOR', 'INSTALLER') AND (select app_role()) <> 'NONE'));
CREATE POLICY settlement_periods_write ON settlement_periods FOR ALL
  USING ((select app_role()) = 'HQ_ADMIN' OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())))
  WITH CHECK ((select app_role()) = 'HQ_ADMIN' OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())));

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
-- Users read and mark their own; any authenticated request may notify others (events create them).
CREATE POLICY notifications_own ON notifications FOR SELECT USING (user_id = (select app_user_id()));
CREATE POLICY notifications_update_own ON notifications FOR UPDATE
  USING (user_id = (select app_user_id())) WITH CHECK (user_id = (select app_user_id()));
CREATE POLICY notifications_create ON notifications FOR INSERT WITH CHECK ((select app_user_id()) IS NOT NULL);
CREATE POLICY notifications_hq ON notifications FOR ALL
  USING ((select app_role()) = 'HQ_ADMIN') WITH CHECK ((select app_role()) = 'HQ_ADMIN');

ALTER TABLE offline_sync_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE offline_sync_queue FORCE ROW LEVEL SECURITY;
CREATE POLICY offline_sync_queue_own ON offline_sync_queue
  USING (user_id = (select app_user_id())) WITH CHECK (user_id = (select app_user_id()));
CREATE POLICY offline_sync_queue_monitor ON offline_sync_queue FOR SELECT
  USING ((select app_role()) = 'HQ_ADMIN' OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())));

ALTER TABLE exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE exports FORCE ROW LEVEL SECURITY;
CREATE POLICY exports_own ON exports
  USING (created_by = (select app_user_id()) OR (select app_role()) = 'HQ_ADMIN')
  WITH CHECK (created_by = (select app_user_id()) OR (select app_role()) = 'HQ_ADMIN');

-- audit_logs: written by the definer trigger only; read by HQ, and by branch managers for their branch.
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_logs_read ON audit_logs FOR SELECT
  USING ((select app_role()) = 'HQ_ADMIN' OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())));

-- Privileges: only on the parents, never on partitions (a partition read directly would skip the parent's
-- policies), and no write privilege on the trigger-written logs.
GRANT SELECT, INSERT, UPDATE, DELETE ON orders, order_lines, split_orders, waste_pickups, serial_numbers, attachments,
  installers, settlement_periods, notifications, offline_sync_queue, exports, users, user_roles, branches, partners,
  reason_codes, waste_codes, item_skill_rules, refresh_tokens TO dispatch_app;
GRANT SELECT ON order_status_history, appointments, audit_logs, roles, order_numbers TO dispatch_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO dispatch_app;

-- Down Migration
