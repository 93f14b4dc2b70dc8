-- Up Migration
-- Issue 14. Anyone holding dispatch_app's password could still enter the SYSTEM context (app_enter_system: the
-- background jobs' notifications, exports, settlement weeks) and read every password's salt and Argon2
-- parameters (auth_password_salt), which let them compute login proofs for their guesses. Both now need the
-- server's key (DB_SERVER_KEY), a second secret the operators keep with JWT_SECRET: the database holds only its
-- SHA-256, in app_private, which dispatch_app can neither read nor use; `npm run db:migrate` stores it. The key
-- is sent as a bind parameter, so pg_stat_activity (which dispatch_app reads for its own backends) never shows
-- it; it has 256 random bits, so one unsalted SHA-256 is enough.
CREATE TABLE app_private.server_key (
  id     boolean PRIMARY KEY DEFAULT true CHECK (id),
  digest bytea NOT NULL
);

-- true only for the key whose digest db:migrate stored; false (never an error) for anything else
CREATE FUNCTION app_private.server_key_ok(p_key text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT k.digest = sha256(convert_to(p_key, 'UTF8')) FROM app_private.server_key k), false)
$$;

DROP FUNCTION app_enter_system();
CREATE FUNCTION app_enter_system(p_key text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_key IS NULL OR NOT app_private.server_key_ok(p_key) THEN
    RAISE EXCEPTION 'the SYSTEM context needs the server key (DB_SERVER_KEY as stored by db:migrate)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM app_private.enter(NULL, 'SYSTEM', NULL, NULL, NULL);
END $$;

DROP FUNCTION auth_password_salt(text);
CREATE FUNCTION auth_password_salt(p_username text, p_key text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_key IS NULL OR NOT app_private.server_key_ok(p_key) THEN
    RAISE EXCEPTION 'salts are for the server only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN (SELECT regexp_replace(password_hash, '\$[^$]*$', '') || '$' || length(substring(password_hash FROM '[^$]*$'))
            FROM users WHERE username = p_username);
END $$;

REVOKE EXECUTE ON FUNCTION app_enter_system(text), auth_password_salt(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_enter_system(text), auth_password_salt(text, text) TO dispatch_app;

-- Down Migration
DROP FUNCTION auth_password_salt(text, text);
CREATE FUNCTION auth_password_salt(p_username text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT regexp_replace(password_hash, '\$[^$]*$', '') || '$' || length(substring(password_hash FROM '[^$]*$'))
    FROM users WHERE username = p_username
$$;
DROP FUNCTION app_enter_system(text);
CREATE FUNCTION app_enter_system() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT app_private.enter(NULL, 'SYSTEM', NULL, NULL, NULL)
$$;
REVOKE EXECUTE ON FUNCTION app_enter_system(), auth_password_salt(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_enter_system(), auth_password_salt(text) TO dispatch_app;
DROP FUNCTION app_private.server_key_ok(text);
DROP TABLE app_private.server_key;
