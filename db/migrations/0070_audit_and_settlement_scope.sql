-- Up Migration
-- Issue 14. A branch manager read account audit rows (users, user_roles: another user's e-mail change) through
-- an export that named no table. The server now applies one rule (domain/audit-tables.ts) to the audit route
-- and every export; the policy holds the same table list, so a query that forgets it still sees no accounts.
DROP POLICY audit_logs_read ON audit_logs;
CREATE POLICY audit_logs_read ON audit_logs FOR SELECT USING (
  (select app_role()) = 'HQ_ADMIN'
  OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())
      AND table_name IN ('orders', 'order_lines', 'split_orders', 'waste_pickups', 'serial_numbers', 'attachments',
                         'installers', 'settlement_periods'))
);

-- Weeks were created by every GET /api/settlements (a coordinator's four reads made 211 weeks in another branch,
-- years 1000–9998). Reads no longer write: the settlement-weeks job (SYSTEM) creates them for every branch, HQ for
-- any branch and a branch manager for its own; nobody else, and never without a context.
CREATE OR REPLACE FUNCTION ensure_settlement_periods(p_branch uuid, p_from date, p_to date) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE created int;
BEGIN
  -- the owner (maintenance) is not asked; the server's role is
  IF session_user = 'dispatch_app' AND NOT coalesce(app_role() IN ('SYSTEM', 'HQ_ADMIN')
                  OR (app_role() = 'BRANCH_MANAGER' AND p_branch = app_branch_id()), false) THEN
    RAISE EXCEPTION 'no settlement weeks of branch % for this caller', p_branch USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_from > p_to OR p_to - p_from > 400 THEN
    RAISE EXCEPTION 'settlement range % – % is not a range of at most 400 days', p_from, p_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO settlement_periods(branch_id, period_start, period_end)
  SELECT b.id, w::date, w::date + 6
    FROM branches b, generate_series(date_trunc('week', p_from)::date, p_to, interval '7 days') w
   WHERE b.id = p_branch
  ON CONFLICT (branch_id, period_start) DO NOTHING;
  GET DIAGNOSTICS created = ROW_COUNT;
  RETURN created;
END $$;

-- The settlement guard asks, inside a trigger, whether the week of a row being written is locked; called
-- directly it answered for any branch. Outside a trigger it now answers dispatch_app only for the caller's own
-- branch (HQ: all); the owner's maintenance (db:maintain phones) still asks about any week.
CREATE OR REPLACE FUNCTION settlement_locked_week(p_branch uuid, p_date date) RETURNS settlement_periods
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE w settlement_periods;
BEGIN
  IF pg_trigger_depth() = 0 AND session_user = 'dispatch_app'
     AND NOT coalesce(app_role() = 'HQ_ADMIN' OR p_branch = app_branch_id(), false) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO w FROM settlement_periods
   WHERE branch_id = p_branch AND p_date BETWEEN period_start AND period_end
   FOR SHARE;
  IF w.status = 'LOCKED' THEN
    RETURN w;
  END IF;
  RETURN NULL;
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION settlement_locked_week(p_branch uuid, p_date date) RETURNS settlement_periods
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE w settlement_periods;
BEGIN
  SELECT * INTO w FROM settlement_periods
   WHERE branch_id = p_branch AND p_date BETWEEN period_start AND period_end
   FOR SHARE;
  IF w.status = 'LOCKED' THEN
    RETURN w;
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION ensure_settlement_periods(p_branch uuid, p_from date, p_to date) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE created int;
BEGIN
  IF p_from > p_to OR p_to - p_from > 800 THEN
    RAISE EXCEPTION 'settlement range % – % is not a range of at most 800 days', p_from, p_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO settlement_periods(branch_id, period_start, period_end)
  SELECT b.id, w::date, w::date + 6
    FROM branches b, generate_series(date_trunc('week', p_from)::date, p_to, interval '7 days') w
   WHERE b.id = p_branch
  ON CONFLICT (branch_id, period_start) DO NOTHING;
  GET DIAGNOSTICS created = ROW_COUNT;
  RETURN created;
END $$;
DROP POLICY audit_logs_read ON audit_logs;
CREATE POLICY audit_logs_read ON audit_logs FOR SELECT
  USING ((select app_role()) = 'HQ_ADMIN' OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())));
