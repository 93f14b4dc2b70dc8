-- Up Migration
CREATE TABLE roles (
  code        varchar(30) PRIMARY KEY CHECK (code IN ('HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER')),
  name_ko     varchar(60) NOT NULL,
  name_en     varchar(60) NOT NULL
);

CREATE TABLE branches (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code        varchar(10) NOT NULL CONSTRAINT uq_branches_code UNIQUE,   -- 부서코드
  name        varchar(120) NOT NULL,
  region      varchar(50),
  timezone    varchar(40) NOT NULL DEFAULT 'Asia/Seoul',
  version     integer NOT NULL DEFAULT 1 CONSTRAINT chk_branches_version_positive CHECK (version > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  change_xid  xid8 NOT NULL DEFAULT pg_current_xact_id()
);

CREATE TABLE partners (   -- FDCs: outside delivery companies
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code          varchar(10) NOT NULL CONSTRAINT uq_partners_code UNIQUE,
  name          varchar(120) NOT NULL,
  contact_name  varchar(120),
  phone         varchar(30),
  email         varchar(120),
  is_active     boolean NOT NULL DEFAULT true,
  version       integer NOT NULL DEFAULT 1 CONSTRAINT chk_partners_version_positive CHECK (version > 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  change_xid    xid8 NOT NULL DEFAULT pg_current_xact_id()
);

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      varchar(64) NOT NULL CONSTRAINT uq_users_username UNIQUE,
  password_hash text NOT NULL,                       -- Argon2id PHC string
  full_name     varchar(120) NOT NULL,
  email         varchar(120),                        -- optional, for the notification e-mail fallback
  locale        varchar(5) NOT NULL DEFAULT 'ko' CONSTRAINT chk_users_locale CHECK (locale IN ('ko', 'en')),
  branch_id     uuid REFERENCES branches(id),        -- NULL for HQ users
  partner_id    uuid REFERENCES partners(id),
  is_active     boolean NOT NULL DEFAULT true,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1 CONSTRAINT chk_users_version_positive CHECK (version > 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  change_xid    xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX idx_users_branch ON users(branch_id);

CREATE TABLE user_roles (
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role_code   varchar(30) NOT NULL REFERENCES roles(code),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, role_code)
);

CREATE TABLE installers (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id        uuid REFERENCES partners(id),
  branch_id         uuid NOT NULL REFERENCES branches(id),
  user_id           uuid CONSTRAINT uq_installers_user UNIQUE REFERENCES users(id),  -- the installer's login, if any
  name              varchar(120) NOT NULL,
  phone             varchar(30),
  skill_tags        text[] NOT NULL DEFAULT '{}',     -- e.g. {aircon,premium}
  regions           text[] NOT NULL DEFAULT '{}',     -- cities served, used by assignment suggestions
  capacity_per_day  integer NOT NULL DEFAULT 8 CONSTRAINT chk_installers_capacity CHECK (capacity_per_day >= 0),
  is_active         boolean NOT NULL DEFAULT true,
  version           integer NOT NULL DEFAULT 1 CONSTRAINT chk_installers_version_positive CHECK (version > 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  change_xid        xid8 NOT NULL DEFAULT pg_current_xact_id()
);
-- Partial index for active installers (assignment board, assignable list).
CREATE INDEX idx_installers_active_branch ON installers(branch_id, partner_id) WHERE is_active;
CREATE INDEX idx_installers_partner ON installers(partner_id);
CREATE INDEX idx_installers_change ON installers(change_xid, id);

CREATE TABLE reason_codes (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type            varchar(20) NOT NULL CONSTRAINT chk_reason_codes_type CHECK (type IN ('CANCEL', 'POSTPONE', 'ABSENCE')),
  code            varchar(10) NOT NULL CONSTRAINT uq_reason_codes_code UNIQUE,
  description_ko  varchar(100) NOT NULL,
  description_en  varchar(100) NOT NULL,
  is_active       boolean NOT NULL DEFAULT true,
  version         integer NOT NULL DEFAULT 1 CONSTRAINT chk_reason_codes_version_positive CHECK (version > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  change_xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
  -- C01… for CANCEL, P01… for POSTPONE, A01… for ABSENCE
  CONSTRAINT chk_reason_codes_code_matches_type CHECK (
    code ~ '^[CPA][0-9]{2,9}$' AND left(code, 1) = CASE type WHEN 'CANCEL' THEN 'C' WHEN 'POSTPONE' THEN 'P' ELSE 'A' END)
);

-- ECOAS waste-appliance categories (폐가전), referenced by waste_pickups.code.
CREATE TABLE waste_codes (
  code        varchar(4) PRIMARY KEY CONSTRAINT chk_waste_codes_format CHECK (code ~ '^[A-Z][0-9]{2,3}$'),
  name_ko     varchar(60) NOT NULL,
  name_en     varchar(60) NOT NULL,
  is_active   boolean NOT NULL DEFAULT true,
  version     integer NOT NULL DEFAULT 1 CONSTRAINT chk_waste_codes_version_positive CHECK (version > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  change_xid  xid8 NOT NULL DEFAULT pg_current_xact_id()
);

-- Which installer skill an item needs, by item-code prefix (longest prefix wins).
CREATE TABLE item_skill_rules (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  item_prefix varchar(30) NOT NULL CONSTRAINT uq_item_skill_rules_prefix UNIQUE,
  skill_tag   varchar(30) NOT NULL,
  requires_serial boolean NOT NULL DEFAULT false,   -- 인수 needs a serial per unit for these items
  version     integer NOT NULL DEFAULT 1 CONSTRAINT chk_item_skill_rules_version_positive CHECK (version > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  change_xid  xid8 NOT NULL DEFAULT pg_current_xact_id()
);

CREATE TRIGGER trg_touch BEFORE UPDATE ON branches FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER trg_touch BEFORE UPDATE ON partners FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER trg_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER trg_touch BEFORE UPDATE ON installers FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER trg_touch BEFORE UPDATE ON reason_codes FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER trg_touch BEFORE UPDATE ON waste_codes FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER trg_touch BEFORE UPDATE ON item_skill_rules FOR EACH ROW EXECUTE FUNCTION touch_row();

-- The installer record of the calling user (INSTALLER role). SECURITY DEFINER so the lookup itself is not
-- filtered by the installers policy that calls it.
CREATE FUNCTION app_installer_id() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT id FROM installers WHERE user_id = app_user_id() AND app_role() = 'INSTALLER' $$;

-- Down Migration
DROP FUNCTION IF EXISTS app_installer_id();
DROP TABLE IF EXISTS item_skill_rules, waste_codes, reason_codes, installers, user_roles, users, partners, branches, roles;
