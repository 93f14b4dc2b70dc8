-- Up Migration
-- FR-07's distinct orders per partner (groupBy=partner), from the signatures keyed by day.
--
-- Per partner the distinct orders do not add up over day cells (0137): an order with pick-ups on two days of the
-- period is one order of its partner. So they came from the signatures of 0090 (report_waste_orders: per (branch,
-- partner) one row per distinct sorted set of 'day status' of an order's pick-ups), filtered by the period after
-- unnesting; the generic plan read the whole table for every role (HQ at 1M: 34,074 signatures thrown away for 30
-- days, ≈ 15 ms), and the table grows with the data (docs/performance.md, round 5: FR-07 PostgreSQL CPU ×1.9 from
-- 1M to 10M orders).
--
-- Here each folded signature is also kept once per day it has, with that day's statuses: (day, branch, partner,
-- signature, statuses, n), n the signature's count. A period's signatures are then an index range on the day (and
-- the branch or partner of the scope), and a signature counts once for its partner when one of its days in the
-- period has a status asked for: distinct over the signature, whatever number of its days qualify. For the usual
-- order (all pick-ups on one day) the rows are as many as the day cells of 0137, so a period reads days x branches
-- x partners x status sets rows, not the orders.
--
-- Kept like the day cells: folded by report_fold() from the same deleted signature deltas in the same statement,
-- rebuilt by report_rebuild(); no trigger changes, so no write pays for it. A read adds the unfolded signature
-- deltas (a few rows) as before.
CREATE TABLE report_waste_order_sig_days (
  day        date NOT NULL,
  branch_id  uuid NOT NULL,
  partner_id uuid,
  sig        text[] NOT NULL,
  statuses   text[] NOT NULL,
  n          bigint NOT NULL,
  CONSTRAINT uq_report_waste_order_sig_days UNIQUE NULLS NOT DISTINCT (day, branch_id, partner_id, sig)
);
-- covering, one per way the endpoint narrows the scope, as 0137's
CREATE INDEX idx_report_waste_order_sig_days_day ON report_waste_order_sig_days(day)
  INCLUDE (branch_id, partner_id, statuses, n, sig);
CREATE INDEX idx_report_waste_order_sig_days_branch ON report_waste_order_sig_days(branch_id, day)
  INCLUDE (partner_id, statuses, n, sig);
CREATE INDEX idx_report_waste_order_sig_days_partner ON report_waste_order_sig_days(partner_id, day)
  INCLUDE (branch_id, statuses, n, sig);
CREATE INDEX idx_report_waste_order_sig_days_zero ON report_waste_order_sig_days(day) WHERE n = 0;

ALTER TABLE report_waste_order_sig_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_waste_order_sig_days_scope ON report_waste_order_sig_days FOR SELECT
  USING (CASE (select app_role())
           WHEN 'HQ_ADMIN' THEN true
           WHEN 'BRANCH_MANAGER' THEN branch_id = (select app_branch_id())
           WHEN 'PARTNER_COORDINATOR' THEN partner_id = (select app_partner_id())
           ELSE false END);
GRANT SELECT ON report_waste_order_sig_days TO dispatch_app;

-- 0137's fold, and the signature deltas folded into the signatures' days from the same deleted rows.
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

  -- one DELETE feeds all three: a delta is folded into the signatures, their days and the day cells, or none
  WITH d AS (DELETE FROM report_waste_orders_delta RETURNING *),
  s AS (
    INSERT INTO report_waste_orders AS r(branch_id, partner_id, sig, days, n)
    SELECT branch_id, partner_id, sig, report_sig_days(sig), sum(n) FROM d GROUP BY 1, 2, 3
    ON CONFLICT ON CONSTRAINT uq_report_waste_orders DO UPDATE SET n = r.n + excluded.n),
  t AS (
    INSERT INTO report_waste_order_sig_days AS r(day, branch_id, partner_id, sig, statuses, n)
    SELECT c.day, g.branch_id, g.partner_id, g.sig, c.statuses, g.n
      FROM (SELECT branch_id, partner_id, sig, sum(n) AS n FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0) g
      CROSS JOIN LATERAL report_sig_day_cells(g.sig) c
    ON CONFLICT ON CONSTRAINT uq_report_waste_order_sig_days DO UPDATE SET n = r.n + excluded.n)
  INSERT INTO report_waste_order_days AS r(day, branch_id, partner_id, statuses, n)
  SELECT c.day, d.branch_id, d.partner_id, c.statuses, sum(d.n)
    FROM d CROSS JOIN LATERAL report_sig_day_cells(d.sig) c
   GROUP BY 1, 2, 3, 4
  HAVING sum(d.n) <> 0
  ON CONFLICT ON CONSTRAINT uq_report_waste_order_days DO UPDATE SET n = r.n + excluded.n;
  DELETE FROM report_waste_orders WHERE n = 0;
  DELETE FROM report_waste_order_days WHERE n = 0;
  DELETE FROM report_waste_order_sig_days WHERE n = 0;
  RETURN true;
END $$;

-- 0137's rebuild, and the signatures' days from the signatures it built.
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('report_fold'));
  TRUNCATE report_progress, report_progress_delta, report_waste, report_waste_delta, report_waste_orders,
           report_waste_orders_delta, report_waste_order_days, report_waste_order_sig_days;
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
  INSERT INTO report_waste_order_sig_days(day, branch_id, partner_id, sig, statuses, n)
  SELECT c.day, s.branch_id, s.partner_id, s.sig, c.statuses, s.n
    FROM report_waste_orders s CROSS JOIN LATERAL report_sig_day_cells(s.sig) c;
END $$;

-- the signatures as they are now, by day (a kept data set gets them here, without a rebuild)
INSERT INTO report_waste_order_sig_days(day, branch_id, partner_id, sig, statuses, n)
SELECT c.day, s.branch_id, s.partner_id, s.sig, c.statuses, s.n
  FROM report_waste_orders s CROSS JOIN LATERAL report_sig_day_cells(s.sig) c;
ANALYZE report_waste_order_sig_days;

-- Down Migration
-- 0137's fold and rebuild again
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

DROP TABLE IF EXISTS report_waste_order_sig_days;
