-- Up Migration
-- Issue 14. With no context, auth_password_hash() gave every user's hash to anyone holding dispatch_app's
-- password, and users, user_roles, refresh_tokens and order_numbers were readable (refresh_tokens writable:
-- anyone could have made a session for HQ, and sessions are what 0071/0072 accept as proof of a caller).
-- Now the database itself checks the proof of each way in:
--   login    auth_login(username, proof): the proof is the Argon2id hash the server recomputes from the typed
--            password with the stored salt and parameters (auth_password_salt); it must equal the stored hash,
--            which dispatch_app cannot read. Only then is that one user readable in the transaction and may a
--            session be opened for it.
--   refresh  auth_refresh(old token's hash, new hash): knowing a live refresh token is the proof.
--   self     a sealed request context (0072) may open a session for its own user and end its own sessions.
-- refresh_tokens is reached only through these functions.

-- The PHC string without its hash ($argon2id$v=19$m=…,t=…,p=…$<salt>) and the hash's length in base64
-- characters: what the server needs to recompute the hash from a password. NULL for an unknown username.
CREATE FUNCTION auth_password_salt(p_username text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT regexp_replace(password_hash, '\$[^$]*$', '') || '$' || length(substring(password_hash FROM '[^$]*$'))
    FROM users WHERE username = p_username
$$;

CREATE FUNCTION auth_login(p_username text, p_proof text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE found uuid;
BEGIN
  IF app_role() <> 'NONE' OR app_login_user() IS NOT NULL THEN
    RAISE EXCEPTION 'a login runs in a transaction of its own' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT id INTO found FROM users WHERE username = p_username AND password_hash = p_proof;
  IF found IS NOT NULL THEN
    PERFORM app_private.enter(NULL, NULL, NULL, NULL, found::text);
  END IF;
  RETURN found;
END $$;

-- A new session (refresh-token family) for the user this transaction proved (login) or for the caller itself.
CREATE FUNCTION auth_open_session(p_token_hash text, p_ttl_seconds int)
RETURNS TABLE(family_id uuid, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE who uuid := coalesce(app_login_user(), app_user_id());
BEGIN
  IF who IS NULL THEN
    RAISE EXCEPTION 'no proven user to open a session for' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_ttl_seconds NOT BETWEEN 1 AND 366 * 86400 THEN
    RAISE EXCEPTION 'session lifetime % s out of range', p_ttl_seconds USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
    INSERT INTO refresh_tokens AS t(user_id, family_id, token_hash, expires_at)
    VALUES (who, gen_random_uuid(), p_token_hash, now() + make_interval(secs => p_ttl_seconds))
    RETURNING t.family_id, t.expires_at;
END $$;

-- One use of a refresh token: outcome 'invalid' (unknown, revoked, expired), 'reused' (used before: the family
-- is revoked), 'inactive' (the user is disabled or has no role: the family is revoked) or 'ok' with the next
-- token of the family, and the user readable in this transaction.
CREATE FUNCTION auth_refresh(p_old_hash text, p_new_hash text, p_ttl_seconds int)
RETURNS TABLE(outcome text, out_user uuid, out_family uuid, out_expires timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE t refresh_tokens; next_expiry timestamptz;
BEGIN
  IF app_role() <> 'NONE' OR app_login_user() IS NOT NULL THEN
    RAISE EXCEPTION 'a refresh runs in a transaction of its own' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_ttl_seconds NOT BETWEEN 1 AND 366 * 86400 THEN
    RAISE EXCEPTION 'session lifetime % s out of range', p_ttl_seconds USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO t FROM refresh_tokens r WHERE r.token_hash = p_old_hash FOR UPDATE;
  IF t.id IS NULL OR t.revoked_at IS NOT NULL OR t.expires_at <= now() THEN
    RETURN QUERY SELECT 'invalid', NULL::uuid, NULL::uuid, NULL::timestamptz;
    RETURN;
  END IF;
  IF t.used_at IS NOT NULL THEN
    UPDATE refresh_tokens r SET revoked_at = now() WHERE r.family_id = t.family_id AND r.revoked_at IS NULL;
    RETURN QUERY SELECT 'reused', t.user_id, t.family_id, NULL::timestamptz;
    RETURN;
  END IF;
  UPDATE refresh_tokens r SET used_at = now() WHERE r.id = t.id;
  IF NOT EXISTS (SELECT 1 FROM users u JOIN user_roles ur ON ur.user_id = u.id WHERE u.id = t.user_id AND u.is_active) THEN
    UPDATE refresh_tokens r SET revoked_at = now() WHERE r.family_id = t.family_id AND r.revoked_at IS NULL;
    RETURN QUERY SELECT 'inactive', t.user_id, t.family_id, NULL::timestamptz;
    RETURN;
  END IF;
  INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
  VALUES (t.user_id, t.family_id, p_new_hash, now() + make_interval(secs => p_ttl_seconds))
  RETURNING expires_at INTO next_expiry;
  PERFORM app_private.enter(NULL, NULL, NULL, NULL, t.user_id::text);
  RETURN QUERY SELECT 'ok', t.user_id, t.family_id, next_expiry;
END $$;

-- Logout: ends the family of a token the caller holds; returns it (NULL for an unknown token).
CREATE FUNCTION auth_logout(p_token_hash text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE fam uuid;
BEGIN
  SELECT r.family_id INTO fam FROM refresh_tokens r WHERE r.token_hash = p_token_hash FOR UPDATE;
  IF fam IS NOT NULL THEN
    UPDATE refresh_tokens r SET revoked_at = now() WHERE r.family_id = fam AND r.revoked_at IS NULL;
  END IF;
  RETURN fam;
END $$;

-- Ends every session of a user: the user itself (password change) or HQ (reset, role change, deactivation).
CREATE FUNCTION auth_end_sessions(p_user uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT coalesce(app_role() = 'HQ_ADMIN' OR p_user = app_user_id(), false) THEN
    RAISE EXCEPTION 'only the user or head office ends its sessions' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = p_user AND revoked_at IS NULL;
END $$;

-- The hash only for the user this transaction proved or the caller itself (its password change).
CREATE OR REPLACE FUNCTION auth_password_hash(p_user uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT password_hash FROM users WHERE id = p_user AND (id = app_login_user() OR id = app_user_id())
$$;

REVOKE EXECUTE ON FUNCTION auth_password_salt(text), auth_login(text, text), auth_open_session(text, int),
  auth_refresh(text, text, int), auth_logout(text), auth_end_sessions(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_password_salt(text), auth_login(text, text), auth_open_session(text, int),
  auth_refresh(text, text, int), auth_logout(text), auth_end_sessions(uuid) TO dispatch_app;

REVOKE ALL ON refresh_tokens FROM dispatch_app;

DROP POLICY users_read ON users;
CREATE POLICY users_read ON users FOR SELECT
  USING ((select app_role()) <> 'NONE' OR id = (select app_login_user()));
DROP POLICY user_roles_read ON user_roles;
CREATE POLICY user_roles_read ON user_roles FOR SELECT
  USING ((select app_role()) <> 'NONE' OR user_id = (select app_login_user()));

-- order numbers are read for a caller's orders (lookups, sync rows); nothing without a caller
ALTER TABLE order_numbers ENABLE ROW LEVEL SECURITY;
CREATE POLICY order_numbers_read ON order_numbers FOR SELECT
  USING ((select app_role()) IN ('HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'));

-- Down Migration
DROP POLICY order_numbers_read ON order_numbers;
ALTER TABLE order_numbers DISABLE ROW LEVEL SECURITY;
DROP POLICY user_roles_read ON user_roles;
CREATE POLICY user_roles_read ON user_roles FOR SELECT USING (true);
DROP POLICY users_read ON users;
CREATE POLICY users_read ON users FOR SELECT USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens TO dispatch_app;
CREATE OR REPLACE FUNCTION auth_password_hash(p_user uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT password_hash FROM users WHERE id = p_user AND (app_role() = 'NONE' OR id = app_user_id())
$$;
DROP FUNCTION auth_end_sessions(uuid);
DROP FUNCTION auth_logout(text);
DROP FUNCTION auth_refresh(text, text, int);
DROP FUNCTION auth_open_session(text, int);
DROP FUNCTION auth_login(text, text);
DROP FUNCTION auth_password_salt(text);
