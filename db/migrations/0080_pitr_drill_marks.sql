-- Up Migration
-- The point-in-time recovery drill (`npm run db:maintain -- pitr-drill`) writes two marks into the live database
-- around its recovery target and looks for them in the restored copy: the first must be there, the second not.
-- The owner writes them; the application role has no access.
CREATE TABLE pitr_drill_marks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  label text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Down Migration
DROP TABLE pitr_drill_marks;
