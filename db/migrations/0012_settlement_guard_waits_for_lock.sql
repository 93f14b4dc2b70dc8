-- Up Migration
-- The settlement guard of 0005 read settlement_periods without a lock: a write to an order of a week being locked
-- at that moment saw the week still OPEN (its snapshot) and committed after the lock did — a change inside a
-- LOCKED week. The guard now takes FOR SHARE on the week's row: it waits while a lock (FOR UPDATE) of that week is
-- under way and reads the decided status afterwards; a lock in turn waits for the writes already under way.
-- FOR SHARE allows many concurrent writers in one week (share locks do not conflict with each other).
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

-- Down Migration
CREATE OR REPLACE FUNCTION settlement_locked_week(p_branch uuid, p_date date) RETURNS settlement_periods
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM settlement_periods
   WHERE branch_id = p_branch AND status = 'LOCKED' AND p_date BETWEEN period_start AND period_end
   LIMIT 1
$$;
