-- Up Migration
-- The client's window (docs/sync-protocol.md, "The window"): a branch client mirrors the orders that are open or
-- were written in the last N months. A snapshot pages them in two parts, each along an index of its own, so that
-- it never walks the branch's whole history (at 10M orders, 서울 holds 2.4M orders; its window ≈ 340k):
--   * open orders last written before the window: by id, on the open statuses only (about 2 % of old orders);
--   * orders written since the window began: by (updated_at, id) — updated_at only grows (touch_row), so an order
--     written while the snapshot pages moves ahead of the page being read and is still reached.
-- The status list is domain/order-status.ts OPEN_STATUSES (test/sync/window.test.ts compares them).
CREATE INDEX idx_orders_sync_open ON orders(id)
  WHERE status IN ('미배정', '배정', '배정확정', '출고확정', '출문', '연기', '부재');
CREATE INDEX idx_orders_sync_written ON orders(updated_at, id);

-- Down Migration
DROP INDEX IF EXISTS idx_orders_sync_written;
DROP INDEX IF EXISTS idx_orders_sync_open;
