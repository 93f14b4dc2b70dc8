-- Up Migration
-- Measured on 1M orders (scripts/bench/status-write.ts): the scope-note trigger of order_status_history (0091)
-- cost 11 ms per status change. It looked orders up by id alone, which no partition bound prunes: each call was
-- planned over every partition of orders (29 × their indexes) when the session plans custom plans, and even a
-- cached plan probes every partition. Looked up by (id, created_at) one row at a time (a nested loop whose inner
-- side prunes to the row's partition at run time), under a generic plan kept for the session, the lookup
-- touches one partition per order and is planned once per connection. The same for the waste rollup's lookup
-- of the pick-ups' orders (0090).
CREATE OR REPLACE FUNCTION sync_note_order_children() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  ids uuid[] := '{}';
  created timestamptz[] := '{}';
BEGIN
  IF TG_TABLE_NAME = 'split_orders' THEN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      SELECT ids || array_agg(k.id), created || array_agg(k.c) INTO ids, created
        FROM (SELECT r.parent_order_id AS id, r.parent_order_created_at AS c FROM new_rows r
              UNION SELECT r.child_order_id, r.child_order_created_at FROM new_rows r) k;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      SELECT ids || array_agg(k.id), created || array_agg(k.c) INTO ids, created
        FROM (SELECT r.parent_order_id AS id, r.parent_order_created_at AS c FROM old_rows r
              UNION SELECT r.child_order_id, r.child_order_created_at FROM old_rows r) k;
    END IF;
  ELSE
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      SELECT ids || array_agg(k.id), created || array_agg(k.c) INTO ids, created
        FROM (SELECT DISTINCT r.order_id AS id, r.order_created_at AS c FROM new_rows r) k;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      SELECT ids || array_agg(k.id), created || array_agg(k.c) INTO ids, created
        FROM (SELECT DISTINCT r.order_id AS id, r.order_created_at AS c FROM old_rows r) k;
    END IF;
  END IF;
  IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN NULL; END IF;
  PERFORM sync_note_scopes(ARRAY(
    SELECT unnest(sync_order_scope_keys(o.branch_id, o.partner_id, o.installer_id))
      FROM unnest(ids, created) k(id, created_at)
      CROSS JOIN LATERAL (SELECT o.branch_id, o.partner_id, o.installer_id FROM orders o
                           WHERE o.id = k.id AND o.created_at = k.created_at) o));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_waste_apply(olds waste_pickups[], news waste_pickups[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  INSERT INTO report_waste_delta(day, branch_id, partner_id, code, status, quantity, pickups)
  SELECT (w.collected_at AT TIME ZONE 'Asia/Seoul')::date, o.branch_id, o.partner_id, w.code, w.status,
         sum(w.sgn * w.quantity), sum(w.sgn)
    FROM (SELECT -1 AS sgn, u.order_id, u.order_created_at, u.collected_at, u.code, u.status, u.quantity FROM unnest(olds) u
          UNION ALL
          SELECT 1, u.order_id, u.order_created_at, u.collected_at, u.code, u.status, u.quantity FROM unnest(news) u) w
    CROSS JOIN LATERAL (SELECT o.branch_id, o.partner_id FROM orders o
                         WHERE o.id = w.order_id AND o.created_at = w.order_created_at AND o.deleted_at IS NULL) o
   WHERE w.collected_at IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
  HAVING sum(w.sgn * w.quantity) <> 0 OR sum(w.sgn) <> 0;

  INSERT INTO report_waste_orders_delta(branch_id, partner_id, sig, days, n)
  SELECT branch_id, partner_id, sig, report_sig_days(sig), sum(sgn)
    FROM (SELECT o.branch_id, o.partner_id, s.sgn, s.sig
            FROM (SELECT u.order_id, u.order_created_at FROM unnest(olds) u
                  UNION SELECT u.order_id, u.order_created_at FROM unnest(news) u) k
            CROSS JOIN LATERAL (SELECT o.id, o.branch_id, o.partner_id FROM orders o
                                 WHERE o.id = k.order_id AND o.created_at = k.order_created_at AND o.deleted_at IS NULL) o
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
                               WHERE w.order_id = o.id AND w.collected_at IS NOT NULL ORDER BY 1)) s) x
   WHERE cardinality(sig) > 0
   GROUP BY 1, 2, 3
  HAVING sum(sgn) <> 0;
END $$;

-- The other trigger functions of 0090/0091 read no partitioned table by a key that could not prune; their plans
-- are kept for the session all the same, as the server's connections keep every plan (server/db/pool.ts).
ALTER FUNCTION report_orders_changed() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION report_waste_shift(uuid[], uuid[], uuid[], int[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sync_note_orders() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION sync_note_scopes(text[]) SET plan_cache_mode = force_generic_plan;

-- Down Migration
ALTER FUNCTION sync_note_scopes(text[]) RESET plan_cache_mode;
ALTER FUNCTION sync_note_orders() RESET plan_cache_mode;
ALTER FUNCTION report_waste_shift(uuid[], uuid[], uuid[], int[]) RESET plan_cache_mode;
ALTER FUNCTION report_orders_changed() RESET plan_cache_mode;
