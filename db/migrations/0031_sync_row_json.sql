-- Up Migration
-- One mirrored row as the pull delivers it (to_jsonb without change_xid, timestamps in UTC), for the push's
-- answers. The function carries its own TimeZone (the application role's sessions run in Asia/Seoul since 0045),
-- so the push can build its answer inside the statement that records it, without a round trip to switch zones.
-- It runs with the caller's rights: row-level security decides whether the row is returned. An order is found
-- through order_numbers, so only its own partition is read.
CREATE FUNCTION sync_row(p_entity text, p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
DECLARE r jsonb;
BEGIN
  IF p_entity = 'orders' THEN
    SELECT to_jsonb(t) - 'change_xid' INTO r FROM orders t
     WHERE t.id = p_id::uuid
       AND t.created_at = (SELECT n.order_created_at FROM order_numbers n WHERE n.order_id = p_id::uuid);
  ELSIF p_entity = 'waste_codes' THEN
    SELECT to_jsonb(t) - 'change_xid' INTO r FROM waste_codes t WHERE t.code = p_id;
  ELSIF p_entity IN ('branches', 'partners', 'reason_codes', 'item_skill_rules', 'installers', 'settlement_periods',
                     'order_lines', 'order_status_history', 'appointments', 'split_orders', 'waste_pickups',
                     'serial_numbers', 'attachments', 'notifications') THEN
    EXECUTE format('SELECT to_jsonb(t) - ''change_xid'' FROM %I t WHERE t.id = $1', p_entity) INTO r USING p_id::uuid;
  ELSE
    RAISE EXCEPTION 'sync_row: % is not a mirrored table', p_entity USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN r;
END $$;
GRANT EXECUTE ON FUNCTION sync_row(text, text) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS sync_row(text, text);
