-- Up Migration
-- Issue 16, FR-03 throughput: the request context's own cost. Every request's transaction enters its context
-- (app_enter_request: the session and the user checked, the values set and sealed, 0071/0072), and every
-- statement's policies read it through getters that check the seal (app_context_sealed → app_private.seal()).
-- Both were SQL-language functions that PostgreSQL cannot inline (a FROM, two statements, a SECURITY DEFINER
-- with SET), so their statements were parsed and planned again on every call: measured on the backend's CPU
-- (docs/performance.md, "Round 5 (issue 16): FR-03 throughput"), the entering took ≈ 0.55 ms and each seal check
-- ≈ 0.045 ms at load ≈ 20, against ≈ 0.28 ms and ≈ 0.03 ms as plpgsql, whose plans are kept for the session.
--
-- What is checked does not change: the same seal value (the same digest of the same values), the same refusal
-- (DS401) for an ended, revoked or expired session, an inactive user, a role, branch or partner the user no longer
-- has, or a token older than a password change. The session's row is now read in the one statement that checks the
-- user (it was app_session_live's own statement, planned per call); app_session_live stays for its other callers.
CREATE OR REPLACE FUNCTION app_private.seal() RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE s text;
BEGIN
  SELECT c.secret INTO s FROM app_private.context_secret c;
  -- as 0072: nested digest (a prefix-keyed single hash would allow length extension); now() is the transaction's
  -- start, also in parallel workers
  RETURN encode(sha256(convert_to(s || encode(sha256(convert_to(
           s || '|' || extract(epoch FROM now())::text || '|' ||
           concat_ws('|', current_setting('app.user_id', true), current_setting('app.role', true),
                     current_setting('app.branch_id', true), current_setting('app.partner_id', true),
                     current_setting('app.login_user', true), current_setting('app.outer', true)), 'UTF8')),
           'hex'), 'UTF8')), 'hex');
END $$;

CREATE OR REPLACE FUNCTION app_private.enter(p_user text, p_role text, p_branch text, p_partner text,
                                             p_login_user text, p_outer text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('app.user_id', coalesce(p_user, ''), true), set_config('app.role', coalesce(p_role, ''), true),
          set_config('app.branch_id', coalesce(p_branch, ''), true),
          set_config('app.partner_id', coalesce(p_partner, ''), true),
          set_config('app.login_user', coalesce(p_login_user, ''), true),
          set_config('app.outer', coalesce(p_outer, ''), true);
  PERFORM set_config('app.context_seal', app_private.seal(), true);
END $$;

CREATE OR REPLACE FUNCTION app_enter_request(p_user text, p_role text, p_branch text, p_partner text,
                                             p_issued_at bigint, p_session uuid)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_session IS NULL OR NOT EXISTS (
    SELECT 1
      FROM users u
      JOIN user_roles r ON r.user_id = u.id AND r.role_code = p_role
     WHERE u.id = p_user::uuid
       AND u.is_active
       AND u.branch_id IS NOT DISTINCT FROM nullif(p_branch, '')::uuid
       AND u.partner_id IS NOT DISTINCT FROM nullif(p_partner, '')::uuid
       AND (p_issued_at IS NULL OR date_trunc('second', u.password_changed_at) <= to_timestamp(p_issued_at))
       -- the session is live: app_session_live's condition (0071)
       AND EXISTS (SELECT 1 FROM refresh_tokens t
                    WHERE t.family_id = p_session AND t.user_id = u.id AND t.revoked_at IS NULL
                      AND t.expires_at > now())
  ) THEN
    RAISE EXCEPTION 'the session of user % is no longer valid', p_user USING ERRCODE = 'DS401';
  END IF;
  PERFORM app_private.enter(p_user, p_role, p_branch, p_partner, NULL);
END $$;

-- Down Migration
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
CREATE OR REPLACE FUNCTION app_private.enter(p_user text, p_role text, p_branch text, p_partner text,
                                             p_login_user text, p_outer text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
  SELECT set_config('app.user_id', coalesce(p_user, ''), true), set_config('app.role', coalesce(p_role, ''), true),
         set_config('app.branch_id', coalesce(p_branch, ''), true),
         set_config('app.partner_id', coalesce(p_partner, ''), true),
         set_config('app.login_user', coalesce(p_login_user, ''), true),
         set_config('app.outer', coalesce(p_outer, ''), true);
  SELECT set_config('app.context_seal', app_private.seal(), true);
$$;
CREATE OR REPLACE FUNCTION app_private.seal() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(s.secret || encode(sha256(convert_to(
           s.secret || '|' || extract(epoch FROM now())::text || '|' ||
           concat_ws('|', current_setting('app.user_id', true), current_setting('app.role', true),
                     current_setting('app.branch_id', true), current_setting('app.partner_id', true),
                     current_setting('app.login_user', true), current_setting('app.outer', true)), 'UTF8')),
           'hex'), 'UTF8')), 'hex')
    FROM app_private.context_secret s
$$;
