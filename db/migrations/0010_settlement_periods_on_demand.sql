-- Up Migration
-- Weekly settlement periods are created when someone looks at them (GET /api/settlements), for every role that
-- may read them: partner coordinators may read but not write settlement_periods, so the insert runs with the
-- owner's rights. It only ever adds OPEN Monday–Sunday weeks of an existing branch; locking stays under RLS.
CREATE FUNCTION ensure_settlement_periods(p_branch uuid, p_from date, p_to date) RETURNS int
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
REVOKE ALL ON FUNCTION ensure_settlement_periods(uuid, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_settlement_periods(uuid, date, date) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS ensure_settlement_periods(uuid, date, date);
