-- Up Migration
-- audit_row() of 0005 names the table by TG_TABLE_NAME, which for the partitioned orders table is the partition
-- (orders_2026_11): audit rows of orders got that name and no order_id, so an order's audit trail could not be
-- found by table 'orders' or by order. The function now logs the partitioned table's own name. Rows already
-- written that way are corrected.
CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  old_j jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  new_j jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  row_j jsonb := coalesce(new_j, old_j);
  -- bookkeeping columns and secrets never go into a diff
  skip text[] := ARRAY['updated_at', 'change_xid', 'password_hash'];
  d jsonb;
  v_order uuid;
  v_branch uuid;
  -- A row trigger on a partitioned table fires with the partition's name (orders_2026_11): log the table.
  v_table text := coalesce((SELECT c.relname::text FROM pg_class c WHERE c.oid = pg_partition_root(TG_RELID)),
                           TG_TABLE_NAME);
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('old', old_j -> n.key, 'new', n.value)), '{}'::jsonb)
      INTO d
      FROM jsonb_each(new_j) n
     WHERE n.key <> ALL (skip) AND n.value IS DISTINCT FROM old_j -> n.key;
    IF d = '{}'::jsonb OR d ?& ARRAY['version'] AND (SELECT count(*) FROM jsonb_object_keys(d)) = 1 THEN
      RETURN NULL;   -- nothing but bookkeeping changed
    END IF;
  ELSE
    d := row_j - skip;
  END IF;

  v_order := CASE WHEN v_table = 'orders' THEN (row_j ->> 'id')::uuid
                  WHEN v_table = 'split_orders' THEN (row_j ->> 'parent_order_id')::uuid
                  ELSE (row_j ->> 'order_id')::uuid END;
  v_branch := (row_j ->> 'branch_id')::uuid;
  IF v_branch IS NULL AND v_order IS NOT NULL THEN
    SELECT branch_id INTO v_branch FROM orders WHERE id = v_order;
  END IF;

  INSERT INTO audit_logs(table_name, record_id, action, diff, actor_id, branch_id, order_id, note)
  VALUES (v_table, (row_j ->> 'id')::uuid, TG_OP, d, app_user_id(), v_branch, v_order,
          nullif(current_setting('app.audit_note', true), ''));
  RETURN NULL;
END $$;

UPDATE audit_logs a
   SET table_name = c.relname, order_id = CASE WHEN c.relname = 'orders' THEN a.record_id ELSE a.order_id END
  FROM pg_class p JOIN pg_class c ON c.oid = pg_partition_root(p.oid)
 WHERE p.relname = a.table_name AND p.relispartition AND p.relkind IN ('r', 'p');

-- Down Migration
CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  old_j jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  new_j jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  row_j jsonb := coalesce(new_j, old_j);
  -- bookkeeping columns and secrets never go into a diff
  skip text[] := ARRAY['updated_at', 'change_xid', 'password_hash'];
  d jsonb;
  v_order uuid;
  v_branch uuid;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('old', old_j -> n.key, 'new', n.value)), '{}'::jsonb)
      INTO d
      FROM jsonb_each(new_j) n
     WHERE n.key <> ALL (skip) AND n.value IS DISTINCT FROM old_j -> n.key;
    IF d = '{}'::jsonb OR d ?& ARRAY['version'] AND (SELECT count(*) FROM jsonb_object_keys(d)) = 1 THEN
      RETURN NULL;   -- nothing but bookkeeping changed
    END IF;
  ELSE
    d := row_j - skip;
  END IF;

  v_order := CASE WHEN TG_TABLE_NAME = 'orders' THEN (row_j ->> 'id')::uuid
                  WHEN TG_TABLE_NAME = 'split_orders' THEN (row_j ->> 'parent_order_id')::uuid
                  ELSE (row_j ->> 'order_id')::uuid END;
  v_branch := (row_j ->> 'branch_id')::uuid;
  IF v_branch IS NULL AND v_order IS NOT NULL THEN
    SELECT branch_id INTO v_branch FROM orders WHERE id = v_order;
  END IF;

  INSERT INTO audit_logs(table_name, record_id, action, diff, actor_id, branch_id, order_id, note)
  VALUES (TG_TABLE_NAME, (row_j ->> 'id')::uuid, TG_OP, d, app_user_id(), v_branch, v_order,
          nullif(current_setting('app.audit_note', true), ''));
  RETURN NULL;
END $$;
