-- Up Migration
-- A snapshot page (server/sync/sync.service.ts) brings the children of its orders — lines, status history,
-- appointments, pick-ups, serials, attachments, happy calls, splits — by order id. Read as the caller, every child
-- row is checked by its table's policy, order_key_visible(order_id, order_created_at) (0121): a plpgsql call per
-- row that runs an orders lookup under the orders policy, whose four context getters (app_role() … each a sealed
-- context check, two sha256) run again on every call. That per-row check was most of the database's time of a
-- branch's first sync (docs/performance.md, "Round 6 (issue 16): the first sync's database time"): ≈ 60 ms for a
-- page's 830 lines against 14 ms for the same read without it, and so for every child table, in eight statements
-- per page (the history's over 29 monthly partitions, planned for each page's 625 ids).
--
-- Here the page's orders are proved visible once each and their children read by the order's key, in one
-- statement: the keys given are joined to orders and kept only when the orders policy's own expression holds
-- (order_visible over the sealed request context, as orders_scope has it; nothing when no context is sealed), and
-- a child comes only through such an order — exactly the children row-level security would show of those orders
-- (a child's policy is "HQ, or its order is visible"). Keys that are no order, or an order the caller may not see,
-- bring nothing. Owned by the migration role: a superuser (Debian's, the embedded cluster's) reads past FORCE ROW
-- LEVEL SECURITY; an owner that is not one reads under the policies as well, correct and as slow as before (as
-- order_text_matches, 0126). The rows come table by table (the order of ORDER_CHILDREN, then splits), each
-- by stamp, as the eight statements delivered them. Generic plan: nested loops from the page's keys into each
-- table's order index (runtime pruning to the order's month for orders), whatever the page's size.
CREATE FUNCTION sync_order_children(p_ids uuid[], p_created timestamptz[])
RETURNS TABLE (entity text, id text, version integer, "row" text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_role text := app_role();
  v_branch uuid := app_branch_id();
  v_partner uuid := app_partner_id();
  v_installer uuid := app_installer_id();
BEGIN
  RETURN QUERY
  WITH k AS MATERIALIZED (
    SELECT o.id, o.created_at
      FROM unnest(p_ids, p_created) AS u(id, created_at)
      JOIN orders o ON o.id = u.id AND o.created_at = u.created_at
     WHERE order_visible(o.branch_id, o.partner_id, o.installer_id, v_role, v_branch, v_partner, v_installer)
  ), c AS (
    SELECT 1 AS n, t.change_xid AS x, t.id AS cid, t.version AS v, (to_jsonb(t) - 'change_xid')::text AS r
      FROM k JOIN order_lines t ON t.order_id = k.id AND t.order_created_at = k.created_at
    UNION ALL
    SELECT 2, t.change_xid, t.id, NULL::int, (to_jsonb(t) - 'change_xid')::text
      FROM k JOIN order_status_history t ON t.order_id = k.id AND t.order_created_at = k.created_at
    UNION ALL
    SELECT 3, t.change_xid, t.id, NULL::int, (to_jsonb(t) - 'change_xid')::text
      FROM k JOIN appointments t ON t.order_id = k.id AND t.order_created_at = k.created_at
    UNION ALL
    SELECT 4, t.change_xid, t.id, t.version, (to_jsonb(t) - 'change_xid')::text
      FROM k JOIN waste_pickups t ON t.order_id = k.id AND t.order_created_at = k.created_at
    UNION ALL
    SELECT 5, t.change_xid, t.id, t.version, (to_jsonb(t) - 'change_xid')::text
      FROM k JOIN serial_numbers t ON t.order_id = k.id AND t.order_created_at = k.created_at
    UNION ALL
    SELECT 6, t.change_xid, t.id, NULL::int, (to_jsonb(t) - 'change_xid')::text
      FROM k JOIN attachments t ON t.order_id = k.id AND t.order_created_at = k.created_at
    UNION ALL
    SELECT 7, t.change_xid, t.id, NULL::int, (to_jsonb(t) - 'change_xid')::text
      FROM k JOIN happy_calls t ON t.order_id = k.id AND t.order_created_at = k.created_at
    UNION ALL
    SELECT 8, t.change_xid, t.id, NULL::int, (to_jsonb(t) - 'change_xid')::text
      FROM k JOIN split_orders t ON t.parent_order_id = k.id AND t.parent_order_created_at = k.created_at
  )
  SELECT (ARRAY['order_lines', 'order_status_history', 'appointments', 'waste_pickups', 'serial_numbers',
                'attachments', 'happy_calls', 'split_orders'])[c.n], c.cid::text, c.v, c.r
    FROM c
   ORDER BY c.n, c.x, c.cid::text;
END $$;
REVOKE ALL ON FUNCTION sync_order_children(uuid[], timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_order_children(uuid[], timestamptz[]) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS sync_order_children(uuid[], timestamptz[]);
