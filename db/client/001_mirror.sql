-- The branch client's local mirror of what the head office lets its user see (row-level security decides).
-- Columns are those of the PostgreSQL tables (minus change_xid) with the JSON shape the pull delivers.
-- Declared types drive the mapping in main/store/mirror.ts: TEXT (uuids, dates and timestamps as ISO text),
-- INTEGER, REAL, JSONTEXT (objects and arrays as JSON text; the name gives TEXT affinity) and BOOLEAN (0/1).
-- No foreign keys: pages arrive table by table, and a child may land before its parent.

CREATE TABLE branches (
  id TEXT PRIMARY KEY, code TEXT, name TEXT, region TEXT, timezone TEXT,
  version INTEGER, created_at TEXT, updated_at TEXT
);

CREATE TABLE partners (
  id TEXT PRIMARY KEY, code TEXT, name TEXT, contact_name TEXT, phone TEXT, email TEXT, is_active BOOLEAN,
  version INTEGER, created_at TEXT, updated_at TEXT
);

CREATE TABLE reason_codes (
  id TEXT PRIMARY KEY, type TEXT, code TEXT, description_ko TEXT, description_en TEXT, is_active BOOLEAN,
  version INTEGER, created_at TEXT, updated_at TEXT
);

CREATE TABLE waste_codes (
  code TEXT PRIMARY KEY, name_ko TEXT, name_en TEXT, is_active BOOLEAN,
  version INTEGER, created_at TEXT, updated_at TEXT
);

CREATE TABLE item_skill_rules (
  id TEXT PRIMARY KEY, item_prefix TEXT, skill_tag TEXT, requires_serial BOOLEAN,
  version INTEGER, created_at TEXT, updated_at TEXT
);

CREATE TABLE installers (
  id TEXT PRIMARY KEY, partner_id TEXT, branch_id TEXT, user_id TEXT, name TEXT, phone TEXT,
  skill_tags JSONTEXT, regions JSONTEXT, capacity_per_day INTEGER, is_active BOOLEAN,
  version INTEGER, created_at TEXT, updated_at TEXT
);

CREATE TABLE settlement_periods (
  id TEXT PRIMARY KEY, branch_id TEXT, period_start TEXT, period_end TEXT, status TEXT,
  locked_by TEXT, locked_at TEXT, unlocked_by TEXT, unlocked_at TEXT,
  version INTEGER, created_at TEXT, updated_at TEXT
);
CREATE INDEX settlement_periods_branch ON settlement_periods(branch_id, period_start);

CREATE TABLE orders (
  id TEXT PRIMARY KEY, order_no TEXT, customer_name TEXT, customer_phone TEXT, address JSONTEXT, vendor TEXT,
  branch_id TEXT, partner_id TEXT, installer_id TEXT, status TEXT, appointment_date TEXT,
  appointment_time_window TEXT, promised_date TEXT, remarks TEXT,
  version INTEGER, deleted_at TEXT, created_at TEXT, updated_at TEXT
);
CREATE INDEX orders_status_appt ON orders(status, appointment_date);
CREATE INDEX orders_appt ON orders(appointment_date);
CREATE INDEX orders_installer ON orders(installer_id, appointment_date);
CREATE INDEX orders_order_no ON orders(order_no);
CREATE INDEX orders_customer ON orders(customer_name);

CREATE TABLE order_lines (
  id TEXT PRIMARY KEY, order_id TEXT, order_created_at TEXT, item_code TEXT, item_name TEXT,
  quantity INTEGER, weight REAL, version INTEGER, created_at TEXT, updated_at TEXT
);
CREATE INDEX order_lines_order ON order_lines(order_id);

CREATE TABLE order_status_history (
  id TEXT PRIMARY KEY, order_id TEXT, order_created_at TEXT, previous_status TEXT, new_status TEXT,
  changed_by TEXT, changed_at TEXT, reason_code TEXT, notes TEXT
);
CREATE INDEX order_status_history_order ON order_status_history(order_id, changed_at);

CREATE TABLE appointments (
  id TEXT PRIMARY KEY, order_id TEXT, order_created_at TEXT, old_date TEXT, new_date TEXT,
  old_time_window TEXT, new_time_window TEXT, changed_by TEXT, reason TEXT, changed_at TEXT
);
CREATE INDEX appointments_order ON appointments(order_id, changed_at);

CREATE TABLE split_orders (
  id TEXT PRIMARY KEY, parent_order_id TEXT, parent_order_created_at TEXT, child_order_id TEXT,
  child_order_created_at TEXT, line_id TEXT, quantity INTEGER, created_by TEXT, created_at TEXT
);
CREATE INDEX split_orders_parent ON split_orders(parent_order_id);
CREATE INDEX split_orders_child ON split_orders(child_order_id);

CREATE TABLE waste_pickups (
  id TEXT PRIMARY KEY, order_id TEXT, order_created_at TEXT, code TEXT, quantity INTEGER, status TEXT,
  collected_by TEXT, collected_at TEXT, branch_id TEXT, partner_id TEXT,
  version INTEGER, created_at TEXT, updated_at TEXT
);
CREATE INDEX waste_pickups_order ON waste_pickups(order_id);

CREATE TABLE serial_numbers (
  id TEXT PRIMARY KEY, order_line_id TEXT, order_id TEXT, order_created_at TEXT, serial TEXT,
  recorded_by TEXT, recorded_at TEXT, version INTEGER, updated_at TEXT
);
CREATE INDEX serial_numbers_order ON serial_numbers(order_id);

CREATE TABLE attachments (
  id TEXT PRIMARY KEY, order_id TEXT, order_created_at TEXT, file_name TEXT, file_type TEXT, file_size INTEGER,
  storage_key TEXT, uploaded_by TEXT, uploaded_at TEXT
);
CREATE INDEX attachments_order ON attachments(order_id);

CREATE TABLE notifications (
  id TEXT PRIMARY KEY, user_id TEXT, category TEXT, order_id TEXT, payload JSONTEXT, status TEXT,
  read_at TEXT, emailed_at TEXT, version INTEGER, created_at TEXT, updated_at TEXT
);
CREATE INDEX notifications_created ON notifications(created_at);
