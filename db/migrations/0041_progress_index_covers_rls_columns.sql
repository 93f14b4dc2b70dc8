-- Up Migration
-- FR-08 (progress overview) reads status and created_at of a branch's orders in a date range, and the orders
-- policy (0006) reads branch_id, partner_id and installer_id of every row it lets through. The covering index
-- of 0003 lacked partner_id, so for dispatch_app — the only role the server uses — the query could never be an
-- index-only scan: it went to the heap for every order of the range (bitmap heap scan), while the owner, whom
-- RLS does not filter, got the index-only scan. Rebuilt with partner_id (same name, same key).
-- Note for large installations: on a partitioned table PostgreSQL 15 cannot build the parent index
-- CONCURRENTLY; this blocks writes to orders while it builds (seconds per million orders).
DROP INDEX idx_orders_branch_date_covering;
CREATE INDEX idx_orders_branch_date_covering ON orders(branch_id, created_at DESC)
  INCLUDE (status, installer_id, partner_id, customer_name) WHERE deleted_at IS NULL;

-- Down Migration
DROP INDEX idx_orders_branch_date_covering;
CREATE INDEX idx_orders_branch_date_covering ON orders(branch_id, created_at DESC)
  INCLUDE (status, installer_id, customer_name) WHERE deleted_at IS NULL;
