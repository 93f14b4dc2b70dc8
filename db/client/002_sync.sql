-- The client's side of the sync protocol (docs/sync-protocol.md).

-- Small named values: the pull cursor, the client id, the time of the last full sync.
CREATE TABLE sync_state (
  key TEXT PRIMARY KEY,
  value TEXT
) WITHOUT ROWID;

-- Local writes waiting for the head office, in the order they were made. A row is written in the same
-- transaction as the mirror change it describes. expectedVersion is not stored: it is the entity's
-- row_base.base_version when the op is sent (the version the user edited, or the result of the op before it).
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  op_id TEXT NOT NULL UNIQUE,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload JSONTEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX outbox_entity ON outbox(entity, entity_id, seq);

-- For each entity with local ops (pending or in conflict): the head office's latest row as pulled or returned
-- (NULL when it has none, e.g. an order created here and not yet pushed), and the version the next op of this
-- entity expects. The mirror shows server_row with the pending ops replayed on top; the row leaves this table
-- when its last op is answered.
CREATE TABLE row_base (
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  base_version INTEGER,
  server_row JSONTEXT,
  server_version INTEGER,
  PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

-- Ops the head office answered CONFLICT: both versions kept until the user picks per field. Later ops of the
-- same entity wait behind it (they were made on top of it).
CREATE TABLE conflicts (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  op_id TEXT NOT NULL UNIQUE,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload JSONTEXT NOT NULL,
  mine JSONTEXT,
  theirs JSONTEXT,
  server_version INTEGER,
  created_at TEXT NOT NULL
);
CREATE INDEX conflicts_entity ON conflicts(entity, entity_id);

-- Ops the head office refused (validation, illegal transition, locked week…), kept with the reason for the user.
CREATE TABLE failed_ops (
  op_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload JSONTEXT NOT NULL,
  error JSONTEXT NOT NULL,
  created_at TEXT NOT NULL,
  failed_at TEXT NOT NULL
);

-- The last online login of this database's user: an Argon2id verifier of the password (never the password),
-- the user as the head office described it, and the refresh token that resumes the session when the link returns.
CREATE TABLE credentials (
  username TEXT PRIMARY KEY,
  server_url TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_json JSONTEXT NOT NULL,
  verifier TEXT NOT NULL,
  refresh_token TEXT,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
