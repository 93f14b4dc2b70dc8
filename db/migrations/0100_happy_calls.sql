-- Up Migration
-- 해피콜: the branch calls each customer the day before the visit; every call's outcome is one row here (issue 15).
-- An outcome is an append: nobody edits or deletes a call (the application role may only insert and read), so
-- a retried push or two clerks calling the same customer never conflict — the last call is the newest row.
-- Hung off the order like its other parts (waste_pickups, serial_numbers): the order's composite key with a real
-- foreign key, visible exactly when the order is, audited, frozen by a locked settlement week, stamped for sync.
CREATE TABLE happy_calls (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  outcome           varchar(20) NOT NULL CONSTRAINT chk_happy_calls_outcome
                      CHECK (outcome IN ('CONFIRMED', 'NO_ANSWER', 'POSTPONE_REQUESTED', 'CANCEL_REQUESTED', 'WRONG_NUMBER')),
  -- CONFIRMED with another time of day: the window the customer agreed to (the order's own window is changed by
  -- the appointment action, with its history, not by this row)
  time_window       tstzrange CONSTRAINT chk_happy_calls_window CHECK (time_window IS NULL OR outcome = 'CONFIRMED'),
  -- the call's number among the order's calls (1 = first), set by trigger: "부재 2회" reads from it
  attempt           integer NOT NULL DEFAULT 1 CONSTRAINT chk_happy_calls_attempt CHECK (attempt > 0),
  -- NO_ANSWER: when to try again (optional)
  retry_at          timestamptz CONSTRAINT chk_happy_calls_retry CHECK (retry_at IS NULL OR outcome = 'NO_ANSWER'),
  note              varchar(500),
  called_by         uuid NOT NULL REFERENCES users(id),
  called_at         timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  branch_id         uuid NOT NULL REFERENCES branches(id),
  created_at        timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT fk_happy_calls_order FOREIGN KEY (order_id, order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE
);
-- the order's calls, newest last; the day's list reads the last one per order
CREATE INDEX idx_happy_calls_order ON happy_calls(order_id, called_at);
CREATE INDEX idx_happy_calls_branch_called ON happy_calls(branch_id, called_at);
CREATE INDEX idx_happy_calls_change ON happy_calls(change_xid, id);

-- Branch and order key from the order, the attempt number from the order's earlier calls: clients cannot set them
-- wrong. Owner rights, so the count sees every call of the order whoever made it.
CREATE FUNCTION happy_calls_fill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT branch_id, created_at INTO NEW.branch_id, NEW.order_created_at FROM orders WHERE id = NEW.order_id;
  NEW.attempt := 1 + (SELECT count(*) FROM happy_calls h WHERE h.order_id = NEW.order_id);
  RETURN NEW;
END $$;
CREATE TRIGGER trg_fill_scope BEFORE INSERT ON happy_calls FOR EACH ROW EXECUTE FUNCTION happy_calls_fill();
CREATE TRIGGER trg_stamp_xid BEFORE UPDATE ON happy_calls FOR EACH ROW EXECUTE FUNCTION stamp_xid();
CREATE TRIGGER trg_audit AFTER INSERT OR UPDATE OR DELETE ON happy_calls FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER trg_settlement_guard BEFORE INSERT OR UPDATE OR DELETE ON happy_calls
  FOR EACH ROW EXECUTE FUNCTION order_child_settlement_guard();
CREATE TRIGGER trg_sync_tombstone AFTER DELETE ON happy_calls FOR EACH ROW EXECUTE FUNCTION sync_record_delete();
CREATE TRIGGER trg_sync_note_i AFTER INSERT ON happy_calls REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_order_children();
CREATE TRIGGER trg_sync_note_u AFTER UPDATE ON happy_calls REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_order_children();
CREATE TRIGGER trg_sync_note_d AFTER DELETE ON happy_calls REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_order_children();

-- Row-level security: read as the order (HQ without the lookup, 0043); a call is recorded only on an order the
-- caller sees, and only in the caller's own name.
ALTER TABLE happy_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE happy_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY happy_calls_read ON happy_calls FOR SELECT
  USING ((select app_role()) = 'HQ_ADMIN'
         OR EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id AND o.created_at = order_created_at));
CREATE POLICY happy_calls_record ON happy_calls FOR INSERT
  WITH CHECK (called_by = (select app_user_id())
              AND ((select app_role()) = 'HQ_ADMIN'
                   OR EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id AND o.created_at = order_created_at)));
GRANT SELECT, INSERT ON happy_calls TO dispatch_app;
GRANT EXECUTE ON FUNCTION happy_calls_fill() TO dispatch_app;

-- Branch managers read the audit rows of their branch's calls (0070's list plus happy_calls).
DROP POLICY audit_logs_read ON audit_logs;
CREATE POLICY audit_logs_read ON audit_logs FOR SELECT USING (
  (select app_role()) = 'HQ_ADMIN'
  OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())
      AND table_name IN ('orders', 'order_lines', 'split_orders', 'waste_pickups', 'serial_numbers', 'attachments',
                         'happy_calls', 'installers', 'settlement_periods'))
);

-- The push's answers read a mirrored row through sync_row (0031): happy_calls is one now.
CREATE OR REPLACE FUNCTION sync_row(p_entity text, p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
DECLARE r jsonb;
BEGIN
  IF p_entity = 'orders' THEN
    SELECT to_jsonb(t) - 'change_xid' INTO r FROM orders t
     WHERE t.id = p_id::uuid
       AND t.created_at = (SELECT n.order_created_at FROM order_numbers n WHERE n.order_id = p_id::uuid);
  ELSIF p_entity = 'waste_codes' THEN
    SELECT to_jsonb(t) - 'change_xid' INTO r FROM waste_codes t WHERE t.code = p_id;
  ELSIF p_entity IN ('branches', 'partners', 'reason_codes', 'item_skill_rules', 'installers', 'settlement_periods',
                     'order_lines', 'order_status_history', 'appointments', 'split_orders', 'waste_pickups',
                     'serial_numbers', 'attachments', 'notifications', 'happy_calls') THEN
    EXECUTE format('SELECT to_jsonb(t) - ''change_xid'' FROM %I t WHERE t.id = $1', p_entity) INTO r USING p_id::uuid;
  ELSE
    RAISE EXCEPTION 'sync_row: % is not a mirrored table', p_entity USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN r;
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION sync_row(p_entity text, p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
DECLARE r jsonb;
BEGIN
  IF p_entity = 'orders' THEN
    SELECT to_jsonb(t) - 'change_xid' INTO r FROM orders t
     WHERE t.id = p_id::uuid
       AND t.created_at = (SELECT n.order_created_at FROM order_numbers n WHERE n.order_id = p_id::uuid);
  ELSIF p_entity = 'waste_codes' THEN
    SELECT to_jsonb(t) - 'change_xid' INTO r FROM waste_codes t WHERE t.code = p_id;
  ELSIF p_entity IN ('branches', 'partners', 'reason_codes', 'item_skill_rules', 'installers', 'settlement_periods',
                     'order_lines', 'order_status_history', 'appointments', 'split_orders', 'waste_pickups',
                     'serial_numbers', 'attachments', 'notifications') THEN
    EXECUTE format('SELECT to_jsonb(t) - ''change_xid'' FROM %I t WHERE t.id = $1', p_entity) INTO r USING p_id::uuid;
  ELSE
    RAISE EXCEPTION 'sync_row: % is not a mirrored table', p_entity USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN r;
END $$;
DROP POLICY audit_logs_read ON audit_logs;
CREATE POLICY audit_logs_read ON audit_logs FOR SELECT USING (
  (select app_role()) = 'HQ_ADMIN'
  OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())
      AND table_name IN ('orders', 'order_lines', 'split_orders', 'waste_pickups', 'serial_numbers', 'attachments',
                         'installers', 'settlement_periods'))
);
DROP TABLE IF EXISTS happy_calls;
DROP FUNCTION IF EXISTS happy_calls_fill();
