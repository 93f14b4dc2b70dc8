-- Up Migration
-- The idle pull without the database (docs/performance.md, "Round 5 (issue 16): the idle pull without the
-- database"; docs/sync-protocol.md, "The idle pull from memory"). Each server instance polls, about once a second,
-- what the scope notes of 0091 say since its last poll, and keeps per scope the newest noted transaction id in
-- memory; an up-to-date client whose scopes nobody noted since its cursor is answered from there, without a
-- transaction. Its session is checked from a cache, which must forget a session as soon as anything the
-- request check of 0071/0072 reads about its user changes: such writes note the user here (sync_auth_log).

-- Writes that can end or narrow a user's sessions or change their scope: a refresh token revoked or used, the
-- user row (active, branch, partner, password), their roles, their installer record. Inserts of refresh tokens
-- (a login) end nothing and are not noted. Inserts only here too: writers never wait for each other.
CREATE TABLE sync_auth_log (
  xid        xid8 NOT NULL,
  user_id    uuid NOT NULL,
  logged_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (xid, user_id)
);

CREATE FUNCTION sync_note_auth() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ids uuid[] := '{}';
BEGIN
  -- users are keyed by id, the other tables name their user in user_id (an untaken branch is never planned)
  IF TG_TABLE_NAME = 'users' THEN
    IF TG_OP = 'UPDATE' THEN ids := ARRAY(SELECT r.id FROM new_rows r); END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN ids := ids || ARRAY(SELECT r.id FROM old_rows r); END IF;
  ELSE
    IF TG_OP IN ('INSERT', 'UPDATE') THEN ids := ARRAY(SELECT r.user_id FROM new_rows r); END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN ids := ids || ARRAY(SELECT r.user_id FROM old_rows r); END IF;
  END IF;
  INSERT INTO sync_auth_log(xid, user_id)
  SELECT DISTINCT pg_current_xact_id(), u FROM unnest(ids) u WHERE u IS NOT NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_sync_auth_u AFTER UPDATE ON refresh_tokens REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_auth();
CREATE TRIGGER trg_sync_auth_d AFTER DELETE ON refresh_tokens REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_auth();
CREATE TRIGGER trg_sync_auth_u AFTER UPDATE ON users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_auth();
CREATE TRIGGER trg_sync_auth_d AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_note_auth();
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['user_roles', 'installers'] LOOP
    EXECUTE format('CREATE TRIGGER trg_sync_auth_i AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sync_note_auth()', t);
    EXECUTE format('CREATE TRIGGER trg_sync_auth_u AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sync_note_auth()', t);
    EXECUTE format('CREATE TRIGGER trg_sync_auth_d AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sync_note_auth()', t);
  END LOOP;
END $$;

-- What an instance's poll learns. `p_after` null: everything kept (the newest note of every scope, found with one
-- index probe per scope), else what the notes of [p_after, h) say, h = sync_horizon() read first. Why that is
-- complete: h is read by the first statement and the notes by a later one, with a later snapshot (a volatile
-- function under READ COMMITTED), so every transaction below h has ended before the notes are read, and the notes
-- of those that committed are visible. Polls follow each other with p_after = the previous poll's h: every note
-- below the newest h is read by some poll. Users whose authorisation changed are read from p_after up, without an
-- upper end: a revocation must reach the instances even while a long transaction holds the horizon back.
-- `scopePruned`: notes at or below it may be gone; `tombPruned`: sync_log_horizon's (0030).
CREATE FUNCTION sync_idle_marks(p_after xid8) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  h xid8 := sync_horizon();
  r jsonb;
BEGIN
  IF p_after IS NULL THEN
    WITH RECURSIVE s(scope) AS (
      SELECT min(scope) FROM sync_scope_log
      UNION ALL
      SELECT (SELECT min(l.scope) FROM sync_scope_log l WHERE l.scope > s.scope) FROM s WHERE s.scope IS NOT NULL
    )
    SELECT jsonb_build_object(
             'h', h::text,
             'scopePruned', (SELECT pruned_up_to::text FROM sync_scope_log_horizon),
             'tombPruned', (SELECT pruned_up_to::text FROM sync_log_horizon),
             'notes', coalesce((SELECT jsonb_object_agg(s.scope,
                                         (SELECT max(l.xid) FROM sync_scope_log l WHERE l.scope = s.scope)::text)
                                  FROM s WHERE s.scope IS NOT NULL), '{}'::jsonb),
             'users', '[]'::jsonb)
      INTO r;
  ELSE
    SELECT jsonb_build_object(
             'h', h::text,
             'scopePruned', (SELECT pruned_up_to::text FROM sync_scope_log_horizon),
             'tombPruned', (SELECT pruned_up_to::text FROM sync_log_horizon),
             'notes', coalesce((SELECT jsonb_object_agg(n.scope, n.x)
                                  FROM (SELECT scope, max(xid)::text AS x FROM sync_scope_log
                                         WHERE xid >= p_after AND xid < h GROUP BY scope) n), '{}'::jsonb),
             'users', coalesce((SELECT jsonb_agg(DISTINCT a.user_id) FROM sync_auth_log a WHERE a.xid >= p_after),
                               '[]'::jsonb))
      INTO r;
  END IF;
  RETURN r;
END $$;
REVOKE EXECUTE ON FUNCTION sync_idle_marks(xid8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_idle_marks(xid8) TO dispatch_app;

-- The request check of app_enter_request (0071, 0072) without entering a context, for the session cache: null
-- when a request of this token would be refused (DS401), else until when the session lives (its newest live
-- refresh token's expiry) and, for an installer, their installer id (the scope i:<id> of 0091). Keep the two
-- checks the same. Knowing a session id is what this answers about, as app_live_sessions (0071).
CREATE FUNCTION sync_idle_session(p_user uuid, p_role text, p_branch text, p_partner text, p_issued_at bigint,
                                  p_session uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT jsonb_build_object('expiresAt', floor(extract(epoch FROM s.expires_at) * 1000)::bigint,
                            'installerId', (SELECT i.id FROM installers i
                                             WHERE i.user_id = p_user AND p_role = 'INSTALLER'))
    FROM (SELECT max(t.expires_at) AS expires_at FROM refresh_tokens t
           WHERE t.family_id = p_session AND t.user_id = p_user AND t.revoked_at IS NULL
             AND t.expires_at > now()) s
   WHERE s.expires_at IS NOT NULL
     AND EXISTS (
       SELECT 1
         FROM users u
         JOIN user_roles r ON r.user_id = u.id AND r.role_code = p_role
        WHERE u.id = p_user
          AND u.is_active
          AND u.branch_id IS NOT DISTINCT FROM nullif(p_branch, '')::uuid
          AND u.partner_id IS NOT DISTINCT FROM nullif(p_partner, '')::uuid
          AND (p_issued_at IS NULL OR date_trunc('second', u.password_changed_at) <= to_timestamp(p_issued_at)))
$$;
REVOKE EXECUTE ON FUNCTION sync_idle_session(uuid, text, text, text, bigint, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_idle_session(uuid, text, text, text, bigint, uuid) TO dispatch_app;

-- The auth notes are pruned with the scope notes (0091's function, plus the one DELETE).
CREATE OR REPLACE FUNCTION sync_prune_scope_log(keep interval DEFAULT interval '1 day') RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n int;
  top xid8;
BEGIN
  WITH d AS (DELETE FROM sync_scope_log WHERE logged_at < now() - keep RETURNING xid)
  SELECT count(*), max(xid) INTO n, top FROM d;
  IF top IS NOT NULL THEN
    UPDATE sync_scope_log_horizon SET pruned_up_to = greatest(pruned_up_to, top);
  END IF;
  DELETE FROM sync_auth_log WHERE logged_at < now() - keep;
  RETURN n;
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION sync_prune_scope_log(keep interval DEFAULT interval '1 day') RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n int;
  top xid8;
BEGIN
  WITH d AS (DELETE FROM sync_scope_log WHERE logged_at < now() - keep RETURNING xid)
  SELECT count(*), max(xid) INTO n, top FROM d;
  IF top IS NOT NULL THEN
    UPDATE sync_scope_log_horizon SET pruned_up_to = greatest(pruned_up_to, top);
  END IF;
  RETURN n;
END $$;
DROP FUNCTION IF EXISTS sync_idle_session(uuid, text, text, text, bigint, uuid);
DROP FUNCTION IF EXISTS sync_idle_marks(xid8);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['refresh_tokens', 'users', 'user_roles', 'installers'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_auth_i ON %I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_auth_u ON %I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS trg_sync_auth_d ON %I', t);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS sync_note_auth();
DROP TABLE IF EXISTS sync_auth_log;
