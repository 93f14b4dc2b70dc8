-- branches.is_active (head-office migration 0020). Rows already mirrored lack it: the next pull is a fresh
-- snapshot (no cursor → the head office answers with reset), which refills every table with all columns.
ALTER TABLE branches ADD COLUMN is_active BOOLEAN;
DELETE FROM sync_state WHERE key = 'cursor';
