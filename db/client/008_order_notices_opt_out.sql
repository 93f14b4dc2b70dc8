-- The customer opted out of appointment notices (head-office migration 0105). Rows mirrored before read as not
-- opted out until the next pull brings the column.
ALTER TABLE orders ADD COLUMN notices_opt_out BOOLEAN;
