-- The window (docs/sync-protocol.md, "The window"): after each complete pull run the client drops the orders that
-- are not open and were last written before the window's bound. This index holds only the closed orders by their
-- updated_at, so that look-up reads the ones leaving, not the whole copy, every few seconds. Its status list is
-- the complement of domain/order-status.ts OPEN_STATUSES (test/sync/window.test.ts compares them).
-- updated_at is the head office's ISO text in UTC ('…+00:00'), which orders as the instants do.
CREATE INDEX orders_closed_written ON orders(updated_at) WHERE status IN ('인수', '부분인수', '회수', '취소', '의뢰취소');
