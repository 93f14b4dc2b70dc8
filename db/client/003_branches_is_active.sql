-- branches.is_active (head-office migration 0020: a branch can be closed). Rows mirrored before this column
-- existed get it with their next change; until then NULL reads as active.
ALTER TABLE branches ADD COLUMN is_active BOOLEAN;
