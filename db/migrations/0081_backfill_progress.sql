-- Up Migration
-- Where a batched backfill (db/maintenance/backfill.ts, an upgrade's expand-contract step) has got to: each batch
-- commits together with its row here, so an interrupted backfill resumes after the last committed batch. The
-- owner runs backfills; the application role has no access.
CREATE TABLE backfill_progress (
  name        text PRIMARY KEY,
  -- the key of the last row of the last committed batch (keyset order), as a JSON array
  last_key    jsonb,
  rows_done   bigint NOT NULL DEFAULT 0,
  batches     integer NOT NULL DEFAULT 0,
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

-- Down Migration
DROP TABLE backfill_progress;
