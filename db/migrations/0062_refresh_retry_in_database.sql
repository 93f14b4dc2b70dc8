-- Up Migration
-- The retry of a refresh whose answer was lost (0060), decided in the database like every use of a refresh token
-- (0073 moves them into SECURITY DEFINER functions and takes refresh_tokens away from dispatch_app). This is
-- auth_refresh with the retry key: the used token presented again with the key of the refresh that used it, while
-- the token issued then has never been used, revokes that unused token and issues a new one ('ok'); without the
-- key, or once the issued token was used, it is 'reused' and the family is revoked, as before. Every token issued
-- names the one it replaces (replaced_by). app_role(), app_login_user() and app_private.enter() are those of
-- 0071-0073 (a plpgsql body is resolved when it runs).
CREATE FUNCTION auth_refresh_retry(p_old_hash text, p_retry_key_hash text, p_new_hash text, p_ttl_seconds int)
RETURNS TABLE(outcome text, out_user uuid, out_family uuid, out_expires timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE t refresh_tokens; s refresh_tokens; next_id uuid; next_expiry timestamptz;
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
    IF p_retry_key_hash IS NOT NULL AND t.retry_key_hash = p_retry_key_hash AND t.replaced_by IS NOT NULL THEN
      SELECT * INTO s FROM refresh_tokens r WHERE r.id = t.replaced_by FOR UPDATE;
    END IF;
    IF s.id IS NULL OR s.used_at IS NOT NULL THEN
      UPDATE refresh_tokens r SET revoked_at = now() WHERE r.family_id = t.family_id AND r.revoked_at IS NULL;
      RETURN QUERY SELECT 'reused', t.user_id, t.family_id, NULL::timestamptz;
      RETURN;
    END IF;
    -- the owner retrying: the token whose answer was lost goes, a new one replaces it
    UPDATE refresh_tokens r SET revoked_at = now() WHERE r.id = s.id AND r.revoked_at IS NULL;
  ELSE
    UPDATE refresh_tokens r SET used_at = now(), retry_key_hash = p_retry_key_hash WHERE r.id = t.id;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM users u JOIN user_roles ur ON ur.user_id = u.id WHERE u.id = t.user_id AND u.is_active) THEN
    UPDATE refresh_tokens r SET revoked_at = now() WHERE r.family_id = t.family_id AND r.revoked_at IS NULL;
    RETURN QUERY SELECT 'inactive', t.user_id, t.family_id, NULL::timestamptz;
    RETURN;
  END IF;
  INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
  VALUES (t.user_id, t.family_id, p_new_hash, now() + make_interval(secs => p_ttl_seconds))
  RETURNING id, expires_at INTO next_id, next_expiry;
  UPDATE refresh_tokens r SET replaced_by = next_id WHERE r.id = t.id;
  PERFORM app_private.enter(NULL, NULL, NULL, NULL, t.user_id::text);
  RETURN QUERY SELECT 'ok', t.user_id, t.family_id, next_expiry;
END $$;
REVOKE EXECUTE ON FUNCTION auth_refresh_retry(text, text, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_refresh_retry(text, text, text, int) TO dispatch_app;

-- Down Migration
DROP FUNCTION IF EXISTS auth_refresh_retry(text, text, text, int);
