-- Up Migration
-- These triggers are the only writers of order_status_history, appointments and audit_logs: the application role
-- may read those tables but not write them, so no code path can skip or forge them. They are SECURITY DEFINER
-- (owner rights) and take the actor from the transaction's app.user_id.

CREATE FUNCTION ensure_order_partitions(months_ahead int, months_back int DEFAULT 1) RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
  RETURN ensure_monthly_partitions('orders'::regclass, months_ahead, months_back)
       + ensure_monthly_partitions('order_status_history'::regclass, months_ahead, months_back);
END $$;

-- Status history: one row per status change (and the initial status), with the reason and note the service put
-- in app.reason_code / app.status_note for this transaction.
CREATE FUNCTION orders_log_status() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO order_status_history(order_id, order_created_at, previous_status, new_status, changed_by, reason_code, notes)
    VALUES (NEW.id, NEW.created_at, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, app_user_id(),
            nullif(current_setting('app.reason_code', true), ''), nullif(current_setting('app.status_note', true), ''));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_orders_status_history AFTER INSERT OR UPDATE OF status ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_log_status();

-- 약속일자 log: every change of appointment_date (or its time window) after creation.
CREATE FUNCTION orders_log_appointment() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.appointment_date IS DISTINCT FROM OLD.appointment_date
     OR NEW.appointment_time_window IS DISTINCT FROM OLD.appointment_time_window THEN
    INSERT INTO appointments(order_id, order_created_at, old_date, new_date, old_time_window, new_time_window, changed_by, reason)
    VALUES (NEW.id, NEW.created_at, OLD.appointment_date, NEW.appointment_date, OLD.appointment_time_window,
            NEW.appointment_time_window, app_user_id(), nullif(current_setting('app.change_reason', true), ''));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_orders_appointment_log AFTER UPDATE OF appointment_date, appointment_time_window ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_log_appointment();

-- Generic audit: table, record id, diff of the changed columns only, actor, branch and order for access rules.
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  old_j jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  new_j jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  row_j jsonb := coalesce(new_j, old_j);
  -- bookkeeping columns and secrets never go into a diff
  skip text[] := ARRAY['updated_at', 'change_xid', 'password_hash'];
  d jsonb;
  v_order uuid;
  v_branch uuid;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('old', old_j -> n.key, 'new', n.value)), '{}'::jsonb)
      INTO d
      FROM jsonb_each(new_j) n
     WHERE n.key <> ALL (skip) AND n.value IS DISTINCT FROM old_j -> n.key;
    IF d = '{}'::jsonb OR d ?& ARRAY['version'] AND (SELECT count(*) FROM jsonb_object_keys(d)) = 1 THEN
      RETURN NULL;   -- nothing but bookkeeping changed
    END IF;
  ELSE
    d := row_j - skip;
  END IF;

  v_order := CASE WHEN TG_TABLE_NAME = 'orders' THEN (row_j ->> 'id')::uuid
                  WHEN TG_TABLE_NAME = 'split_orders' THEN (row_j ->> 'parent_order_id')::uuid
                  ELSE (row_j ->> 'order_id')::uuid END;
  v_branch := (row_j ->> 'branch_id')::uuid;
  IF v_branch IS NULL AND v_order IS NOT NULL THEN
    SELECT branch_id INTO v_branch FROM orders WHERE id = v_order;
  END IF;

  INSERT INTO audit_logs(table_name, record_id, action, diff, actor_id, branch_id, order_id, note)
  VALUES (TG_TABLE_NAME, (row_j ->> 'id')::uuid, TG_OP, d, app_user_id(), v_branch, v_order,
          nullif(current_setting('app.audit_note', true), ''));
  RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['orders', 'order_lines', 'split_orders', 'waste_pickups', 'serial_numbers', 'attachments',
                           'installers', 'branches', 'partners', 'users', 'reason_codes', 'waste_codes',
                           'item_skill_rules', 'settlement_periods'] LOOP
    EXECUTE format('CREATE TRIGGER trg_audit AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_row()', t);
  END LOOP;
END $$;

-- Settlement lock: a LOCKED week of a branch freezes its orders whose appointment_date lies in it, with their
-- lines, serials and waste pick-ups. SQLSTATE DL423 is mapped to HTTP 423 by the server.
CREATE FUNCTION settlement_locked_week(p_branch uuid, p_date date) RETURNS settlement_periods
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM settlement_periods
   WHERE branch_id = p_branch AND status = 'LOCKED' AND p_date BETWEEN period_start AND period_end
   LIMIT 1
$$;

CREATE FUNCTION raise_if_locked(p_branch uuid, p_date date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE w settlement_periods;
BEGIN
  IF p_branch IS NULL OR p_date IS NULL THEN RETURN; END IF;
  w := settlement_locked_week(p_branch, p_date);
  IF w.id IS NOT NULL THEN
    RAISE EXCEPTION 'settlement week % – % is locked', w.period_start, w.period_end
      USING ERRCODE = 'DL423',
            DETAIL = json_build_object('periodId', w.id, 'branchId', w.branch_id, 'periodStart', w.period_start, 'periodEnd', w.period_end)::text;
  END IF;
END $$;

CREATE FUNCTION orders_settlement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM raise_if_locked(OLD.branch_id, OLD.appointment_date); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM raise_if_locked(NEW.branch_id, NEW.appointment_date); END IF;
  RETURN coalesce(NEW, OLD);
END $$;
CREATE TRIGGER trg_settlement_guard BEFORE INSERT OR UPDATE OR DELETE ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_settlement_guard();

-- Children are guarded through their order. The lookup runs with owner rights so it works for every role.
CREATE FUNCTION order_child_settlement_guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE o record;
BEGIN
  FOR o IN SELECT DISTINCT branch_id, appointment_date FROM orders
            WHERE id IN ((CASE WHEN TG_OP <> 'INSERT' THEN OLD.order_id END), (CASE WHEN TG_OP <> 'DELETE' THEN NEW.order_id END)) LOOP
    PERFORM raise_if_locked(o.branch_id, o.appointment_date);
  END LOOP;
  RETURN coalesce(NEW, OLD);
END $$;
CREATE TRIGGER trg_settlement_guard BEFORE INSERT OR UPDATE OR DELETE ON order_lines FOR EACH ROW EXECUTE FUNCTION order_child_settlement_guard();
CREATE TRIGGER trg_settlement_guard BEFORE INSERT OR UPDATE OR DELETE ON serial_numbers FOR EACH ROW EXECUTE FUNCTION order_child_settlement_guard();
CREATE TRIGGER trg_settlement_guard BEFORE INSERT OR UPDATE OR DELETE ON waste_pickups FOR EACH ROW EXECUTE FUNCTION order_child_settlement_guard();

-- Denormalised keys of child rows, taken from their parents so clients cannot set them wrong.
CREATE FUNCTION waste_pickups_fill_scope() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT branch_id, partner_id, created_at INTO NEW.branch_id, NEW.partner_id, NEW.order_created_at
    FROM orders WHERE id = NEW.order_id;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_fill_scope BEFORE INSERT OR UPDATE OF order_id ON waste_pickups FOR EACH ROW EXECUTE FUNCTION waste_pickups_fill_scope();

CREATE FUNCTION serial_numbers_fill_scope() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT order_id, order_created_at INTO NEW.order_id, NEW.order_created_at FROM order_lines WHERE id = NEW.order_line_id;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_fill_scope BEFORE INSERT OR UPDATE OF order_line_id ON serial_numbers FOR EACH ROW EXECUTE FUNCTION serial_numbers_fill_scope();

-- Keep the pick-ups' partner in step when an order is handed to another partner.
CREATE FUNCTION orders_propagate_partner() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE waste_pickups SET partner_id = NEW.partner_id WHERE order_id = NEW.id AND partner_id IS DISTINCT FROM NEW.partner_id;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_orders_partner AFTER UPDATE OF partner_id ON orders FOR EACH ROW
  WHEN (OLD.partner_id IS DISTINCT FROM NEW.partner_id) EXECUTE FUNCTION orders_propagate_partner();

SELECT ensure_order_partitions(3, 24);
SELECT ensure_audit_partitions(1, 5);

-- Down Migration
