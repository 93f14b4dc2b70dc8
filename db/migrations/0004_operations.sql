-- Up Migration
CREATE TABLE notifications (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  category    varchar(30) NOT NULL,       -- ASSIGNMENT, ABSENCE, POSTPONE, CANCEL, SETTLEMENT_LOCK, SETTLEMENT_UNLOCK, SYNC_CONFLICT
  order_id    uuid,                       -- no FK: a notification outlives an archived order partition
  payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
  status      varchar(10) NOT NULL DEFAULT 'UNREAD' CONSTRAINT chk_notifications_status CHECK (status IN ('UNREAD', 'READ')),
  read_at     timestamptz,
  emailed_at  timestamptz,
  version     integer NOT NULL DEFAULT 1 CONSTRAINT chk_notifications_version_positive CHECK (version > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  change_xid  xid8 NOT NULL DEFAULT pg_current_xact_id()
);
-- FR-11: the seed's (user_id, is_read, created_at) INCLUDE (content, order_id, type) on the real columns
CREATE INDEX idx_notifications_user_read_date ON notifications(user_id, status, created_at DESC) INCLUDE (payload, order_id, category);
CREATE INDEX idx_notifications_unmailed ON notifications(created_at) WHERE status = 'UNREAD' AND emailed_at IS NULL;
CREATE INDEX idx_notifications_change ON notifications(change_xid, id);
CREATE TRIGGER trg_touch BEFORE UPDATE ON notifications FOR EACH ROW EXECUTE FUNCTION touch_row();

CREATE TABLE exports (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type        varchar(20) NOT NULL CONSTRAINT chk_exports_type CHECK (type IN ('orders', 'waste', 'ecoas', 'settlement', 'audit')),
  filters     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by  uuid NOT NULL REFERENCES users(id),
  status      varchar(10) NOT NULL DEFAULT 'PENDING' CONSTRAINT chk_exports_status CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED')),
  file_url    text,
  row_count   integer,
  last_error  text,
  expires_at  timestamptz,
  version     integer NOT NULL DEFAULT 1 CONSTRAINT chk_exports_version_positive CHECK (version > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  change_xid  xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX idx_exports_creator ON exports(created_by, created_at DESC);
CREATE INDEX idx_exports_expiry ON exports(expires_at) WHERE status = 'DONE';
CREATE TRIGGER trg_touch BEFORE UPDATE ON exports FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Partitioned yearly by its timestamp (seed "Partitioning Strategy"); written only by the audit trigger.
CREATE TABLE audit_logs (
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  table_name  varchar(63) NOT NULL,
  record_id   uuid,
  action      varchar(6) NOT NULL CONSTRAINT chk_audit_logs_action CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
  diff        jsonb NOT NULL,       -- INSERT: the new row; UPDATE: {column: {old, new}} of changed columns only; DELETE: the old row
  actor_id    uuid,                 -- app.user_id of the writing transaction (NULL for maintenance SQL)
  branch_id   uuid,                 -- the branch the row belongs to, so branch managers can read their own history
  order_id    uuid,                 -- the order the row belongs to (orders and their children)
  note        text,                 -- app.audit_note, e.g. the reason of a capacity override
  logged_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, logged_at)
) PARTITION BY RANGE (logged_at);
CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;
CREATE INDEX idx_audit_logs_record ON audit_logs(table_name, record_id, logged_at DESC);
CREATE INDEX idx_audit_logs_order ON audit_logs(order_id, logged_at DESC) WHERE order_id IS NOT NULL;

CREATE FUNCTION ensure_audit_partitions(years_ahead int, years_back int DEFAULT 2) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  y int;
  created int := 0;
  this_year int := extract(year FROM now() AT TIME ZONE 'Asia/Seoul')::int;
BEGIN
  FOR y IN this_year - years_back .. this_year + years_ahead LOOP
    IF to_regclass(format('audit_logs_%s', y)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_logs FOR VALUES FROM (%L) TO (%L)', format('audit_logs_%s', y),
        make_timestamptz(y, 1, 1, 0, 0, 0, 'Asia/Seoul'), make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'Asia/Seoul'));
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;

CREATE TABLE settlement_periods (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  branch_id     uuid NOT NULL REFERENCES branches(id),
  period_start  date NOT NULL,        -- Monday
  period_end    date NOT NULL,        -- Sunday
  status        varchar(10) NOT NULL DEFAULT 'OPEN',
  locked_by     uuid REFERENCES users(id),
  locked_at     timestamptz,
  unlocked_by   uuid REFERENCES users(id),
  unlocked_at   timestamptz,
  version       integer NOT NULL DEFAULT 1 CONSTRAINT chk_settlement_periods_version_positive CHECK (version > 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  change_xid    xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT chk_settlement_status CHECK (status IN ('OPEN', 'LOCKED')),
  CONSTRAINT chk_settlement_week CHECK (extract(isodow FROM period_start) = 1 AND period_end = period_start + 6),
  CONSTRAINT uq_settlement_branch_week UNIQUE (branch_id, period_start)
);
CREATE INDEX idx_settlement_branch_period ON settlement_periods(branch_id, period_start, period_end);
CREATE INDEX idx_settlement_change ON settlement_periods(change_xid, id);
CREATE TRIGGER trg_touch BEFORE UPDATE ON settlement_periods FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Every op a client pushes, for exactly-once answers and HQ monitoring.
CREATE TABLE offline_sync_queue (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  op_id             uuid NOT NULL CONSTRAINT uq_offline_sync_queue_op UNIQUE,
  client_id         varchar(64),
  user_id           uuid NOT NULL REFERENCES users(id),
  branch_id         uuid REFERENCES branches(id),
  operation_type    varchar(10) NOT NULL CONSTRAINT chk_offline_sync_queue_operation CHECK (operation_type IN ('CREATE', 'UPDATE', 'DELETE')),
  op_kind           varchar(40) NOT NULL,        -- the domain action, e.g. order.status
  entity_type       varchar(30) NOT NULL,
  entity_id         uuid,
  payload           jsonb NOT NULL DEFAULT '{}'::jsonb,
  expected_version  integer,
  status            varchar(15) NOT NULL DEFAULT 'PENDING' CONSTRAINT chk_offline_sync_queue_status CHECK (status IN ('PENDING', 'SYNCED', 'CONFLICT', 'FAILED')),
  retry_count       integer NOT NULL DEFAULT 0,
  last_error        text,
  result            jsonb,
  version           integer NOT NULL DEFAULT 1 CONSTRAINT chk_offline_sync_queue_version_positive CHECK (version > 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  synced_at         timestamptz,
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX idx_offline_sync_status ON offline_sync_queue(status, created_at) WHERE status != 'SYNCED';
CREATE INDEX idx_offline_sync_user ON offline_sync_queue(user_id, created_at DESC);
CREATE TRIGGER trg_touch BEFORE UPDATE ON offline_sync_queue FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Refresh tokens: stored hashed, rotated on use; reuse of a used one revokes its whole family.
CREATE TABLE refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  family_id   uuid NOT NULL,
  token_hash  text NOT NULL CONSTRAINT uq_refresh_tokens_hash UNIQUE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX idx_refresh_tokens_user ON refresh_tokens(user_id);

-- Down Migration
DROP TABLE IF EXISTS refresh_tokens, offline_sync_queue, settlement_periods, audit_logs, exports, notifications CASCADE;
DROP FUNCTION IF EXISTS ensure_audit_partitions(int, int);
