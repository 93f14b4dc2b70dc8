-- Up Migration
-- Issue 14. The row-security context (app.role, app.user_id, app.branch_id, app.partner_id) was whatever the
-- caller put there with set_config, so anyone holding dispatch_app's password could claim app.role = 'HQ_ADMIN'.
-- Now only the definer functions that check something the caller cannot forge set it, and seal it: a digest of
-- the values, the transaction's start time and a secret that dispatch_app can neither read nor use. The getters
-- the policies read answer from the settings only while the seal matches; anything else reads as no context.
--   app_enter_request  — a live session of that user (0071): the session id comes from a signed access token
--   app_enter_system   — the background jobs' SYSTEM context (0025: notifications and exports, never orders)
--   auth_* (0073)      — the login and refresh transactions, for the one user they prove
-- The secret and the sealing function live in the schema app_private, which dispatch_app cannot use, so a later
-- "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public" cannot hand the sealing to it.
CREATE SCHEMA app_private;
REVOKE ALL ON SCHEMA app_private FROM PUBLIC;

CREATE TABLE app_private.context_secret (
  id     boolean PRIMARY KEY DEFAULT true CHECK (id),
  secret text NOT NULL
);
-- gen_random_uuid() draws from the strong random source: 244 random bits
INSERT INTO app_private.context_secret(secret) VALUES (gen_random_uuid()::text || gen_random_uuid()::text);

-- The seal of the current context values in this transaction (now() is the transaction's start, also in
-- parallel workers). Nested digest: a prefix-keyed single hash would allow length extension.
CREATE FUNCTION app_private.seal() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(s.secret || encode(sha256(convert_to(
           s.secret || '|' || extract(epoch FROM now())::text || '|' ||
           concat_ws('|', current_setting('app.user_id', true), current_setting('app.role', true),
                     current_setting('app.branch_id', true), current_setting('app.partner_id', true),
                     current_setting('app.login_user', true), current_setting('app.outer', true)), 'UTF8')),
           'hex'), 'UTF8')), 'hex')
    FROM app_private.context_secret s
$$;

-- Sets and seals a context. Callable only from the definer functions below (not granted to dispatch_app).
CREATE FUNCTION app_private.enter(p_user text, p_role text, p_branch text, p_partner text, p_login_user text,
                                  p_outer text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
  SELECT set_config('app.user_id', coalesce(p_user, ''), true), set_config('app.role', coalesce(p_role, ''), true),
         set_config('app.branch_id', coalesce(p_branch, ''), true),
         set_config('app.partner_id', coalesce(p_partner, ''), true),
         set_config('app.login_user', coalesce(p_login_user, ''), true),
         set_config('app.outer', coalesce(p_outer, ''), true);
  SELECT set_config('app.context_seal', app_private.seal(), true);
$$;

-- plpgsql, not sql: its plan is cached for the session, where a sql definer function is planned again in every
-- statement (0.03 ms against 0.11 ms per call here; the getters call it once per statement through (select …))
CREATE FUNCTION app_context_sealed() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN coalesce(current_setting('app.context_seal', true) = app_private.seal(), false);
END $$;

CREATE OR REPLACE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN app_context_sealed() THEN nullif(current_setting('app.user_id', true), '')::uuid END $$;
CREATE OR REPLACE FUNCTION app_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN app_context_sealed() THEN coalesce(nullif(current_setting('app.role', true), ''), 'NONE')
               ELSE 'NONE' END $$;
CREATE OR REPLACE FUNCTION app_branch_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN app_context_sealed() THEN nullif(current_setting('app.branch_id', true), '')::uuid END $$;
CREATE OR REPLACE FUNCTION app_partner_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN app_context_sealed() THEN nullif(current_setting('app.partner_id', true), '')::uuid END $$;
-- the user a login or refresh transaction proved (0073): only it may be read there
CREATE FUNCTION app_login_user() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN app_context_sealed() THEN nullif(current_setting('app.login_user', true), '')::uuid END $$;

CREATE OR REPLACE FUNCTION app_enter_request(p_user text, p_role text, p_branch text, p_partner text,
                                             p_issued_at bigint, p_session uuid)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_session IS NULL OR NOT app_session_live(p_session, p_user::uuid) OR NOT EXISTS (
    SELECT 1
      FROM users u
      JOIN user_roles r ON r.user_id = u.id AND r.role_code = p_role
     WHERE u.id = p_user::uuid
       AND u.is_active
       AND u.branch_id IS NOT DISTINCT FROM nullif(p_branch, '')::uuid
       AND u.partner_id IS NOT DISTINCT FROM nullif(p_partner, '')::uuid
       AND (p_issued_at IS NULL OR date_trunc('second', u.password_changed_at) <= to_timestamp(p_issued_at))
  ) THEN
    RAISE EXCEPTION 'the session of user % is no longer valid', p_user USING ERRCODE = 'DS401';
  END IF;
  PERFORM app_private.enter(p_user, p_role, p_branch, p_partner, NULL);
END $$;

-- The background jobs' context. Whoever holds dispatch_app's password can call it too: what SYSTEM reaches
-- (0025: notifications and exports rows, never orders) is what that password alone still reaches.
CREATE FUNCTION app_enter_system() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT app_private.enter(NULL, 'SYSTEM', NULL, NULL, NULL)
$$;

-- Work the server does for a caller that the caller's own scope cannot express: an installer's 부분인수 creates
-- the remainder order, which has no installer yet. For one order the caller can see (order_visible with the
-- caller's context), the context becomes the manager of that order's branch,
-- the actor staying the caller; app_leave_branch() returns to the caller's own context (kept, sealed, in
-- app.outer). Was set_config, which a sealed context no longer honours.
CREATE FUNCTION app_act_for_branch(p_order uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE b uuid;
BEGIN
  IF app_user_id() IS NULL OR current_setting('app.outer', true) <> '' THEN
    RAISE EXCEPTION 'no caller to act for' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- checked here too: row-level security does not hold a superuser owner
  SELECT o.branch_id INTO b FROM orders o
   WHERE o.id = p_order
     AND order_visible(o.branch_id, o.partner_id, o.installer_id, app_role(), app_branch_id(), app_partner_id(),
                       app_installer_id());
  IF b IS NULL THEN
    RAISE EXCEPTION 'order % is not the caller''s', p_order USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM app_private.enter(app_user_id()::text, 'BRANCH_MANAGER', b::text, NULL, NULL,
    concat_ws('|', app_role(), coalesce(app_branch_id()::text, ''), coalesce(app_partner_id()::text, '')));
END $$;

CREATE FUNCTION app_leave_branch() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE o text[] := string_to_array(current_setting('app.outer', true), '|');
BEGIN
  IF NOT app_context_sealed() OR coalesce(current_setting('app.outer', true), '') = '' THEN
    RAISE EXCEPTION 'not acting for a branch' USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM app_private.enter(app_user_id()::text, o[1], o[2], o[3], NULL, NULL);
END $$;

REVOKE EXECUTE ON FUNCTION app_context_sealed(), app_login_user(), app_enter_system(), app_act_for_branch(uuid),
  app_leave_branch() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_context_sealed(), app_login_user(), app_enter_system(), app_act_for_branch(uuid),
  app_leave_branch() TO dispatch_app;

-- Down Migration
DROP FUNCTION app_leave_branch();
DROP FUNCTION app_act_for_branch(uuid);
DROP FUNCTION app_enter_system();
CREATE OR REPLACE FUNCTION app_enter_request(p_user text, p_role text, p_branch text, p_partner text,
                                             p_issued_at bigint, p_session uuid)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM set_config('app.user_id', p_user, true), set_config('app.role', p_role, true),
          set_config('app.branch_id', p_branch, true), set_config('app.partner_id', p_partner, true);
  IF p_session IS NULL OR NOT app_session_live(p_session, p_user::uuid) OR NOT EXISTS (
    SELECT 1
      FROM users u
      JOIN user_roles r ON r.user_id = u.id AND r.role_code = p_role
     WHERE u.id = p_user::uuid
       AND u.is_active
       AND u.branch_id IS NOT DISTINCT FROM nullif(p_branch, '')::uuid
       AND u.partner_id IS NOT DISTINCT FROM nullif(p_partner, '')::uuid
       AND (p_issued_at IS NULL OR date_trunc('second', u.password_changed_at) <= to_timestamp(p_issued_at))
  ) THEN
    RAISE EXCEPTION 'the session of user % is no longer valid', p_user USING ERRCODE = 'DS401';
  END IF;
END $$;
DROP FUNCTION app_login_user();
CREATE OR REPLACE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(nullif(current_setting('app.role', true), ''), 'NONE') $$;
CREATE OR REPLACE FUNCTION app_branch_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.branch_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_partner_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.partner_id', true), '')::uuid $$;
DROP FUNCTION app_context_sealed();
DROP SCHEMA app_private CASCADE;
