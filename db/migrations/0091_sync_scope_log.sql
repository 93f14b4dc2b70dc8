-- Up Migration
-- The no-change pull without the 17-table probe (docs/performance.md, "Idle pull"). The probe asks every mirrored
-- table whether a row was stamped in the pull's transaction-id window [lo, hi); under row-level security, over
-- every partition, even when the answer is no — and while any branch writes, the window is never empty.
--
-- Every write to a mirrored table also notes, once per transaction and scope, (scope, its transaction id) here:
--   b:<branch> p:<partner> i:<installer>  an order or a row hanging off one: its order's, old and new values
--   u:<user>                                a notification
--   ref                                     reference data, installers, settlement weeks (shown to many)
-- A pull whose window holds no note of a scope its caller may see (sync_scope_changed) has nothing to deliver.
-- Why that never hides a change: every transaction below hi has ended when the pull looks (hi is the horizon,
-- 0030), so its notes, written in the same transaction as its rows, are committed or gone with them; a note
-- carries the writer's own id, which is exactly the rows' change_xid. Inserts only: writers never wait for
-- each other here.
--
-- Notes older than a day are pruned (sync_prune_scope_log); a pull whose window starts before the pruned ones
-- runs the probe as before.
CREATE TABLE sync_scope_log (
  scope      text NOT NULL,
  xid        xid8 NOT NULL,
  logged_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, xid)
);
CREATE INDEX idx_sync_scope_log_xid ON sync_scope_log(xid);
CREATE TABLE sync_scope_log_horizon (
  id            int PRIMARY KEY DEFAULT 1 CONSTRAINT chk_sync_scope_log_horizon_single CHECK (id = 1),
  pruned_up_to  xid8 NOT NULL DEFAULT '0'::xid8
);
-- Writes before this migration left no notes: a window starting at or below its transaction probes.
INSERT INTO sync_scope_log_horizon(pruned_up_to) VALUES (pg_current_xact_id());

-- Notes the scopes not noted yet by this transaction (app.sync_scopes_noted, transaction-local; a rolled-back
-- savepoint takes both the setting and the rows back).
CREATE FUNCTION sync_note_scopes(scopes text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  noted text := coalesce(current_setting('app.sync_scopes_noted', true), '');
  missing text[];
BEGIN
  missing := ARRAY(SELECT DISTINCT s FROM unnest(scopes) s
                    WHERE s IS NOT NULL AND position(',' || s || ',' IN ',' || noted || ',') = 0);
  IF cardinality(missing) = 0 THEN RETURN; END IF;
  INSERT INTO sync_scope_log(scope, xid) SELECT s, pg_current_xact_id() FROM unnest(missing) s
  ON CONFLICT DO NOTHING;
  PERFORM set_config('app.sync_scopes_noted', noted || ',' || array_to_string(missing, ','), true);
END $$;

CREATE FUNCTION sync_order_scope_keys(branch_id uuid, partner_id uuid, installer_id uuid) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['b:' || branch_id, 'p:' || partner_id, 'i:' || installer_id]
$$;

CREATE FUNCTION sync_note_orders() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM sync_note_scopes(ARRAY(SELECT unnest(sync_order_scope_keys(r.branch_id, r.partner_id, r.installer_id))
                                     FROM new_rows r));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM sync_note_scopes(ARRAY(SELECT unnest(sync_order_scope_keys(r.branch_id, r.partner_id, r.installer_id))
                                     FROM old_rows r));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_sync_note_i AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_orders();
CREATE TRIGGER trg_sync_note_u AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_orders();
CREATE TRIGGER trg_sync_note_d AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_orders();

-- Rows hanging off an order: their order's scopes (looked up with owner rights; an order deleted in the same
-- transaction has noted its own).
CREATE FUNCTION sync_note_order_children() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ids uuid[] := '{}';
BEGIN
  IF TG_TABLE_NAME = 'split_orders' THEN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      ids := ARRAY(SELECT r.parent_order_id FROM new_rows r UNION SELECT r.child_order_id FROM new_rows r);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      ids := ids || ARRAY(SELECT r.parent_order_id FROM old_rows r UNION SELECT r.child_order_id FROM old_rows r);
    END IF;
  ELSE
    IF TG_OP IN ('INSERT', 'UPDATE') THEN ids := ARRAY(SELECT DISTINCT r.order_id FROM new_rows r); END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN ids := ids || ARRAY(SELECT DISTINCT r.order_id FROM old_rows r); END IF;
  END IF;
  PERFORM sync_note_scopes(ARRAY(SELECT unnest(sync_order_scope_keys(o.branch_id, o.partner_id, o.installer_id))
                                   FROM orders o WHERE o.id = ANY(ids)));
  RETURN NULL;
END $$;

CREATE FUNCTION sync_note_notifications() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM sync_note_scopes(ARRAY(SELECT DISTINCT 'u:' || r.user_id FROM new_rows r));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM sync_note_scopes(ARRAY(SELECT DISTINCT 'u:' || r.user_id FROM old_rows r));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION sync_note_reference() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM sync_note_scopes(ARRAY['ref']);
  RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['order_lines', 'order_status_history', 'appointments', 'split_orders', 'waste_pickups',
                           'serial_numbers', 'attachments'] LOOP
    EXECUTE format('CREATE TRIGGER trg_sync_note_i AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sync_note_order_children()', t);
    EXECUTE format('CREATE TRIGGER trg_sync_note_u AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sync_note_order_children()', t);
    EXECUTE format('CREATE TRIGGER trg_sync_note_d AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sync_note_order_children()', t);
  END LOOP;
  EXECUTE 'CREATE TRIGGER trg_sync_note_i AFTER INSERT ON notifications REFERENCING NEW TABLE AS new_rows
           FOR EACH STATEMENT EXECUTE FUNCTION sync_note_notifications()';
  EXECUTE 'CREATE TRIGGER trg_sync_note_u AFTER UPDATE ON notifications REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
           FOR EACH STATEMENT EXECUTE FUNCTION sync_note_notifications()';
  EXECUTE 'CREATE TRIGGER trg_sync_note_d AFTER DELETE ON notifications REFERENCING OLD TABLE AS old_rows
           FOR EACH STATEMENT EXECUTE FUNCTION sync_note_notifications()';
  FOREACH t IN ARRAY ARRAY['branches', 'partners', 'reason_codes', 'waste_codes', 'item_skill_rules', 'installers',
                           'settlement_periods'] LOOP
    EXECUTE format('CREATE TRIGGER trg_sync_note AFTER INSERT OR UPDATE OR DELETE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION sync_note_reference()', t);
  END LOOP;
END $$;

-- Whether a write noted a scope the caller may see in [lo, hi), or the notes of that window may be pruned
-- already. HQ sees every scope. False means the window holds nothing for the caller.
CREATE FUNCTION sync_scope_changed(lo xid8, hi xid8) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  role text := app_role();
  mine text[];
BEGIN
  IF lo <= (SELECT pruned_up_to FROM sync_scope_log_horizon) THEN RETURN true; END IF;
  IF role = 'HQ_ADMIN' THEN
    RETURN EXISTS (SELECT 1 FROM sync_scope_log WHERE xid >= lo AND xid < hi);
  END IF;
  mine := ARRAY['ref', 'u:' || app_user_id(), CASE role
            WHEN 'BRANCH_MANAGER' THEN 'b:' || app_branch_id()
            WHEN 'PARTNER_COORDINATOR' THEN 'p:' || app_partner_id()
            WHEN 'INSTALLER' THEN 'i:' || app_installer_id() END];
  RETURN EXISTS (SELECT 1 FROM sync_scope_log l, unnest(mine) s(scope)
                  WHERE l.scope = s.scope AND l.xid >= lo AND l.xid < hi);
END $$;
GRANT EXECUTE ON FUNCTION sync_scope_changed(xid8, xid8) TO dispatch_app;

-- Drops notes older than `keep`; pulls whose window starts at or below the newest dropped one probe as before.
CREATE FUNCTION sync_prune_scope_log(keep interval DEFAULT interval '1 day') RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n int;
  top xid8;
BEGIN
  WITH d AS (DELETE FROM sync_scope_log WHERE logged_at < now() - keep RETURNING xid)
  SELECT count(*), max(xid) INTO n, top FROM d;
  IF top IS NOT NULL THEN
    UPDATE sync_scope_log_horizon SET pruned_up_to = greatest(pruned_up_to, top);
  END IF;
  RETURN n;
END $$;
GRANT EXECUTE ON FUNCTION sync_prune_scope_log(interval) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS sync_prune_scope_log(interval);
DROP FUNCTION IF EXISTS sync_scope_changed(xid8, xid8);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['orders', 'order_lines', 'order_status_history', 'appointments', 'split_orders',
                           'waste_pickups', 'serial_numbers', 'attachments', 'notifications'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_note_i ON %I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_note_u ON %I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_note_d ON %I', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['branches', 'partners', 'reason_codes', 'waste_codes', 'item_skill_rules', 'installers',
                           'settlement_periods'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_note ON %I', t);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS sync_note_reference();
DROP FUNCTION IF EXISTS sync_note_notifications();
DROP FUNCTION IF EXISTS sync_note_order_children();
DROP FUNCTION IF EXISTS sync_note_orders();
DROP FUNCTION IF EXISTS sync_order_scope_keys(uuid, uuid, uuid);
DROP FUNCTION IF EXISTS sync_note_scopes(text[]);
DROP TABLE IF EXISTS sync_scope_log, sync_scope_log_horizon;
