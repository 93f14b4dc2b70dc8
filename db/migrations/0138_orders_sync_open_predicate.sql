-- Up Migration
-- idx_orders_sync_open (0133) had the open statuses written out as its predicate, so the order list's own status
-- filters (e.g. HQ's '미배정, 배정, 배정확정' of every branch, newest first) were proven to imply it: the planner
-- took the small partial index by id for the list and sorted the months' open orders instead of reading the
-- status index newest first (test/api/list-plans.test.ts, 0124). The window's snapshot asks "open?" through a
-- function of its own instead, which PostgreSQL cannot inline (plpgsql) and so matches only the same call: the
-- index serves the snapshot and nothing else. The status list is domain/order-status.ts OPEN_STATUSES
-- (test/sync/window.test.ts compares them).
CREATE FUNCTION order_sync_open(p_status text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN p_status IN ('미배정', '배정', '배정확정', '출고확정', '출문', '연기', '부재');
END $$;

DROP INDEX IF EXISTS idx_orders_sync_open;
CREATE INDEX idx_orders_sync_open ON orders(id) WHERE order_sync_open(status);

-- Down Migration
DROP INDEX IF EXISTS idx_orders_sync_open;
CREATE INDEX idx_orders_sync_open ON orders(id)
  WHERE status IN ('미배정', '배정', '배정확정', '출고확정', '출문', '연기', '부재');
DROP FUNCTION IF EXISTS order_sync_open(text);
