-- 해피콜 outcomes (db/migrations/0100): the mirror of happy_calls, read by the 해피콜 screen offline.
CREATE TABLE happy_calls (
  id TEXT PRIMARY KEY, order_id TEXT, order_created_at TEXT, outcome TEXT, time_window TEXT, attempt INTEGER,
  retry_at TEXT, note TEXT, called_by TEXT, called_at TEXT, branch_id TEXT, created_at TEXT
);
CREATE INDEX happy_calls_order ON happy_calls(order_id, called_at);
