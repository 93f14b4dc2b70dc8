-- Up Migration
-- Rollups for the two reports whose raw aggregates grow with the orders (docs/performance.md, "Report rollups"):
--   FR-08 progress: orders per (branch, partner, day, status), the day by creation (the branch's time zone) or by
--         appointment date;
--   FR-07 waste: pick-up quantity and count per (branch, partner, Korean collection day, code, status), and the
--         distinct orders behind them (report_waste_orders, below).
--
-- Every write adds its change as signed rows to an append-only delta table (statement-level triggers with
-- transition tables); report_fold() adds the deltas into the rollups in the background. A report reads rollup +
-- deltas in one statement, so it is exact and current at every moment, and writers never update a shared
-- counter row: two transactions changing orders of the same branch and day neither wait for each other nor can
-- deadlock on the rollup (the trade-off against counters updated in place is in docs/performance.md).
--
-- What counts, exactly as the raw queries: live orders (deleted_at IS NULL); for waste, pick-ups with a
-- collection time whose order is live. The keys of a pick-up are its order's branch and partner (the pick-up's
-- own copies, which the raw query reads, are kept equal to them by waste_pickups_fill_scope and
-- orders_propagate_partner).
--
-- Writes that fire no triggers must say so themselves: the bulk load (session_replication_role = replica) calls
-- report_rebuild() after it, the partition archive calls report_forget_partition() before removing a month.

CREATE TABLE report_progress (
  by_appointment boolean NOT NULL,
  day            date NOT NULL,
  branch_id      uuid NOT NULL,
  partner_id     uuid,
  status         varchar(20) NOT NULL,
  n              bigint NOT NULL,
  CONSTRAINT uq_report_progress UNIQUE NULLS NOT DISTINCT (by_appointment, day, branch_id, status, partner_id)
);
CREATE INDEX idx_report_progress_branch ON report_progress(branch_id, by_appointment, day) INCLUDE (status, n, partner_id);
CREATE INDEX idx_report_progress_zero ON report_progress(by_appointment) WHERE n = 0;
CREATE TABLE report_progress_delta (
  by_appointment boolean NOT NULL,
  day            date NOT NULL,
  branch_id      uuid NOT NULL,
  partner_id     uuid,
  status         varchar(20) NOT NULL,
  n              bigint NOT NULL
);
CREATE INDEX idx_report_progress_delta ON report_progress_delta(by_appointment, day);

CREATE TABLE report_waste (
  day        date NOT NULL,
  branch_id  uuid NOT NULL,
  partner_id uuid,
  code       varchar(4) NOT NULL,
  status     varchar(15) NOT NULL,
  quantity   bigint NOT NULL,
  pickups    bigint NOT NULL,
  CONSTRAINT uq_report_waste UNIQUE NULLS NOT DISTINCT (day, branch_id, code, status, partner_id)
);
CREATE INDEX idx_report_waste_branch ON report_waste(branch_id, day);
CREATE INDEX idx_report_waste_zero ON report_waste(day) WHERE pickups = 0 AND quantity = 0;
CREATE TABLE report_waste_delta (
  day        date NOT NULL,
  branch_id  uuid NOT NULL,
  partner_id uuid,
  code       varchar(4) NOT NULL,
  status     varchar(15) NOT NULL,
  quantity   bigint NOT NULL,
  pickups    bigint NOT NULL
);
CREATE INDEX idx_report_waste_delta ON report_waste_delta(day);

-- FR-07 also counts distinct orders per day and per partner, which do not add up over cells (an order with two
-- codes, or pick-ups on two days, is one order). Each live order with collected pick-ups is counted once under its
-- signature: the sorted set of 'YYYY-MM-DD STATUS' of its pick-ups (Korean collection day). An order belongs to a
-- report group when an element of its signature falls in the period with a status asked for; orders sharing a
-- signature share a row, so the table holds about one row per (branch, partner, day, status) like the others.
-- days spans the signature's first and last day, for the GiST index.
CREATE TABLE report_waste_orders (
  branch_id  uuid NOT NULL,
  partner_id uuid,
  sig        text[] NOT NULL,
  days       daterange NOT NULL,
  n          bigint NOT NULL,
  CONSTRAINT uq_report_waste_orders UNIQUE NULLS NOT DISTINCT (branch_id, partner_id, sig)
);
CREATE INDEX idx_report_waste_orders_days ON report_waste_orders USING gist (days);
CREATE INDEX idx_report_waste_orders_zero ON report_waste_orders(branch_id) WHERE n = 0;
CREATE TABLE report_waste_orders_delta (
  branch_id  uuid NOT NULL,
  partner_id uuid,
  sig        text[] NOT NULL,
  days       daterange NOT NULL,
  n          bigint NOT NULL
);
CREATE INDEX idx_report_waste_orders_delta ON report_waste_orders_delta USING gist (days);

-- Who sees which counts: as the orders policy, by the cell's keys. Installers have no report (domain/roles.ts).
-- Written only by the owner's functions below; RLS is enabled, not forced, so those write every scope.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['report_progress', 'report_progress_delta', 'report_waste', 'report_waste_delta',
                           'report_waste_orders', 'report_waste_orders_delta'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY %I ON %I FOR SELECT
      USING (CASE (select app_role())
               WHEN 'HQ_ADMIN' THEN true
               WHEN 'BRANCH_MANAGER' THEN branch_id = (select app_branch_id())
               WHEN 'PARTNER_COORDINATOR' THEN partner_id = (select app_partner_id())
               ELSE false END)$p$, t || '_scope', t);
    EXECUTE format('GRANT SELECT ON %I TO dispatch_app', t);
  END LOOP;
END $$;

-- One element of a waste signature; the text sorts by day first.
CREATE FUNCTION report_waste_key(collected_at timestamptz, status text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(collected_at AT TIME ZONE 'Asia/Seoul', 'YYYY-MM-DD') || ' ' || status
$$;
CREATE FUNCTION report_sig_days(sig text[]) RETURNS daterange LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT daterange(left(sig[1], 10)::date, left(sig[cardinality(sig)], 10)::date, '[]')
$$;

-- Moves whole orders' waste into (sign +1) or out of (-1) the waste rollups under the keys given, from their
-- pick-ups as they are now: an order deleted or restored, handed to another partner or branch, archived.
CREATE FUNCTION report_waste_shift(ids uuid[], branches uuid[], partners uuid[], signs int[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF cardinality(ids) = 0 THEN RETURN; END IF;
  INSERT INTO report_waste_delta(day, branch_id, partner_id, code, status, quantity, pickups)
  SELECT (w.collected_at AT TIME ZONE 'Asia/Seoul')::date, m.branch_id, m.partner_id, w.code, w.status,
         sum(m.sgn * w.quantity), sum(m.sgn)
    FROM unnest(ids, branches, partners, signs) m(id, branch_id, partner_id, sgn)
    JOIN waste_pickups w ON w.order_id = m.id
   WHERE w.collected_at IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
  HAVING sum(m.sgn * w.quantity) <> 0 OR sum(m.sgn) <> 0;
  INSERT INTO report_waste_orders_delta(branch_id, partner_id, sig, days, n)
  SELECT branch_id, partner_id, sig, report_sig_days(sig), sum(sgn)
    FROM (SELECT m.branch_id, m.partner_id, m.sgn,
                 ARRAY(SELECT DISTINCT report_waste_key(w.collected_at, w.status) FROM waste_pickups w
                        WHERE w.order_id = m.id AND w.collected_at IS NOT NULL ORDER BY 1) AS sig
            FROM unnest(ids, branches, partners, signs) m(id, branch_id, partner_id, sgn)) x
   WHERE cardinality(sig) > 0
   GROUP BY 1, 2, 3
  HAVING sum(sgn) <> 0;
END $$;

-- Pick-ups written: their old rows out, their new rows in, each under its order's current keys if that order is
-- live (an order being deleted has already taken its pick-ups out, report_orders_before_delete). Signatures of
-- the orders touched: the one before the statement (now's rows, minus the written ones, plus their old versions)
-- out, the one now in.
CREATE FUNCTION report_waste_apply(olds waste_pickups[], news waste_pickups[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO report_waste_delta(day, branch_id, partner_id, code, status, quantity, pickups)
  SELECT (w.collected_at AT TIME ZONE 'Asia/Seoul')::date, o.branch_id, o.partner_id, w.code, w.status,
         sum(w.sgn * w.quantity), sum(w.sgn)
    FROM (SELECT -1 AS sgn, u.order_id, u.order_created_at, u.collected_at, u.code, u.status, u.quantity FROM unnest(olds) u
          UNION ALL
          SELECT 1, u.order_id, u.order_created_at, u.collected_at, u.code, u.status, u.quantity FROM unnest(news) u) w
    JOIN orders o ON o.id = w.order_id AND o.created_at = w.order_created_at AND o.deleted_at IS NULL
   WHERE w.collected_at IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
  HAVING sum(w.sgn * w.quantity) <> 0 OR sum(w.sgn) <> 0;

  INSERT INTO report_waste_orders_delta(branch_id, partner_id, sig, days, n)
  SELECT branch_id, partner_id, sig, report_sig_days(sig), sum(sgn)
    FROM (SELECT o.branch_id, o.partner_id, s.sgn, s.sig
            FROM orders o
            CROSS JOIN LATERAL (
              SELECT -1 AS sgn, ARRAY(
                       SELECT DISTINCT report_waste_key(b.collected_at, b.status)
                         FROM (SELECT w.collected_at, w.status FROM waste_pickups w
                                WHERE w.order_id = o.id AND w.id <> ALL (ARRAY(SELECT u.id FROM unnest(news) u))
                               UNION ALL
                               SELECT u.collected_at, u.status FROM unnest(olds) u WHERE u.order_id = o.id) b
                        WHERE b.collected_at IS NOT NULL ORDER BY 1) AS sig
              UNION ALL
              SELECT 1, ARRAY(SELECT DISTINCT report_waste_key(w.collected_at, w.status) FROM waste_pickups w
                               WHERE w.order_id = o.id AND w.collected_at IS NOT NULL ORDER BY 1)) s
           WHERE (o.id, o.created_at) IN (SELECT u.order_id, u.order_created_at FROM unnest(olds) u
                                          UNION SELECT u.order_id, u.order_created_at FROM unnest(news) u)
             AND o.deleted_at IS NULL) x
   WHERE cardinality(sig) > 0
   GROUP BY 1, 2, 3
  HAVING sum(sgn) <> 0;
END $$;

CREATE FUNCTION report_waste_pickups_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM report_waste_apply('{}', ARRAY(SELECT ROW(n.*)::waste_pickups FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM report_waste_apply(ARRAY(SELECT ROW(o.*)::waste_pickups FROM old_rows o), '{}');
  ELSE
    -- most updates (a version touch, the partner copied from the order) change nothing a report counts
    IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                    WHERE (o.order_id, o.code, o.quantity, o.status, o.collected_at)
                          IS DISTINCT FROM (n.order_id, n.code, n.quantity, n.status, n.collected_at)) THEN
      RETURN NULL;
    END IF;
    PERFORM report_waste_apply(ARRAY(SELECT ROW(o.*)::waste_pickups FROM old_rows o), ARRAY(SELECT ROW(n.*)::waste_pickups FROM new_rows n));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_report_i AFTER INSERT ON waste_pickups REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_waste_pickups_changed();
CREATE TRIGGER trg_report_u AFTER UPDATE ON waste_pickups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_waste_pickups_changed();
CREATE TRIGGER trg_report_d AFTER DELETE ON waste_pickups REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_waste_pickups_changed();

-- Orders written: progress cells of the old rows out, of the new rows in (live rows only); the waste of orders
-- whose (live, branch, partner) changed moves with them.
CREATE FUNCTION report_orders_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  m record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_progress_delta(by_appointment, day, branch_id, partner_id, status, n)
    SELECT k.by_appointment, k.day, o.branch_id, o.partner_id, o.status, count(*)
      FROM new_rows o JOIN branches b ON b.id = o.branch_id
      CROSS JOIN LATERAL (VALUES (false, (o.created_at AT TIME ZONE b.timezone)::date), (true, o.appointment_date))
                 k(by_appointment, day)
     WHERE o.deleted_at IS NULL AND k.day IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO report_progress_delta(by_appointment, day, branch_id, partner_id, status, n)
    SELECT k.by_appointment, k.day, o.branch_id, o.partner_id, o.status, -count(*)
      FROM old_rows o JOIN branches b ON b.id = o.branch_id
      CROSS JOIN LATERAL (VALUES (false, (o.created_at AT TIME ZONE b.timezone)::date), (true, o.appointment_date))
                 k(by_appointment, day)
     WHERE o.deleted_at IS NULL AND k.day IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
  END IF;
  -- An edit that moves no order between cells (remarks, address, installer, a push's edits) costs this probe.
  IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                  WHERE (o.status, o.branch_id, o.partner_id, o.appointment_date, o.deleted_at IS NULL)
                        IS DISTINCT FROM (n.status, n.branch_id, n.partner_id, n.appointment_date, n.deleted_at IS NULL)) THEN
    RETURN NULL;
  END IF;
  INSERT INTO report_progress_delta(by_appointment, day, branch_id, partner_id, status, n)
  SELECT k.by_appointment, k.day, o.branch_id, o.partner_id, o.status, sum(o.sgn)
    FROM (SELECT -1 AS sgn, r.branch_id, r.partner_id, r.status, r.created_at, r.appointment_date
            FROM old_rows r WHERE r.deleted_at IS NULL
          UNION ALL
          SELECT 1, r.branch_id, r.partner_id, r.status, r.created_at, r.appointment_date
            FROM new_rows r WHERE r.deleted_at IS NULL) o
    JOIN branches b ON b.id = o.branch_id
    CROSS JOIN LATERAL (VALUES (false, (o.created_at AT TIME ZONE b.timezone)::date), (true, o.appointment_date))
               k(by_appointment, day)
   WHERE k.day IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
  HAVING sum(o.sgn) <> 0;

  SELECT array_agg(x.id) AS ids, array_agg(x.branch_id) AS branches, array_agg(x.partner_id) AS partners,
         array_agg(x.sgn) AS signs INTO m
    FROM (SELECT o.id, o.branch_id, o.partner_id, -1 AS sgn
            FROM old_rows o JOIN new_rows n ON n.id = o.id
           WHERE o.deleted_at IS NULL
             AND (n.deleted_at IS NOT NULL OR (n.branch_id, n.partner_id) IS DISTINCT FROM (o.branch_id, o.partner_id))
          UNION ALL
          SELECT n.id, n.branch_id, n.partner_id, 1
            FROM old_rows o JOIN new_rows n ON n.id = o.id
           WHERE n.deleted_at IS NULL
             AND (o.deleted_at IS NOT NULL OR (n.branch_id, n.partner_id) IS DISTINCT FROM (o.branch_id, o.partner_id))) x;
  IF m.ids IS NOT NULL THEN
    PERFORM report_waste_shift(m.ids, m.branches, m.partners, m.signs);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_report_i AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_orders_changed();
CREATE TRIGGER trg_report_u AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_orders_changed();
CREATE TRIGGER trg_report_d AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_orders_changed();

-- A deleted order's pick-ups go with it (ON DELETE CASCADE), after which they can no longer be tied to the order's
-- keys: its waste is taken out while they are still there. Named to run after every other BEFORE trigger, so a
-- trigger that skips the delete cannot leave this one's delta behind.
CREATE FUNCTION report_orders_before_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF OLD.deleted_at IS NULL THEN
    PERFORM report_waste_shift(ARRAY[OLD.id], ARRAY[OLD.branch_id], ARRAY[OLD.partner_id], ARRAY[-1]);
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER trg_zz_report_delete BEFORE DELETE ON orders FOR EACH ROW EXECUTE FUNCTION report_orders_before_delete();

-- A branch's time zone decides the creation day of its orders: changing it moves them between days.
CREATE FUNCTION report_branch_timezone() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO report_progress_delta(by_appointment, day, branch_id, partner_id, status, n)
  SELECT false, k.day, o.branch_id, o.partner_id, o.status, sum(k.sgn)
    FROM orders o
    CROSS JOIN LATERAL (VALUES (-1, (o.created_at AT TIME ZONE OLD.timezone)::date),
                               (1, (o.created_at AT TIME ZONE NEW.timezone)::date)) k(sgn, day)
   WHERE o.branch_id = NEW.id AND o.deleted_at IS NULL
   GROUP BY 2, 3, 4, 5
  HAVING sum(k.sgn) <> 0;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_report_timezone AFTER UPDATE OF timezone ON branches FOR EACH ROW
  WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION report_branch_timezone();

-- Adds the deltas into the rollups: called in the background (server/jobs), and safe to call any time from
-- anywhere (one folder at a time; a concurrent call returns false at once). Deltas committed after it starts
-- are left for the next call. Readers see either all of a fold or none of it.
CREATE FUNCTION report_fold() RETURNS boolean
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
GRANT EXECUTE ON FUNCTION report_fold() TO dispatch_app;

-- Everything again from the tables (after a bulk load without triggers, or to repair).
CREATE FUNCTION report_rebuild() RETURNS void
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

-- Before a monthly partition is archived (db/maintenance/archive-orders.ts, triggers off): its live orders and
-- their waste leave the rollups.
CREATE FUNCTION report_forget_partition(part regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  m record;
BEGIN
  EXECUTE format($q$
    INSERT INTO report_progress_delta(by_appointment, day, branch_id, partner_id, status, n)
    SELECT k.by_appointment, k.day, o.branch_id, o.partner_id, o.status, -count(*)
      FROM %s o JOIN branches b ON b.id = o.branch_id
      CROSS JOIN LATERAL (VALUES (false, (o.created_at AT TIME ZONE b.timezone)::date), (true, o.appointment_date))
                 k(by_appointment, day)
     WHERE o.deleted_at IS NULL AND k.day IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5$q$, part);
  EXECUTE format('SELECT array_agg(id) AS ids, array_agg(branch_id) AS branches, array_agg(partner_id) AS partners
                    FROM %s WHERE deleted_at IS NULL', part) INTO m;
  IF m.ids IS NOT NULL THEN
    PERFORM report_waste_shift(m.ids, m.branches, m.partners, array_fill(-1, ARRAY[cardinality(m.ids)]));
  END IF;
END $$;

SELECT report_rebuild();

-- Down Migration
DROP FUNCTION IF EXISTS report_forget_partition(regclass);
DROP FUNCTION IF EXISTS report_rebuild();
DROP FUNCTION IF EXISTS report_fold();
DROP TRIGGER IF EXISTS trg_report_timezone ON branches;
DROP FUNCTION IF EXISTS report_branch_timezone();
DROP TRIGGER IF EXISTS trg_zz_report_delete ON orders;
DROP FUNCTION IF EXISTS report_orders_before_delete();
DROP TRIGGER IF EXISTS trg_report_i ON orders;
DROP TRIGGER IF EXISTS trg_report_u ON orders;
DROP TRIGGER IF EXISTS trg_report_d ON orders;
DROP FUNCTION IF EXISTS report_orders_changed();
DROP TRIGGER IF EXISTS trg_report_i ON waste_pickups;
DROP TRIGGER IF EXISTS trg_report_u ON waste_pickups;
DROP TRIGGER IF EXISTS trg_report_d ON waste_pickups;
DROP FUNCTION IF EXISTS report_waste_pickups_changed();
DROP FUNCTION IF EXISTS report_waste_apply(waste_pickups[], waste_pickups[]);
DROP FUNCTION IF EXISTS report_waste_shift(uuid[], uuid[], uuid[], int[]);
DROP FUNCTION IF EXISTS report_sig_days(text[]);
DROP FUNCTION IF EXISTS report_waste_key(timestamptz, text);
DROP TABLE IF EXISTS report_progress, report_progress_delta, report_waste, report_waste_delta, report_waste_orders,
  report_waste_orders_delta;
