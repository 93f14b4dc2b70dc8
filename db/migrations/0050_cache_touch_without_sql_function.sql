-- Up Migration
-- The orders' cache-scope trigger of 0021 cost ~0.35 ms per statement, a third of a one-row order update (the
-- sync push's whole database time is little more than that update): cache_order_scopes() is a LANGUAGE sql
-- function that cannot be inlined, so it was parsed and planned again on every call, twice per UPDATE (new
-- rows, old rows), and cache_touch() re-sorted and rewrote app.cache_touched each time. Here the scopes of new
-- and old rows are gathered in one plpgsql query (whose plan plpgsql keeps), and cache_touch() returns early when
-- every scope is listed already. What lands in app.cache_touched is the same set as before: 'all', then b:, cn:
-- and cp: of each row's branch, md5(name) and md5(phone), NULLs left out, '*' beyond 200 scopes.

CREATE OR REPLACE FUNCTION cache_touch(scopes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cur text := coalesce(current_setting('app.cache_touched', true), '');
  have text[] := string_to_array(nullif(cur, ''), ',');
  merged text[];
BEGIN
  IF cur = '*' OR scopes IS NULL OR cardinality(scopes) = 0 THEN RETURN; END IF;
  -- a push chunk or a bulk statement touches the same branch over and over
  IF have @> array_remove(scopes, NULL) THEN RETURN; END IF;
  merged := ARRAY(SELECT DISTINCT s FROM unnest(have || scopes) s WHERE s IS NOT NULL ORDER BY s);
  PERFORM set_config('app.cache_touched', CASE WHEN cardinality(merged) > 200 THEN '*' ELSE array_to_string(merged, ',') END, true);
END $$;

CREATE OR REPLACE FUNCTION orders_cache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text[];
BEGIN
  -- a transition table exists only for the operations that have it, hence one query per operation
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT v.x) INTO s FROM new_rows r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone))) v(x);
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT v.x) INTO s FROM old_rows r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone))) v(x);
  ELSE
    SELECT array_agg(DISTINCT v.x) INTO s
      FROM (SELECT branch_id, customer_name, customer_phone FROM new_rows
            UNION ALL SELECT branch_id, customer_name, customer_phone FROM old_rows) r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone))) v(x);
  END IF;
  PERFORM cache_touch('{all}' || s);
  RETURN NULL;
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION cache_touch(scopes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cur text := coalesce(current_setting('app.cache_touched', true), '');
  merged text[];
BEGIN
  IF cur = '*' OR scopes IS NULL OR cardinality(scopes) = 0 THEN RETURN; END IF;
  merged := ARRAY(SELECT DISTINCT s FROM unnest(string_to_array(nullif(cur, ''), ',') || scopes) s
                   WHERE s IS NOT NULL ORDER BY s);
  PERFORM set_config('app.cache_touched', CASE WHEN cardinality(merged) > 200 THEN '*' ELSE array_to_string(merged, ',') END, true);
END $$;

CREATE OR REPLACE FUNCTION orders_cache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM cache_touch(cache_order_scopes(ARRAY(SELECT branch_id FROM new_rows),
      ARRAY(SELECT customer_name FROM new_rows), ARRAY(SELECT customer_phone FROM new_rows)));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM cache_touch(cache_order_scopes(ARRAY(SELECT branch_id FROM old_rows),
      ARRAY(SELECT customer_name FROM old_rows), ARRAY(SELECT customer_phone FROM old_rows)));
  END IF;
  RETURN NULL;
END $$;
