-- Up Migration
-- 1. Users, roles and the reference tables had no row-level security: any request context could read every
--    password hash and rewrite other branches' users or the reason codes. Now everyone authenticated reads
--    them (names of actors, codes for pickers) but only HQ writes them, and a user may change only their own
--    password and profile. The password hash column is not readable at all by the application role: login
--    and password change read it through auth_password_hash(), which answers only in the anonymous login
--    transaction or for the caller's own row, so a bug or injection inside some user's request cannot dump
--    hashes.
-- 2. The application role's sessions run in Asia/Seoul: chk_appointment_date (created_at::date, as the seed
--    writes it) and every "today" in SQL mean the Korean calendar day, whatever the server's own time zone.

CREATE FUNCTION auth_password_hash(p_user uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT password_hash FROM users WHERE id = p_user AND (app_role() = 'NONE' OR id = app_user_id())
$$;
REVOKE EXECUTE ON FUNCTION auth_password_hash(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_password_hash(uuid) TO dispatch_app;

REVOKE SELECT ON users FROM dispatch_app;
GRANT SELECT (id, username, full_name, email, locale, branch_id, partner_id, is_active, password_changed_at,
              version, created_at, updated_at, change_xid) ON users TO dispatch_app;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT USING (true);
CREATE POLICY users_hq_write ON users FOR ALL
  USING ((select app_role()) = 'HQ_ADMIN') WITH CHECK ((select app_role()) = 'HQ_ADMIN');
CREATE POLICY users_self_update ON users FOR UPDATE
  USING (id = (select app_user_id())) WITH CHECK (id = (select app_user_id()));

-- What a user may change of their own row (HQ may change everything through the policy above).
CREATE FUNCTION users_self_service_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF app_role() <> 'HQ_ADMIN' AND current_user = 'dispatch_app' AND (
       NEW.username IS DISTINCT FROM OLD.username OR NEW.branch_id IS DISTINCT FROM OLD.branch_id
    OR NEW.partner_id IS DISTINCT FROM OLD.partner_id OR NEW.is_active IS DISTINCT FROM OLD.is_active) THEN
    RAISE EXCEPTION 'only head office changes username, branch, partner or activity of a user'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_users_self_service BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_self_service_columns();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['user_roles', 'branches', 'partners', 'reason_codes', 'waste_codes', 'item_skill_rules'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING (true)', t || '_read', t);
    EXECUTE format($p$CREATE POLICY %I ON %I FOR ALL USING ((select app_role()) = 'HQ_ADMIN')
                      WITH CHECK ((select app_role()) = 'HQ_ADMIN')$p$, t || '_hq_write', t);
  END LOOP;
END $$;

ALTER ROLE dispatch_app SET timezone = 'Asia/Seoul';

-- Down Migration
ALTER ROLE dispatch_app RESET timezone;
