-- Up Migration
-- The report rollups (0090) measured on 1M orders: FR-07's read of a month of cells for HQ (5,400 cells) went
-- to the heap for every cell, and FR-08's over every branch too (their indexes lacked the counted columns).
-- Covering indexes make both index-only scans on the folded, all-visible pages; the rollups are narrow, so the
-- indexes are small.
DROP INDEX idx_report_waste_branch;
CREATE INDEX idx_report_waste_day ON report_waste(day) INCLUDE (status, branch_id, partner_id, code, quantity, pickups);
CREATE INDEX idx_report_waste_branch ON report_waste(branch_id, day) INCLUDE (status, partner_id, code, quantity, pickups);
CREATE INDEX idx_report_progress_day ON report_progress(by_appointment, day) INCLUDE (status, branch_id, partner_id, n);

-- Down Migration
DROP INDEX IF EXISTS idx_report_progress_day;
DROP INDEX IF EXISTS idx_report_waste_branch;
DROP INDEX IF EXISTS idx_report_waste_day;
CREATE INDEX idx_report_waste_branch ON report_waste(branch_id, day);
