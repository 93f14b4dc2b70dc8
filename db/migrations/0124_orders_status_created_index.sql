-- Up Migration
-- HQ lists statuses over every branch (e.g. every 미배정 order of the country), newest first. Every status index
-- starts with the branch, so such a list walked the created-at index of each month (0122) dropping the other
-- statuses — and a merge of months in created-at order needs each month's first match, so in the old months, which
-- hold no open order, the walk read everything: 987,000 rows dropped, 1.5 s on 1M orders (npm run bench:plans,
-- L09). With the status leading, a plan made for the statuses (custom-plan.ts) reads only their orders.
CREATE INDEX idx_orders_status_created ON orders(status, created_at) WHERE deleted_at IS NULL;

-- Down Migration
DROP INDEX IF EXISTS idx_orders_status_created;
