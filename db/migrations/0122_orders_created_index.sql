-- Up Migration
-- The order list's default order is newest first (sort=-createdAt), and HQ may list every branch without a
-- filter. No index of orders starts with created_at (each one starts with a branch, partner, customer, …), so that
-- page sorted every live order of every month: 4.7–5.6 s on 1M orders (npm run bench:plans, shape L01). With
-- (created_at, id) — the list's order and its tie-break, also the keyset of its cursors — each month's index is
-- read backwards and merged, and the scan stops after the page. Partial like the other list indexes.
CREATE INDEX idx_orders_created ON orders(created_at, id) WHERE deleted_at IS NULL;

-- Down Migration
DROP INDEX IF EXISTS idx_orders_created;
