-- Up Migration
-- The customer asked for no appointment notices (알림톡 / SMS): the head office queues none for this order, and
-- those already waiting are skipped (0106). A flag of the order, edited like its other fields.
ALTER TABLE orders ADD COLUMN notices_opt_out boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE orders DROP COLUMN IF EXISTS notices_opt_out;
