-- Up Migration
-- Change capture for the branch clients' pull (docs/sync-protocol.md). Updates and inserts are already stamped
-- with the writing transaction's id (change_xid, set by default and by touch_row()/stamp_xid()); this adds what a
-- stamp on a live row cannot carry: hard deletes (tombstones) and orders leaving or entering a user's scope
-- (another branch, partner or installer), so a client drops an order it may no longer see and receives the
-- children of one it newly may. Both are written by triggers, so raw SQL and every server instance are covered.

-- Some stamped tables lacked the (change_xid, id) index the pull pages by.
CREATE INDEX IF NOT EXISTS idx_attachments_change ON attachments(change_xid, id);
CREATE INDEX IF NOT EXISTS idx_branches_change ON branches(change_xid, id);
CREATE INDEX IF NOT EXISTS idx_partners_change ON partners(change_xid, id);
CREATE INDEX IF NOT EXISTS idx_reason_codes_change ON reason_codes(change_xid, id);
CREATE INDEX IF NOT EXISTS idx_waste_codes_change ON waste_codes(change_xid, code);
CREATE INDEX IF NOT EXISTS idx_item_skill_rules_change ON item_skill_rules(change_xid, id);

-- Tables whose rows only ever get inserted had no stamping trigger: a raw-SQL update of one would not be pulled.
CREATE TRIGGER trg_stamp_xid BEFORE UPDATE ON order_status_history FOR EACH ROW EXECUTE FUNCTION stamp_xid();
CREATE TRIGGER trg_stamp_xid BEFORE UPDATE ON appointments FOR EACH ROW EXECUTE FUNCTION stamp_xid();
CREATE TRIGGER trg_stamp_xid BEFORE UPDATE ON split_orders FOR EACH ROW EXECUTE FUNCTION stamp_xid();
CREATE TRIGGER trg_stamp_xid BEFORE UPDATE ON attachments FOR EACH ROW EXECUTE FUNCTION stamp_xid();

CREATE TABLE sync_tombstones (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity        varchar(40) NOT NULL,
  entity_id     text NOT NULL,           -- text: waste_codes is keyed by its code
  -- the scope the row had, for row-level security: the order's for an order's children
  order_id      uuid,
  branch_id     uuid,
  partner_id    uuid,
  installer_id  uuid,
  user_id       uuid,
  deleted_at    timestamptz NOT NULL DEFAULT now(),
  change_xid    xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX idx_sync_tombstones_change ON sync_tombstones(change_xid, id);
CREATE INDEX idx_sync_tombstones_deleted ON sync_tombstones(deleted_at);

CREATE FUNCTION sync_record_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r jsonb := to_jsonb(OLD);
  v_order uuid := CASE TG_TABLE_NAME WHEN 'orders' THEN (r ->> 'id')::uuid
                                     WHEN 'split_orders' THEN (r ->> 'parent_order_id')::uuid
                                     ELSE (r ->> 'order_id')::uuid END;
  v_branch uuid := (r ->> 'branch_id')::uuid;
  v_partner uuid := (r ->> 'partner_id')::uuid;
  v_installer uuid := CASE TG_TABLE_NAME WHEN 'orders' THEN (r ->> 'installer_id')::uuid
                                         WHEN 'installers' THEN (r ->> 'id')::uuid END;
BEGIN
  IF v_order IS NOT NULL AND TG_TABLE_NAME <> 'orders' THEN
    -- Deleted with its order (cascade), the order is gone already: the order's own tombstone covers the child.
    SELECT branch_id, partner_id, installer_id INTO v_branch, v_partner, v_installer FROM orders WHERE id = v_order;
  END IF;
  INSERT INTO sync_tombstones(entity, entity_id, order_id, branch_id, partner_id, installer_id, user_id)
  VALUES (TG_TABLE_NAME, coalesce(r ->> 'id', r ->> 'code'), v_order, v_branch, v_partner, v_installer,
          (r ->> 'user_id')::uuid);
  RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['branches', 'partners', 'reason_codes', 'waste_codes', 'item_skill_rules', 'installers',
                           'settlement_periods', 'orders', 'order_lines', 'order_status_history', 'appointments',
                           'split_orders', 'waste_pickups', 'serial_numbers', 'attachments', 'notifications'] LOOP
    EXECUTE format('CREATE TRIGGER trg_sync_tombstone AFTER DELETE ON %I FOR EACH ROW EXECUTE FUNCTION sync_record_delete()', t);
  END LOOP;
END $$;

-- An order whose branch, partner or installer changed: a user may stop or start seeing it.
CREATE TABLE sync_scope_moves (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  old_branch_id     uuid,
  old_partner_id    uuid,
  old_installer_id  uuid,
  new_branch_id     uuid,
  new_partner_id    uuid,
  new_installer_id  uuid,
  moved_at          timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX idx_sync_scope_moves_change ON sync_scope_moves(change_xid, id);
CREATE INDEX idx_sync_scope_moves_moved ON sync_scope_moves(moved_at);

CREATE FUNCTION sync_record_scope_move() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO sync_scope_moves(order_id, order_created_at, old_branch_id, old_partner_id, old_installer_id,
                               new_branch_id, new_partner_id, new_installer_id)
  VALUES (NEW.id, NEW.created_at, OLD.branch_id, OLD.partner_id, OLD.installer_id,
          NEW.branch_id, NEW.partner_id, NEW.installer_id);
  RETURN NULL;
END $$;
CREATE TRIGGER trg_sync_scope_move AFTER UPDATE OF branch_id, partner_id, installer_id ON orders FOR EACH ROW
  WHEN (OLD.branch_id IS DISTINCT FROM NEW.branch_id OR OLD.partner_id IS DISTINCT FROM NEW.partner_id
        OR OLD.installer_id IS DISTINCT FROM NEW.installer_id)
  EXECUTE FUNCTION sync_record_scope_move();

-- Who sees which tombstone and move: whoever could see the row (or the order, before or after the move).
ALTER TABLE sync_tombstones ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_tombstones FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_tombstones_scope ON sync_tombstones FOR SELECT USING (
  CASE
    WHEN entity IN ('branches', 'partners', 'reason_codes', 'waste_codes', 'item_skill_rules') THEN (select app_role()) <> 'NONE'
    WHEN entity = 'notifications' THEN user_id = (select app_user_id())
    WHEN entity = 'settlement_periods' THEN (select app_role()) IN ('HQ_ADMIN', 'PARTNER_COORDINATOR', 'INSTALLER')
                                            OR branch_id = (select app_branch_id())
    WHEN entity = 'installers' THEN CASE (select app_role())
                                      WHEN 'HQ_ADMIN' THEN true
                                      WHEN 'BRANCH_MANAGER' THEN branch_id = (select app_branch_id())
                                      WHEN 'PARTNER_COORDINATOR' THEN partner_id = (select app_partner_id())
                                      WHEN 'INSTALLER' THEN user_id = (select app_user_id())
                                      ELSE false END
    ELSE order_visible(branch_id, partner_id, installer_id, (select app_role()), (select app_branch_id()),
                       (select app_partner_id()), (select app_installer_id()))
  END);

ALTER TABLE sync_scope_moves ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_scope_moves FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_scope_moves_scope ON sync_scope_moves FOR SELECT USING (
  order_visible(old_branch_id, old_partner_id, old_installer_id, (select app_role()), (select app_branch_id()),
                (select app_partner_id()), (select app_installer_id()))
  OR order_visible(new_branch_id, new_partner_id, new_installer_id, (select app_role()), (select app_branch_id()),
                (select app_partner_id()), (select app_installer_id())));

GRANT SELECT ON sync_tombstones, sync_scope_moves TO dispatch_app;
GRANT EXECUTE ON FUNCTION sync_record_delete(), sync_record_scope_move() TO dispatch_app;

-- The upper end of a pull window: every transaction of this database with a smaller id has ended. That is the
-- snapshot's xmin, except that transactions of other databases of the cluster (which never write these tables)
-- do not hold it back: a long CREATE DATABASE or a bulk load elsewhere would otherwise stall every client.
-- A running transaction not found in pg_stat_activity (a prepared one, or one ending right now) counts as ours.
CREATE FUNCTION sync_horizon() RETURNS xid8 LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  snap pg_snapshot := pg_current_snapshot();
  h xid8 := pg_snapshot_xmax(snap);
  this_db oid := (SELECT oid FROM pg_database WHERE datname = current_database());
  x xid8;
BEGIN
  FOR x IN SELECT pg_snapshot_xip(snap) LOOP
    IF x < h AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                              WHERE a.backend_xid = xid(x) AND a.datid IS DISTINCT FROM this_db) THEN
      h := x;
    END IF;
  END LOOP;
  RETURN h;
END $$;
GRANT EXECUTE ON FUNCTION sync_horizon() TO dispatch_app;

-- Tombstones and moves are kept for a while, then pruned by the maintenance job. A client whose cursor is older
-- than the newest pruned entry could have missed a delete: the server answers it with a fresh snapshot (reset).
CREATE TABLE sync_log_horizon (
  id            int PRIMARY KEY DEFAULT 1 CONSTRAINT chk_sync_log_horizon_single CHECK (id = 1),
  pruned_up_to  xid8 NOT NULL DEFAULT '0'::xid8
);
INSERT INTO sync_log_horizon DEFAULT VALUES;
GRANT SELECT ON sync_log_horizon TO dispatch_app;

CREATE FUNCTION sync_prune_change_log(keep interval DEFAULT interval '90 days') RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE n int; m int; top xid8;
BEGIN
  WITH d AS (DELETE FROM sync_tombstones WHERE deleted_at < now() - keep RETURNING change_xid)
  SELECT count(*), max(change_xid) INTO n, top FROM d;
  IF top IS NOT NULL THEN
    UPDATE sync_log_horizon SET pruned_up_to = greatest(pruned_up_to, top);
  END IF;
  WITH d AS (DELETE FROM sync_scope_moves WHERE moved_at < now() - keep RETURNING change_xid)
  SELECT count(*), max(change_xid) INTO m, top FROM d;
  IF top IS NOT NULL THEN
    UPDATE sync_log_horizon SET pruned_up_to = greatest(pruned_up_to, top);
  END IF;
  RETURN n + m;
END $$;
REVOKE ALL ON FUNCTION sync_prune_change_log(interval) FROM PUBLIC;

-- Down Migration
DROP FUNCTION IF EXISTS sync_prune_change_log(interval);
DROP FUNCTION IF EXISTS sync_horizon();
DROP TRIGGER IF EXISTS trg_sync_scope_move ON orders;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['branches', 'partners', 'reason_codes', 'waste_codes', 'item_skill_rules', 'installers',
                           'settlement_periods', 'orders', 'order_lines', 'order_status_history', 'appointments',
                           'split_orders', 'waste_pickups', 'serial_numbers', 'attachments', 'notifications'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_tombstone ON %I', t);
  END LOOP;
END $$;
DROP TRIGGER IF EXISTS trg_stamp_xid ON order_status_history;
DROP TRIGGER IF EXISTS trg_stamp_xid ON appointments;
DROP TRIGGER IF EXISTS trg_stamp_xid ON split_orders;
DROP TRIGGER IF EXISTS trg_stamp_xid ON attachments;
DROP TABLE IF EXISTS sync_log_horizon, sync_scope_moves, sync_tombstones;
DROP FUNCTION IF EXISTS sync_record_scope_move();
DROP FUNCTION IF EXISTS sync_record_delete();
DROP INDEX IF EXISTS idx_attachments_change, idx_branches_change, idx_partners_change, idx_reason_codes_change,
  idx_waste_codes_change, idx_item_skill_rules_change;
