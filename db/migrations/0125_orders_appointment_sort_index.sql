-- Up Migration
-- The order list sorted by appointment (sort=appointmentDate / -appointmentDate) orders by
-- coalesce(appointment_date, 'infinity') — orders without an appointment after every date — then id, which is
-- also its cursor's keyset. No index held that key, so a manager's page sorted the branch's whole history:
-- 1.0–1.6 s at 1M orders (docs/performance.md, shapes L32/L33). With the key and the tie-break in the index, each
-- month's index is read in order (backwards for latest first), merged, and the scan stops after the page; a
-- later page starts at its cursor (the row comparison is an index condition).
--
-- Not per branch: HQ's list by appointment without a branch reads it directly, and a manager's (or a
-- coordinator's) reads it skipping the other branches' orders, a few times the page (Seoul, the largest branch,
-- holds a quarter of the orders). One index instead of one per scope: every index on orders is one more per
-- monthly partition to plan and lock.
CREATE INDEX idx_orders_appointment_sort ON orders ((coalesce(appointment_date, 'infinity'::date)), id)
  WHERE deleted_at IS NULL;

-- Down Migration
DROP INDEX IF EXISTS idx_orders_appointment_sort;
