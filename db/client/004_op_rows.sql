-- The rows an op changes besides its own entity row (main/store/part-ops.ts): the serials it records, the pick-up
-- it adds, a split's child order and moved lines; an empty patch on an order marks an op on one of the order's
-- pick-ups as the order's. Keyed by the op's outbox seq, which a conflict and its resolution keep. Every such row
-- has a row_base entry while the op is pending (a pull keeps it aside); a rebase replays these effects on the
-- head office's row in seq order with the entity ops. Removed when the op is answered SYNCED (folded into the
-- base) or FAILED, or its conflict is resolved for the head office.
CREATE TABLE op_rows (
  seq INTEGER NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  effect JSONTEXT NOT NULL,
  PRIMARY KEY (seq, entity, entity_id)
) WITHOUT ROWID;
CREATE INDEX op_rows_row ON op_rows(entity, entity_id, seq);
