-- Up Migration
-- An access token lives up to 15 minutes and carries the caller's role, branch and partner. Until now a user
-- whom head office deactivated, moved to another branch, stripped of the role or whose password was reset kept
-- working with the old token until it expired. The request's first statement now sets the context and, in the
-- same round trip, checks the token against the user's row as it is now; a stale token gets SQLSTATE DS401,
-- which the server answers with 401 SESSION_REVOKED (the client then tries its refresh token, which is refused
-- for an inactive user, and shows the login screen).
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
       -- iat has whole seconds: a token issued in the same second as the change still counts as newer
       AND (p_issued_at IS NULL OR date_trunc('second', u.password_changed_at) <= to_timestamp(p_issued_at))
  ) THEN
    RAISE EXCEPTION 'the session of user % is no longer valid', p_user USING ERRCODE = 'DS401';
  END IF;
END $$;
REVOKE EXECUTE ON FUNCTION app_enter_request(text, text, text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_enter_request(text, text, text, text, bigint) TO dispatch_app;

-- Notifications are written by the server for events of orders the caller may see; any signed-in caller could
-- insert one for anybody about anything. Now the row-level-security wall also checks the event: the caller's
-- own (sync conflicts), about an order the caller can see (assignment, 부재/연기/취소), or a settlement notice
-- to users of the caller's own branch (HQ is covered by notifications_hq).
DROP POLICY notifications_create ON notifications;
CREATE POLICY notifications_create ON notifications FOR INSERT WITH CHECK (
  (select app_user_id()) IS NOT NULL AND (
    user_id = (select app_user_id())
    OR (category IN ('ASSIGNMENT', 'ABSENCE', 'POSTPONE', 'CANCEL')
        AND order_id IS NOT NULL AND EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id))
    OR (category IN ('SETTLEMENT_LOCK', 'SETTLEMENT_UNLOCK') AND (select app_role()) = 'BRANCH_MANAGER'
        AND EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.branch_id = (select app_branch_id())))
  )
);

-- Down Migration
DROP POLICY notifications_create ON notifications;
CREATE POLICY notifications_create ON notifications FOR INSERT WITH CHECK ((select app_user_id()) IS NOT NULL);
DROP FUNCTION IF EXISTS app_enter_request(text, text, text, text, bigint);
