-- Up Migration
-- The login role the head-office server uses: never superuser, never owner, never BYPASSRLS.
-- Its password is set by db/migrate.ts after the migrations (it must not live in a migration file).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dispatch_app') THEN
    CREATE ROLE dispatch_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END $$;
ALTER ROLE dispatch_app NOSUPERUSER NOBYPASSRLS;

GRANT USAGE ON SCHEMA public TO dispatch_app;

-- Per-request context, set by the server with set_config(..., true) at the start of each transaction.
-- Policies call these inside (select ...) so they are evaluated once per statement.
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION app_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(nullif(current_setting('app.role', true), ''), 'NONE') $$;
CREATE FUNCTION app_branch_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.branch_id', true), '')::uuid $$;
CREATE FUNCTION app_partner_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.partner_id', true), '')::uuid $$;

-- updated_at, version and the sync stamp kept by the database, so raw SQL (maintenance, another instance)
-- bumps the version and is picked up by sync exactly like an API write.
CREATE FUNCTION touch_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  IF NEW.version IS NOT DISTINCT FROM OLD.version THEN
    NEW.version := OLD.version + 1;
  END IF;
  NEW.change_xid := pg_current_xact_id();
  RETURN NEW;
END $$;

-- Tables without version/updated_at only need the sync stamp on update.
CREATE FUNCTION stamp_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id();
  RETURN NEW;
END $$;

-- Down Migration
DROP FUNCTION IF EXISTS stamp_xid();
DROP FUNCTION IF EXISTS touch_row();
DROP FUNCTION IF EXISTS app_partner_id();
DROP FUNCTION IF EXISTS app_branch_id();
DROP FUNCTION IF EXISTS app_role();
DROP FUNCTION IF EXISTS app_user_id();
