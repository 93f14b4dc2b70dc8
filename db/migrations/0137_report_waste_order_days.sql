-- Up Migration
-- FR-07's distinct orders per day (groupBy=day), answered from cells keyed by day.
--
-- Until now they came from the order signatures of 0090 (report_waste_orders: one row per distinct set of
-- (day, status) of an order's pick-ups), filtered by the period, the scope and the statuses after unnesting. The
-- generic plan under RLS read the whole table (35,372 of 35,524 signatures thrown away for a coordinator's 30 days
-- at 1M orders, 13.8 ms at 5M: docs/performance.md "Round 4" and "Round 5"), and the signatures are as many as the
-- distinct day-and-status sets of the orders: up to one per order.
--
-- Per day the distinct orders do add up over cells once the cell knows which statuses an order's pick-ups of that
-- day have: an order counts on day D for the statuses S asked for exactly when one of its pick-ups of D has a
-- status in S. So each (day, branch, partner, set of statuses of an order's pick-ups that day) counts its orders,
-- and a day's answer is the sum over the cells of that day whose set meets S. At most 7 sets (3 statuses) per
-- (day, branch, partner): the cells a period reads are bounded by days x branches x partners, not by the orders.
--
-- The cells are the signatures' own per-day projection (report_sig_day_cells): whatever writes a signature delta
-- (report_waste_apply, report_waste_shift; every trigger of 0090 goes through them) writes these cells' change
-- too, folded by report_fold() from the same deltas. No trigger changes: the write path costs nothing more. A
-- read adds the unfolded signature deltas projected the same way (a few rows: what was written since the last
-- fold), so it stays exact at every moment. Partner grouping still needs the signatures (an order with pick-ups
-- on two days of the period is one order of its partner, which no day cell can tell).

-- The (day, statuses) cells of one signature; statuses sorted (the signature sorts by day, then status).
CREATE FUNCTION report_sig_day_cells(sig text[]) RETURNS TABLE(day date, statuses text[])
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(e, 10)::date, array_agg(substr(e, 12) ORDER BY substr(e, 12)) FROM unnest(sig) e GROUP BY 1
$$;

CREATE TABLE report_waste_order_days (
  day        date NOT NULL,
  branch_id  uuid NOT NULL,
  partner_id uuid,
  statuses   text[] NOT NULL,
  n          bigint NOT NULL,
  CONSTRAINT uq_report_waste_order_days UNIQUE NULLS NOT DISTINCT (day, branch_id, statuses, partner_id)
);
-- covering, as 0092's: a period's cells are an index range, read without the heap once vacuumed; one index per
-- way the endpoint narrows the scope (HQ: none, a manager or HQ naming a branch: the branch, a coordinator or HQ
-- naming a partner: the partner)
CREATE INDEX idx_report_waste_order_days_day ON report_waste_order_days(day) INCLUDE (branch_id, partner_id, statuses, n);
CREATE INDEX idx_report_waste_order_days_branch ON report_waste_order_days(branch_id, day) INCLUDE (partner_id, statuses, n);
CREATE INDEX idx_report_waste_order_days_partner ON report_waste_order_days(partner_id, day) INCLUDE (branch_id, statuses, n);

-- The quantities of the same answer (report_waste, 0090/0092) had no index on the partner: a coordinator's
-- period was read for every partner and filtered (4,312 of 5,037 cells thrown away for 30 days at 1M orders).
CREATE INDEX idx_report_waste_partner ON report_waste(partner_id, day) INCLUDE (status, branch_id, code, quantity, pickups);

ALTER TABLE report_waste_order_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_waste_order_days_scope ON report_waste_order_days FOR SELECT
  USING (CASE (select app_role())
           WHEN 'HQ_ADMIN' THEN true
           WHEN 'BRANCH_MANAGER' THEN branch_id = (select app_branch_id())
           WHEN 'PARTNER_COORDINATOR' THEN partner_id = (select app_partner_id())
           ELSE false END);
GRANT SELECT ON report_waste_order_days TO dispatch_app;

-- 0090's fold, and the signature deltas' per-day cells folded from the same deleted rows.
CREATE OR REPLACE FUNCTION report_fold() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('report_fold')) THEN RETURN false; END IF;
  WITH d AS (DELETE FROM report_progress_delta RETURNING *)
  INSERT INTO report_progress AS r(by_appointment, day, branch_id, partner_id, status, n)
  SELECT by_appointment, day, branch_id, partner_id, status, sum(n) FROM d GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ON CONSTRAINT uq_report_progress DO UPDATE SET n = r.n + excluded.n;
  DELETE FROM report_progress WHERE n = 0;

  WITH d AS (DELETE FROM report_waste_delta RETURNING *)
  INSERT INTO report_waste AS r(day, branch_id, partner_id, code, status, quantity, pickups)
  SELECT day, branch_id, partner_id, code, status, sum(quantity), sum(pickups) FROM d GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ON CONSTRAINT uq_report_waste
  DO UPDATE SET quantity = r.quantity + excluded.quantity, pickups = r.pickups + excluded.pickups;
  DELETE FROM report_waste WHERE pickups = 0 AND quantity = 0;

  -- one DELETE feeds both: a delta is folded into the signatures and into their day cells, or into neither
  WITH d AS (DELETE FROM report_waste_orders_delta RETURNING *),
  s AS (
    INSERT INTO report_waste_orders AS r(branch_id, partner_id, sig, days, n)
    SELECT branch_id, partner_id, sig, report_sig_days(sig), sum(n) FROM d GROUP BY 1, 2, 3
    ON CONFLICT ON CONSTRAINT uq_report_waste_orders DO UPDATE SET n = r.n + excluded.n)
  INSERT INTO report_waste_order_days AS r(day, branch_id, partner_id, statuses, n)
  SELECT c.day, d.branch_id, d.partner_id, c.statuses, sum(d.n)
    FROM d CROSS JOIN LATERAL report_sig_day_cells(d.sig) c
   GROUP BY 1, 2, 3, 4
  HAVING sum(d.n) <> 0
  ON CONFLICT ON CONSTRAINT uq_report_waste_order_days DO UPDATE SET n = r.n + excluded.n;
  DELETE FROM report_waste_orders WHERE n = 0;
  DELETE FROM report_waste_order_days WHERE n = 0;
  RETURN true;
END $$;

-- 0090's rebuild, and the day cells from the signatures it built.
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('report_fold'));
  TRUNCATE report_progress, report_progress_delta, report_waste, report_waste_delta, report_waste_orders,
           report_waste_orders_delta, report_waste_order_days;
  INSERT INTO report_progress(by_appointment, day, branch_id, partner_id, status, n)
  SELECT k.by_appointment, k.day, o.branch_id, o.partner_id, o.status, count(*)
    FROM orders o JOIN branches b ON b.id = o.branch_id
    CROSS JOIN LATERAL (VALUES (false, (o.created_at AT TIME ZONE b.timezone)::date), (true, o.appointment_date))
               k(by_appointment, day)
   WHERE o.deleted_at IS NULL AND k.day IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5;
  INSERT INTO report_waste(day, branch_id, partner_id, code, status, quantity, pickups)
  SELECT (w.collected_at AT TIME ZONE 'Asia/Seoul')::date, o.branch_id, o.partner_id, w.code, w.status,
         sum(w.quantity), count(*)
    FROM waste_pickups w JOIN orders o ON o.id = w.order_id AND o.created_at = w.order_created_at
   WHERE o.deleted_at IS NULL AND w.collected_at IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5;
  INSERT INTO report_waste_orders(branch_id, partner_id, sig, days, n)
  SELECT branch_id, partner_id, sig, report_sig_days(sig), count(*)
    FROM (SELECT o.branch_id, o.partner_id,
                 array_agg(DISTINCT report_waste_key(w.collected_at, w.status) ORDER BY report_waste_key(w.collected_at, w.status)) AS sig
            FROM waste_pickups w JOIN orders o ON o.id = w.order_id AND o.created_at = w.order_created_at
           WHERE o.deleted_at IS NULL AND w.collected_at IS NOT NULL
           GROUP BY o.id, o.branch_id, o.partner_id) x
   GROUP BY 1, 2, 3;
  INSERT INTO report_waste_order_days(day, branch_id, partner_id, statuses, n)
  SELECT c.day, s.branch_id, s.partner_id, c.statuses, sum(s.n)
    FROM report_waste_orders s CROSS JOIN LATERAL report_sig_day_cells(s.sig) c
   GROUP BY 1, 2, 3, 4;
END $$;

-- the signatures as they are now, projected (a kept data set gets its cells here, without a rebuild)
INSERT INTO report_waste_order_days(day, branch_id, partner_id, statuses, n)
SELECT c.day, s.branch_id, s.partner_id, c.statuses, sum(s.n)
  FROM report_waste_orders s CROSS JOIN LATERAL report_sig_day_cells(s.sig) c
 GROUP BY 1, 2, 3, 4;

-- Down Migration
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('report_fold'));
  TRUNCATE report_progress, report_progress_delta, report_waste, report_waste_delta, report_waste_orders,
           report_waste_orders_delta;
  INSERT INTO report_progress(by_appointment, day, branch_id, partner_id, status, n)
  SELECT k.by_appointment, k.day, o.branch_id, o.partner_id, o.status, count(*)
    FROM orders o JOIN branches b ON b.id = o.branch_id
    CROSS JOIN LATERAL (VALUES (false, (o.created_at AT TIME ZONE b.timezone)::date), (true, o.appointment_date))
               k(by_appointment, day)
   WHERE o.deleted_at IS NULL AND k.day IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5;
  INSERT INTO report_waste(day, branch_id, partner_id, code, status, quantity, pickups)
  SELECT (w.collected_at AT TIME ZONE 'Asia/Seoul')::date, o.branch_id, o.partner_id, w.code, w.status,
         sum(w.quantity), count(*)
    FROM waste_pickups w JOIN orders o ON o.id = w.order_id AND o.created_at = w.order_created_at
   WHERE o.deleted_at IS NULL AND w.collected_at IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5;
  INSERT INTO report_waste_orders(branch_id, partner_id, sig, days, n)
  SELECT branch_id, partner_id, sig, report_sig_days(sig), count(*)
    FROM (SELECT o.branch_id, o.partner_id,
                 array_agg(DISTINCT report_waste_key(w.collected_at, w.status) ORDER BY report_waste_key(w.collected_at, w.status)) AS sig
            FROM waste_pickups w JOIN orders o ON o.id = w.order_id AND o.created_at = w.order_created_at
           WHERE o.deleted_at IS NULL AND w.collected_at IS NOT NULL
           GROUP BY o.id, o.branch_id, o.partner_id) x
   GROUP BY 1, 2, 3;
END $$;

CREATE OR REPLACE FUNCTION report_fold() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('report_fold')) THEN RETURN false; END IF;
  WITH d AS (DELETE FROM report_progress_delta RETURNING *)
  INSERT INTO report_progress AS r(by_appointment, day, branch_id, partner_id, status, n)
  SELECT by_appointment, day, branch_id, partner_id, status, sum(n) FROM d GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ON CONSTRAINT uq_report_progress DO UPDATE SET n = r.n + excluded.n;
  DELETE FROM report_progress WHERE n = 0;

  WITH d AS (DELETE FROM report_waste_delta RETURNING *)
  INSERT INTO report_waste AS r(day, branch_id, partner_id, code, status, quantity, pickups)
  SELECT day, branch_id, partner_id, code, status, sum(quantity), sum(pickups) FROM d GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ON CONSTRAINT uq_report_waste
  DO UPDATE SET quantity = r.quantity + excluded.quantity, pickups = r.pickups + excluded.pickups;
  DELETE FROM report_waste WHERE pickups = 0 AND quantity = 0;

  WITH d AS (DELETE FROM report_waste_orders_delta RETURNING *)
  INSERT INTO report_waste_orders AS r(branch_id, partner_id, sig, days, n)
  SELECT branch_id, partner_id, sig, report_sig_days(sig), sum(n) FROM d GROUP BY 1, 2, 3
  ON CONFLICT ON CONSTRAINT uq_report_waste_orders DO UPDATE SET n = r.n + excluded.n;
  DELETE FROM report_waste_orders WHERE n = 0;
  RETURN true;
END $$;

DROP INDEX IF EXISTS idx_report_waste_partner;
DROP TABLE IF EXISTS report_waste_order_days;
DROP FUNCTION IF EXISTS report_sig_day_cells(text[]);
