-- Up Migration
-- Issue 14. auth_login (0073) compared a login proof as often as anyone holding dispatch_app's password asked:
-- the server's throttle (Redis) does not see raw SQL. The database now throttles it by the same rules
-- (domain/login-throttle.ts, stored here by `npm run db:migrate`): failures per (username, address given), per
-- username and per address, in sliding windows; a success forgets the username's failures.
--
-- A count kept in the caller's transaction would be undone by its ROLLBACK, so a login takes two transactions:
--   auth_login(username, proof, address, server key)  records the attempt and returns its id, telling nothing
--                                                      about the proof; the caller commits it
--   auth_login_finish(attempt)                         in a later transaction, only for a committed attempt:
--                                                      the user (readable from then on in that transaction,
--                                                      as 0073's auth_login did) or NULL
-- Whoever rolls the first back learns nothing, and every answer is counted. auth_login_finish counts again the
-- attempts committed before its own, so a burst of parallel attempts (or one under an old snapshot) cannot slip
-- past the rules either.
--
-- The server's attempts (made with DB_SERVER_KEY, 0074) are counted apart from everyone else's: a direct caller's
-- guesses never lock the real clerk out, who logs in through the server; the server's own are a second line
-- behind its HTTP throttle, with the same numbers.
CREATE TABLE app_private.login_throttle_rules (
  bucket         text PRIMARY KEY CHECK (bucket IN ('pair', 'username', 'address')),
  max_failures   int NOT NULL CHECK (max_failures > 0),
  window_seconds int NOT NULL CHECK (window_seconds > 0)
);

CREATE TABLE app_private.login_attempts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- as the HTTP throttle keys it: trimmed, lower case
  username     text NOT NULL,
  address      text NOT NULL,
  by_server    boolean NOT NULL,
  at           timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- the user the proof matched; NULL for a wrong proof or an unknown username
  user_id      uuid,
  -- the transaction that recorded it: auth_login_finish answers only once it has committed
  xact         xid8 NOT NULL DEFAULT pg_current_xact_id(),
  -- when auth_login_finish gave the user: a success, which ends the count of the failures before it
  succeeded_at timestamptz
);
CREATE INDEX login_attempts_username ON app_private.login_attempts (by_server, username, at);
CREATE INDEX login_attempts_address ON app_private.login_attempts (by_server, address, at);
CREATE INDEX login_attempts_at ON app_private.login_attempts (at);

-- Seconds until one more attempt of this caller kind, username and address is allowed (0: now), counting the
-- attempts made before p_before.
CREATE FUNCTION app_private.login_wait(p_server boolean, p_username text, p_address text, p_before timestamptz,
                                       p_self uuid DEFAULT NULL)
RETURNS int LANGUAGE plpgsql STABLE AS $$
DECLARE
  rule app_private.login_throttle_rules;
  wait numeric := 0;
  since timestamptz;
  freed timestamptz;
BEGIN
  IF (SELECT count(*) FROM app_private.login_throttle_rules) <> 3 THEN
    RAISE EXCEPTION 'the login throttle has no rules: run npm run db:migrate'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  FOR rule IN SELECT * FROM app_private.login_throttle_rules LOOP
    since := greatest(p_before - make_interval(secs => rule.window_seconds), coalesce((
      SELECT max(a.at) FROM app_private.login_attempts a
       WHERE rule.bucket <> 'address' AND a.by_server = p_server AND a.username = p_username
         AND (rule.bucket = 'username' OR a.address = p_address) AND a.succeeded_at IS NOT NULL
         AND a.at < p_before), '-infinity'));
    -- the max-th newest failure counted: when it leaves the window, one more attempt is allowed
    SELECT a.at INTO freed
      FROM app_private.login_attempts a
     WHERE a.by_server = p_server AND a.at > since AND a.at < p_before AND a.succeeded_at IS NULL
       AND a.id IS DISTINCT FROM p_self
       AND CASE rule.bucket WHEN 'pair' THEN a.username = p_username AND a.address = p_address
                            WHEN 'username' THEN a.username = p_username
                            ELSE a.address = p_address END
     ORDER BY a.at DESC
     OFFSET rule.max_failures - 1 LIMIT 1;
    IF freed IS NOT NULL THEN
      wait := greatest(wait, extract(epoch FROM freed + make_interval(secs => rule.window_seconds) - p_before));
    END IF;
  END LOOP;
  RETURN ceil(wait)::int;
END $$;

DROP FUNCTION auth_login(text, text);
CREATE FUNCTION auth_login(p_username text, p_proof text, p_address text, p_key text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  by_server boolean := p_key IS NOT NULL AND app_private.server_key_ok(p_key);
  who text := lower(btrim(coalesce(p_username, '')));
  addr text := coalesce(nullif(btrim(p_address), ''), 'unknown');
  wait int;
  matched uuid;
  attempt uuid;
BEGIN
  IF app_role() <> 'NONE' OR app_login_user() IS NOT NULL THEN
    RAISE EXCEPTION 'a login runs in a transaction of its own' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- one attempt of a username at a time, each counting those committed before it
  PERFORM pg_advisory_xact_lock(hashtextextended('auth_login:' || who, 0));
  wait := app_private.login_wait(by_server, who, addr, clock_timestamp());
  IF wait > 0 THEN
    RAISE EXCEPTION 'too many failed logins: retry after % s', wait USING ERRCODE = 'DS429', DETAIL = wait::text;
  END IF;
  SELECT id INTO matched FROM users WHERE username = p_username AND password_hash = p_proof;
  INSERT INTO app_private.login_attempts(username, address, by_server, user_id)
  VALUES (who, addr, by_server, matched)
  RETURNING id INTO attempt;
  -- attempts older than every window count for nothing; whoever is deleting them already is left alone
  DELETE FROM app_private.login_attempts
   WHERE id IN (SELECT id FROM app_private.login_attempts
                 WHERE at < clock_timestamp() - (SELECT make_interval(secs => max(window_seconds))
                                                   FROM app_private.login_throttle_rules)
                 LIMIT 100 FOR UPDATE SKIP LOCKED);
  RETURN attempt;
END $$;

CREATE FUNCTION auth_login_finish(p_attempt uuid) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  a app_private.login_attempts;
  wait int;
BEGIN
  IF app_role() <> 'NONE' OR app_login_user() IS NOT NULL THEN
    RAISE EXCEPTION 'a login runs in a transaction of its own' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO a FROM app_private.login_attempts WHERE id = p_attempt FOR UPDATE;
  IF a.id IS NULL OR pg_xact_status(a.xact) IS DISTINCT FROM 'committed' OR a.succeeded_at IS NOT NULL
     OR a.at < clock_timestamp() - interval '1 minute' THEN
    RAISE EXCEPTION 'login attempt % is unknown, not committed, used or too old', p_attempt
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  wait := app_private.login_wait(a.by_server, a.username, a.address, a.at, a.id);
  IF wait > 0 THEN
    RAISE EXCEPTION 'too many failed logins: retry after % s', wait USING ERRCODE = 'DS429', DETAIL = wait::text;
  END IF;
  IF a.user_id IS NULL THEN
    RETURN NULL;
  END IF;
  UPDATE app_private.login_attempts SET succeeded_at = clock_timestamp() WHERE id = a.id;
  PERFORM app_private.enter(NULL, NULL, NULL, NULL, a.user_id::text);
  RETURN a.user_id;
END $$;

REVOKE EXECUTE ON FUNCTION auth_login(text, text, text, text), auth_login_finish(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login(text, text, text, text), auth_login_finish(uuid) TO dispatch_app;

-- Down Migration
DROP FUNCTION auth_login_finish(uuid);
DROP FUNCTION auth_login(text, text, text, text);
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
REVOKE EXECUTE ON FUNCTION auth_login(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login(text, text) TO dispatch_app;
DROP FUNCTION app_private.login_wait(boolean, text, text, timestamptz, uuid);
DROP TABLE app_private.login_attempts;
DROP TABLE app_private.login_throttle_rules;
