-- Up Migration
-- How far a running export has got, for the exports list's progress bar: rows written to the file so far and the
-- rows it will have (counted first, in the snapshot the rows are read from; NULL where the builder does not
-- count). The builder records them in short SYSTEM transactions of their own (policy exports_system_update,
-- 0025), outside its long read, so a reader sees them while the file is still being written.
ALTER TABLE exports
  ADD COLUMN rows_done integer CONSTRAINT chk_exports_rows_done CHECK (rows_done >= 0),
  ADD COLUMN rows_total integer CONSTRAINT chk_exports_rows_total CHECK (rows_total >= 0);

-- Down Migration
ALTER TABLE exports DROP COLUMN IF EXISTS rows_total, DROP COLUMN IF EXISTS rows_done;
