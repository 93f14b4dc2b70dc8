-- Up Migration
-- FR-16 (고객 이력) by name for a branch manager: the history is asked by exact name, newest first, LIMIT 100, and
-- row-level security keeps the manager's branch. The only index on the name, idx_orders_customer_date_covering
-- (customer_name, created_at DESC), holds every branch's namesakes, so a manager's plan read them all in date order
-- and the policy threw away the other branches' — after a heap visit each, as the policy needs partner_id. Names
-- recur (the generator draws them from a few thousand; so does Korea), so the rows read grew with the orders:
-- PostgreSQL CPU per request ×2.2 from 1M to 10M orders, a manager's p95 137 ms at 10M (docs/performance.md).
--
-- With the branch after the name, a manager's query (server/customers: `o.branch_id = $3`, the manager's own
-- branch, the same the policy keeps) is one index range per month in (created_at, id) order: the months are merged
-- and the scans stop at the page, so the rows read are the answer plus at most one per month, whatever the data.
-- id is in the key so the merge yields the query's own order (created_at DESC, id DESC) without a sort above it.
-- HQ keeps the first index (every branch, in date order). Only branch managers and HQ may ask (domain/roles.ts).
CREATE INDEX idx_orders_customer_branch ON orders(customer_name, branch_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;

-- Down Migration
DROP INDEX IF EXISTS idx_orders_customer_branch;
