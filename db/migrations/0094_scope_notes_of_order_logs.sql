-- Up Migration
-- A status change writes the order and its history row; the history row's scope note (0091, 0093) looked the
-- order up again (≈ 0.3–0.6 ms at load 10–20, scripts/bench/status-write.ts) to note the scopes that the order's
-- own note, in the same statement, notes anyway. Such rows, and appointment log rows, are no longer looked up.
CREATE OR REPLACE FUNCTION sync_note_order_children() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  ids uuid[] := '{}';
  created timestamptz[] := '{}';
BEGIN
  -- History and appointment rows are written only by the orders' own row triggers (0005), inside the order's
  -- statement, whose statement-level note (sync_note_orders, fired after the row triggers) notes the order's
  -- scopes in the same transaction: nothing to look up. A row written any other way (depth 1) is looked up.
  IF TG_TABLE_NAME IN ('order_status_history', 'appointments') AND pg_trigger_depth() > 1 THEN RETURN NULL; END IF;
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

-- Down Migration
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
