-- Up Migration
-- A row trigger on a partitioned table runs on the partition, so TG_TABLE_NAME was 'orders_2026_11' and not
-- 'orders': audit rows of orders could not be found by table name, and their order_id stayed NULL because the
-- "is this the orders table" test never matched (found by test/db/triggers.test.ts). The audit now records the
-- root of the partition tree. Rows already written are corrected.
CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  tbl text := coalesce(pg_partition_root(TG_RELID)::regclass::text, TG_TABLE_NAME);
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

  v_order := CASE WHEN tbl = 'orders' THEN (row_j ->> 'id')::uuid
                  WHEN tbl = 'split_orders' THEN (row_j ->> 'parent_order_id')::uuid
                  ELSE (row_j ->> 'order_id')::uuid END;
  v_branch := (row_j ->> 'branch_id')::uuid;
  IF v_branch IS NULL AND v_order IS NOT NULL THEN
    SELECT branch_id INTO v_branch FROM orders WHERE id = v_order;
  END IF;

  INSERT INTO audit_logs(table_name, record_id, action, diff, actor_id, branch_id, order_id, note)
  VALUES (tbl, (row_j ->> 'id')::uuid, TG_OP, d, app_user_id(), v_branch, v_order,
          nullif(current_setting('app.audit_note', true), ''));
  RETURN NULL;
END $$;

UPDATE audit_logs SET table_name = 'orders', order_id = coalesce(order_id, record_id)
 WHERE table_name ~ '^orders_([0-9]{4}_[0-9]{2}|default)$';

-- FR-11: the unread list must carry each notification's id (the client marks it read by id), and the index did
-- not include it, so the list was a bitmap heap scan instead of an index-only scan (found by
-- test/db/query-plans.test.ts).
DROP INDEX idx_notifications_user_read_date;
CREATE INDEX idx_notifications_user_read_date ON notifications(user_id, status, created_at DESC)
  INCLUDE (id, payload, order_id, category);

-- Down Migration
-- The corrected audit function stays: restoring the partition names would only bring the bug back.
DROP INDEX idx_notifications_user_read_date;
CREATE INDEX idx_notifications_user_read_date ON notifications(user_id, status, created_at DESC)
  INCLUDE (payload, order_id, category);
