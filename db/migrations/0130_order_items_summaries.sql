-- Up Migration
-- Issue 16, FR-03 throughput. The order list's item summary was a sub-select of order_lines per listed order, and
-- order_lines' policy (0121) runs order_key_visible() for every line a branch manager, coordinator or installer
-- reads: one more statement over orders, with its own policy and the context getters (each a seal check: two
-- SHA-256), per line. For a manager's page that was about half of PostgreSQL's time of the list (EXPLAIN: 0.14 ms
-- per order of 2.1 ms; docs/performance.md, "Round 5 (issue 16): FR-03 throughput").
--
-- The summaries of a page now come from one call for all its orders. The function checks visibility once per
-- order, with the orders policy's own expression over the caller's sealed context (as order_text_matches does,
-- 0126), and reads the lines of the visible ones only: so it answers nothing the caller could not read through
-- order_lines itself, whoever calls it and with whatever keys. HQ reads every order as before. As the migration
-- owner it reads order_lines without that table's per-line policy; a owner that is no superuser (FORCE ROW LEVEL
-- SECURITY) still gets the same rows, only checked twice.
CREATE FUNCTION order_items_summaries(p_ids uuid[], p_created timestamptz[])
RETURNS TABLE (order_id uuid, items text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  -- planned once per connection: the keys are parameters, each probe prunes to its order's month when it runs
  RETURN QUERY
  SELECT o.id,
         string_agg(l.item_name || ' ' || l.item_code || ' ×' || l.quantity, ', ' ORDER BY l.created_at, l.id)
    FROM unnest(p_ids, p_created) AS k(id, created_at)
    JOIN orders o ON o.id = k.id AND o.created_at = k.created_at
    JOIN order_lines l ON l.order_id = o.id AND l.order_created_at = o.created_at
   WHERE order_visible(o.branch_id, o.partner_id, o.installer_id, (SELECT app_role()), (SELECT app_branch_id()),
                       (SELECT app_partner_id()), (SELECT app_installer_id()))
   GROUP BY o.id;
END $$;
REVOKE ALL ON FUNCTION order_items_summaries(uuid[], timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION order_items_summaries(uuid[], timestamptz[]) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS order_items_summaries(uuid[], timestamptz[]);
