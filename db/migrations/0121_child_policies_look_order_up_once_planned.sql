-- Up Migration
-- The policies of the tables hanging off an order (0006, 0043) look the order up with an inline
-- EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id AND o.created_at = order_created_at). The order's month is
-- a value of the row being checked, so nothing prunes when the statement is planned: every statement that reads
-- a child table as a branch manager, coordinator or installer planned that lookup over every partition of orders
-- and their indexes, and locked them all (29 partitions × 13 indexes ≈ 380 locks). The order list's item summary
-- reads order_lines, so each list statement planned the partitions twice: 2/3 of its planning time on 1M orders
-- (npm run bench:plans). The lookup now lives in a plpgsql function: its one statement is planned once per
-- connection (a generic plan that prunes to the order's partition when it runs), and a statement using the policy
-- plans no partition of orders for it. Who sees what is unchanged: the lookup runs as the caller, under the orders
-- policy, as before; HQ still skips it (0043).
CREATE FUNCTION order_key_visible(p_id uuid, p_created_at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM orders o WHERE o.id = p_id AND o.created_at = p_created_at);
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['order_lines', 'order_status_history', 'appointments', 'waste_pickups', 'serial_numbers', 'attachments'] LOOP
    EXECUTE format($p$ALTER POLICY %I ON %I
      USING ((select app_role()) = 'HQ_ADMIN' OR order_key_visible(order_id, order_created_at))
      WITH CHECK ((select app_role()) = 'HQ_ADMIN' OR order_key_visible(order_id, order_created_at))$p$,
      t || '_scope', t);
  END LOOP;
END $$;
ALTER POLICY split_orders_scope ON split_orders
  USING ((select app_role()) = 'HQ_ADMIN' OR order_key_visible(parent_order_id, parent_order_created_at))
  WITH CHECK ((select app_role()) = 'HQ_ADMIN' OR order_key_visible(parent_order_id, parent_order_created_at));

-- Down Migration
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['order_lines', 'order_status_history', 'appointments', 'waste_pickups', 'serial_numbers', 'attachments'] LOOP
    EXECUTE format($p$ALTER POLICY %I ON %I
      USING ((select app_role()) = 'HQ_ADMIN'
             OR EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id AND o.created_at = order_created_at))
      WITH CHECK ((select app_role()) = 'HQ_ADMIN'
             OR EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id AND o.created_at = order_created_at))$p$,
      t || '_scope', t);
  END LOOP;
END $$;
ALTER POLICY split_orders_scope ON split_orders
  USING ((select app_role()) = 'HQ_ADMIN'
         OR EXISTS (SELECT 1 FROM orders o WHERE o.id = parent_order_id AND o.created_at = parent_order_created_at))
  WITH CHECK ((select app_role()) = 'HQ_ADMIN'
         OR EXISTS (SELECT 1 FROM orders o WHERE o.id = parent_order_id AND o.created_at = parent_order_created_at));
DROP FUNCTION order_key_visible(uuid, timestamptz);
