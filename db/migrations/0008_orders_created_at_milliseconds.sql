-- Up Migration
-- orders.created_at is half of the key children use to reference an order (order_id, order_created_at). now()
-- has microseconds, but JavaScript dates (node-postgres, the client, JSON over sync) carry milliseconds: an
-- order read by the server or the client and referenced again by a line, serial or pick-up lost its last three
-- digits and the foreign key failed (found by test/db/constraints.test.ts). Orders now get their creation
-- instant at millisecond precision, which every layer round-trips exactly. The column type cannot change
-- (timestamptz(3)) because it is the partition key.
ALTER TABLE orders ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());

-- Down Migration
ALTER TABLE orders ALTER COLUMN created_at SET DEFAULT now();
