-- Up Migration
-- Issue 14. Logout and a password change ended the refresh tokens, but an access token went on working until it
-- expired (up to 15 minutes), and one issued in the same second as a password change survived it. An access
-- token now names its session (the refresh-token family, claim `sid`), and the request's first statement checks
-- that the session is still live: not revoked (logout, password change, a reused refresh token) and not expired.
-- Definer: refresh_tokens is not readable by dispatch_app (0073).
CREATE FUNCTION app_session_live(p_session uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM refresh_tokens t
                  WHERE t.family_id = p_session AND t.user_id = p_user AND t.revoked_at IS NULL
                    AND t.expires_at > now())
$$;

-- Of the given sessions, those still live (the SSE hub closes the streams of the others). Knowing a session id
-- is what this answers about, so it tells nothing to someone who does not already hold one.
CREATE FUNCTION app_live_sessions(p_sessions uuid[]) RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(DISTINCT t.family_id), '{}')
    FROM refresh_tokens t
   WHERE t.family_id = ANY(p_sessions) AND t.revoked_at IS NULL AND t.expires_at > now()
$$;

CREATE FUNCTION app_enter_request(p_user text, p_role text, p_branch text, p_partner text, p_issued_at bigint,
                                  p_session uuid)
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
REVOKE EXECUTE ON FUNCTION app_session_live(uuid, uuid), app_live_sessions(uuid[]),
  app_enter_request(text, text, text, text, bigint, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_session_live(uuid, uuid), app_live_sessions(uuid[]),
  app_enter_request(text, text, text, text, bigint, uuid) TO dispatch_app;
-- the version without a session is gone: every request names its session
DROP FUNCTION app_enter_request(text, text, text, text, bigint);

-- Down Migration
CREATE FUNCTION app_enter_request(p_user text, p_role text, p_branch text, p_partner text, p_issued_at bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('app.user_id', p_user, true), set_config('app.role', p_role, true),
          set_config('app.branch_id', p_branch, true), set_config('app.partner_id', p_partner, true);
  IF NOT EXISTS (
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
REVOKE EXECUTE ON FUNCTION app_enter_request(text, text, text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_enter_request(text, text, text, text, bigint) TO dispatch_app;
DROP FUNCTION app_enter_request(text, text, text, text, bigint, uuid);
DROP FUNCTION app_live_sessions(uuid[]);
DROP FUNCTION app_session_live(uuid, uuid);
