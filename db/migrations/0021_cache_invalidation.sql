-- Up Migration
-- Cache invalidation scopes (server/cache). Every write to a table whose rows feed a cached answer records, in the
-- transaction-local setting app.cache_touched, the scopes it changed:
--   b:<branch id>   orders, order lines and installers of that branch (KPI, assignable installers)
--   all             any of those, in any branch (answers spanning branches: HQ without a branch, partners)
--   cn:<md5(name)>  orders and lines of a customer by name; cp:<md5(phone)> by phone (customer history)
--   ref             reference data: branches, partners, item-skill rules, reason codes, waste codes
--   *               too many to list: everything
-- The server reads the setting just before COMMIT and bumps those scopes' generation numbers after it, so no
-- write path (REST, sync push, a trigger cascading into another table) can forget to invalidate.
-- Statement-level triggers with transition tables: one call per statement, not per row.

CREATE FUNCTION cache_touch(scopes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cur text := coalesce(current_setting('app.cache_touched', true), '');
  merged text[];
BEGIN
  IF cur = '*' OR scopes IS NULL OR cardinality(scopes) = 0 THEN RETURN; END IF;
  merged := ARRAY(SELECT DISTINCT s FROM unnest(string_to_array(nullif(cur, ''), ',') || scopes) s
                   WHERE s IS NOT NULL ORDER BY s);
  PERFORM set_config('app.cache_touched', CASE WHEN cardinality(merged) > 200 THEN '*' ELSE array_to_string(merged, ',') END, true);
END $$;

-- Scopes of a set of order rows.
CREATE FUNCTION cache_order_scopes(branch_ids uuid[], names text[], phones text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['all']
      || ARRAY(SELECT DISTINCT 'b:' || b FROM unnest(branch_ids) b WHERE b IS NOT NULL)
      || ARRAY(SELECT DISTINCT 'cn:' || md5(n) FROM unnest(names) n WHERE n IS NOT NULL)
      || ARRAY(SELECT DISTINCT 'cp:' || md5(p) FROM unnest(phones) p WHERE p IS NOT NULL)
$$;

CREATE FUNCTION orders_cache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER trg_cache_i AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION orders_cache_touch();
CREATE TRIGGER trg_cache_u AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION orders_cache_touch();
CREATE TRIGGER trg_cache_d AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION orders_cache_touch();

-- Lines change the item summaries of customer history: the scopes of their orders (owner rights, so an order the
-- writer's row-level security hides, e.g. the old order of a moved line, is still found).
CREATE FUNCTION order_lines_cache_touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE ids uuid[];
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN ids := ARRAY(SELECT order_id FROM new_rows); END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN ids := coalesce(ids, '{}') || ARRAY(SELECT order_id FROM old_rows); END IF;
  PERFORM cache_touch(cache_order_scopes(ARRAY(SELECT branch_id FROM orders WHERE id = ANY(ids)),
    ARRAY(SELECT customer_name FROM orders WHERE id = ANY(ids)), ARRAY(SELECT customer_phone FROM orders WHERE id = ANY(ids))));
  RETURN NULL;
END $$;
CREATE TRIGGER trg_cache_i AFTER INSERT ON order_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION order_lines_cache_touch();
CREATE TRIGGER trg_cache_u AFTER UPDATE ON order_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION order_lines_cache_touch();
CREATE TRIGGER trg_cache_d AFTER DELETE ON order_lines REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION order_lines_cache_touch();

CREATE FUNCTION installers_cache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM cache_touch(ARRAY['all'] || ARRAY(SELECT DISTINCT 'b:' || branch_id FROM new_rows));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM cache_touch(ARRAY['all'] || ARRAY(SELECT DISTINCT 'b:' || branch_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_cache_i AFTER INSERT ON installers REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION installers_cache_touch();
CREATE TRIGGER trg_cache_u AFTER UPDATE ON installers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION installers_cache_touch();
CREATE TRIGGER trg_cache_d AFTER DELETE ON installers REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION installers_cache_touch();

CREATE FUNCTION reference_cache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cache_touch(ARRAY['ref']);
  RETURN NULL;
END $$;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['branches', 'partners', 'item_skill_rules', 'reason_codes', 'waste_codes'] LOOP
    EXECUTE format('CREATE TRIGGER trg_cache AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT EXECUTE FUNCTION reference_cache_touch()', t);
  END LOOP;
END $$;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO dispatch_app;

-- Down Migration
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['branches', 'partners', 'item_skill_rules', 'reason_codes', 'waste_codes'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS trg_cache ON %I', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['orders', 'order_lines', 'installers'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS trg_cache_i ON %I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS trg_cache_u ON %I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS trg_cache_d ON %I', t);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS reference_cache_touch(), installers_cache_touch(), order_lines_cache_touch(), orders_cache_touch();
DROP FUNCTION IF EXISTS cache_order_scopes(uuid[], text[], text[]), cache_touch(text[]);
