-- Up Migration
-- FR-07 (waste totals) leaves out pick-ups of soft-deleted orders. Asked as "the order exists and is not deleted",
-- the planner answered it with a hash join over every live order of every partition (1M orders: 1.3 s per
-- request; npm run bench:api). Asked the other way round, "no deleted order" (server/waste/waste.repository.ts),
-- it needs only the deleted orders — a handful — and this partial index finds them without reading the table
-- (it carries the columns the orders policy reads, so under RLS too it is an index-only scan).
CREATE INDEX idx_orders_deleted ON orders(id, created_at) INCLUDE (branch_id, partner_id, installer_id)
  WHERE deleted_at IS NOT NULL;

-- Down Migration
DROP INDEX idx_orders_deleted;
