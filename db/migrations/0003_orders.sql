-- Up Migration
-- Orders are partitioned by month on created_at: it never changes, so a row never moves between partitions
-- (appointment_date does change; see docs/ARCHITECTURE.md). Month boundaries are Korean (Asia/Seoul) midnights.
CREATE TABLE orders (
  id                        uuid NOT NULL DEFAULT gen_random_uuid(),
  order_no                  varchar(30) NOT NULL,          -- 수주번호, globally unique through order_numbers
  customer_name             varchar(120) NOT NULL,
  customer_phone            varchar(30),
  address                   jsonb NOT NULL DEFAULT '{}'::jsonb,   -- {line1, line2, city, postal}
  vendor                    varchar(80),                    -- e.g. 동부대우전자
  branch_id                 uuid NOT NULL REFERENCES branches(id),
  partner_id                uuid REFERENCES partners(id),
  installer_id              uuid REFERENCES installers(id),
  status                    varchar(20) NOT NULL DEFAULT '미배정',
  appointment_date          date,
  appointment_time_window   tstzrange,
  promised_date             date,
  remarks                   text,
  version                   integer NOT NULL DEFAULT 1,
  deleted_at                timestamptz,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  change_xid                xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (id, created_at),
  CONSTRAINT chk_order_status CHECK (status IN ('미배정', '배정', '배정확정', '출고확정', '출문', '연기', '부재', '인수', '부분인수', '회수', '취소', '의뢰취소')),
  CONSTRAINT chk_appointment_date CHECK (appointment_date >= created_at::date),
  CONSTRAINT chk_version_positive CHECK (version > 0),
  CONSTRAINT chk_orders_address_object CHECK (jsonb_typeof(address) = 'object')
) PARTITION BY RANGE (created_at);

CREATE TABLE orders_default PARTITION OF orders DEFAULT;

-- PostgreSQL needs the partition key in every unique constraint of a partitioned table, so UNIQUE(order_no)
-- cannot live on orders; this small table holds it for the whole history.
CREATE TABLE order_numbers (
  order_no          varchar(30) PRIMARY KEY,
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  CONSTRAINT fk_order_numbers_order FOREIGN KEY (order_id, order_created_at)
    REFERENCES orders(id, created_at) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX uq_order_numbers_order ON order_numbers(order_id);

CREATE FUNCTION orders_register_number() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO order_numbers(order_no, order_id, order_created_at) VALUES (NEW.order_no, NEW.id, NEW.created_at);
  ELSIF NEW.order_no IS DISTINCT FROM OLD.order_no THEN
    UPDATE order_numbers SET order_no = NEW.order_no WHERE order_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_orders_number AFTER INSERT OR UPDATE OF order_no ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_register_number();
CREATE TRIGGER trg_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_row();

-- created_at is the partition key and the second half of every child's foreign key: it never changes.
CREATE FUNCTION orders_freeze_created_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.id IS DISTINCT FROM OLD.id THEN
    RAISE EXCEPTION 'orders.id and orders.created_at cannot change' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'chk_orders_immutable_key';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_orders_freeze BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_freeze_created_at();

-- Indexes (seed "Indices & Constraints" and performance section). Soft-deleted rows are never listed, so the
-- list/report indexes are partial; the covering ones include every column their query reads (index-only scans).
CREATE INDEX idx_orders_branch_status_appt ON orders(branch_id, status, appointment_date) WHERE deleted_at IS NULL;
-- FR-03 assignment list: branch + status, newest first
CREATE INDEX idx_orders_branch_status_created ON orders(branch_id, status, created_at)
  INCLUDE (id, installer_id, customer_name, address) WHERE deleted_at IS NULL;
-- FR-08 progress overview: branch + created range, counts per status
CREATE INDEX idx_orders_branch_date_covering ON orders(branch_id, created_at DESC)
  INCLUDE (status, installer_id, customer_name) WHERE deleted_at IS NULL;
-- FR-16 customer history
CREATE INDEX idx_orders_customer_date_covering ON orders(customer_name, created_at DESC)
  INCLUDE (id, status, branch_id, installer_id) WHERE deleted_at IS NULL;
CREATE INDEX idx_orders_customer_phone ON orders(customer_phone) WHERE deleted_at IS NULL;
CREATE INDEX idx_orders_vendor_date ON orders(vendor, appointment_date) WHERE deleted_at IS NULL;
CREATE INDEX idx_orders_installer_appt ON orders(installer_id, appointment_date) WHERE deleted_at IS NULL;
CREATE INDEX idx_orders_partner ON orders(partner_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX idx_orders_order_no ON orders(order_no);
CREATE INDEX idx_orders_change ON orders(change_xid, id);

-- Creates the monthly partitions of a table partitioned by a timestamptz column, from months_back months ago
-- to months_ahead months ahead (Korean months). Idempotent: existing partitions are left alone.
CREATE FUNCTION ensure_monthly_partitions(parent regclass, months_ahead int, months_back int)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  first_month date := date_trunc('month', (now() AT TIME ZONE 'Asia/Seoul'))::date - make_interval(months => months_back);
  m date;
  part_name text;
  created int := 0;
  parent_name text := (SELECT relname FROM pg_class WHERE oid = parent);
BEGIN
  FOR i IN 0 .. months_back + months_ahead LOOP
    m := (first_month + make_interval(months => i))::date;
    part_name := format('%s_%s', parent_name, to_char(m, 'YYYY_MM'));
    IF to_regclass(part_name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part_name, parent,
        make_timestamptz(extract(year FROM m)::int, extract(month FROM m)::int, 1, 0, 0, 0, 'Asia/Seoul'),
        make_timestamptz(extract(year FROM (m + interval '1 month'))::int, extract(month FROM (m + interval '1 month'))::int, 1, 0, 0, 0, 'Asia/Seoul'));
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;

CREATE TABLE order_lines (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  item_code         varchar(30) NOT NULL,
  item_name         varchar(150) NOT NULL,
  quantity          integer NOT NULL CONSTRAINT chk_order_lines_quantity CHECK (quantity > 0),
  weight            numeric(8,2) CONSTRAINT chk_order_lines_weight CHECK (weight IS NULL OR weight >= 0),
  version           integer NOT NULL DEFAULT 1 CONSTRAINT chk_order_lines_version_positive CHECK (version > 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT fk_order_lines_order FOREIGN KEY (order_id, order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE
);
CREATE INDEX idx_order_lines_order ON order_lines(order_id, order_created_at);
CREATE INDEX idx_order_lines_change ON order_lines(change_xid, id);
CREATE TRIGGER trg_touch BEFORE UPDATE ON order_lines FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Partitioned monthly by changed_at (seed "Partitioning Strategy"); written only by the status trigger.
CREATE TABLE order_status_history (
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  previous_status   varchar(20),
  new_status        varchar(20) NOT NULL,
  changed_by        uuid REFERENCES users(id),
  changed_at        timestamptz NOT NULL DEFAULT now(),
  reason_code       varchar(30),
  notes             text,
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (id, changed_at),
  CONSTRAINT fk_status_history_order FOREIGN KEY (order_id, order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE
) PARTITION BY RANGE (changed_at);
CREATE TABLE order_status_history_default PARTITION OF order_status_history DEFAULT;
CREATE INDEX idx_status_history_order_time ON order_status_history(order_id, changed_at DESC);
CREATE INDEX idx_status_history_change ON order_status_history(change_xid, id);

-- 약속일자 changes; written only by the appointment trigger.
CREATE TABLE appointments (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  old_date          date,
  new_date          date,
  old_time_window   tstzrange,
  new_time_window   tstzrange,
  changed_by        uuid REFERENCES users(id),
  reason            text,
  changed_at        timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT fk_appointments_order FOREIGN KEY (order_id, order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE
);
CREATE INDEX idx_appointments_order ON appointments(order_id, changed_at DESC);
CREATE INDEX idx_appointments_change ON appointments(change_xid, id);

CREATE TABLE split_orders (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  parent_order_id           uuid NOT NULL,
  parent_order_created_at   timestamptz NOT NULL,
  child_order_id            uuid NOT NULL,
  child_order_created_at    timestamptz NOT NULL,
  line_id                   uuid NOT NULL REFERENCES order_lines(id),
  quantity                  integer NOT NULL CONSTRAINT chk_split_orders_quantity CHECK (quantity > 0),
  created_by                uuid REFERENCES users(id),
  created_at                timestamptz NOT NULL DEFAULT now(),
  change_xid                xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT fk_split_orders_parent FOREIGN KEY (parent_order_id, parent_order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE,
  CONSTRAINT fk_split_orders_child FOREIGN KEY (child_order_id, child_order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE,
  CONSTRAINT chk_split_orders_distinct CHECK (parent_order_id <> child_order_id)
);
CREATE INDEX idx_split_orders_parent ON split_orders(parent_order_id);
CREATE INDEX idx_split_orders_child ON split_orders(child_order_id);
CREATE INDEX idx_split_orders_line ON split_orders(line_id);
CREATE INDEX idx_split_orders_change ON split_orders(change_xid, id);

-- 폐가전 pick-ups. branch_id/partner_id are copied from the order by trigger so FR-07 totals by partner and the
-- ECOAS report read one index; status follows the pick-up (COLLECTED at the door, REPORTED once sent to ECOAS).
CREATE TABLE waste_pickups (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  code              varchar(4) NOT NULL REFERENCES waste_codes(code),
  quantity          integer NOT NULL CONSTRAINT chk_waste_pickups_quantity CHECK (quantity > 0),
  status            varchar(15) NOT NULL DEFAULT 'COLLECTED' CONSTRAINT chk_waste_pickups_status CHECK (status IN ('PLANNED', 'COLLECTED', 'REPORTED')),
  collected_by      uuid REFERENCES installers(id),
  collected_at      timestamptz,
  branch_id         uuid NOT NULL REFERENCES branches(id),
  partner_id        uuid REFERENCES partners(id),
  version           integer NOT NULL DEFAULT 1 CONSTRAINT chk_waste_pickups_version_positive CHECK (version > 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT fk_waste_pickups_order FOREIGN KEY (order_id, order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE,
  CONSTRAINT uq_waste_pickups_order_code UNIQUE (order_id, code)
);
-- FR-07: the seed's (status, waste_type) on the real columns
CREATE INDEX idx_waste_status_type ON waste_pickups(status, code, created_at DESC) INCLUDE (quantity, partner_id);
CREATE INDEX idx_waste_collected ON waste_pickups(collected_at, code);
CREATE INDEX idx_waste_branch_collected ON waste_pickups(branch_id, collected_at);
CREATE INDEX idx_waste_change ON waste_pickups(change_xid, id);
CREATE TRIGGER trg_touch BEFORE UPDATE ON waste_pickups FOR EACH ROW EXECUTE FUNCTION touch_row();

CREATE TABLE serial_numbers (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_line_id     uuid NOT NULL REFERENCES order_lines(id) ON DELETE CASCADE,
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  serial            varchar(40) NOT NULL CONSTRAINT uq_serial_numbers_serial UNIQUE,
  recorded_by       uuid REFERENCES users(id),
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  version           integer NOT NULL DEFAULT 1 CONSTRAINT chk_serial_numbers_version_positive CHECK (version > 0),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT fk_serial_numbers_order FOREIGN KEY (order_id, order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE,
  CONSTRAINT chk_serial_numbers_not_blank CHECK (length(btrim(serial)) > 0)
);
CREATE INDEX idx_serial_numbers_line ON serial_numbers(order_line_id);
CREATE INDEX idx_serial_numbers_order ON serial_numbers(order_id);
CREATE INDEX idx_serial_numbers_change ON serial_numbers(change_xid, id);
CREATE TRIGGER trg_touch BEFORE UPDATE ON serial_numbers FOR EACH ROW EXECUTE FUNCTION touch_row();

CREATE TABLE attachments (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id          uuid NOT NULL,
  order_created_at  timestamptz NOT NULL,
  file_name         varchar(255) NOT NULL,
  file_type         varchar(50) NOT NULL,
  file_size         integer NOT NULL CONSTRAINT chk_attachments_size CHECK (file_size >= 0),
  storage_key       varchar(255) NOT NULL CONSTRAINT uq_attachments_storage_key UNIQUE,
  uploaded_by       uuid REFERENCES users(id),
  uploaded_at       timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT fk_attachments_order FOREIGN KEY (order_id, order_created_at) REFERENCES orders(id, created_at) ON DELETE CASCADE
);
CREATE INDEX idx_attachments_order ON attachments(order_id);

-- Down Migration
DROP TABLE IF EXISTS attachments, serial_numbers, waste_pickups, split_orders, appointments, order_status_history, order_lines, order_numbers, orders CASCADE;
DROP FUNCTION IF EXISTS ensure_monthly_partitions(regclass, int, int);
DROP FUNCTION IF EXISTS orders_freeze_created_at();
DROP FUNCTION IF EXISTS orders_register_number();
