-- Up Migration
-- Two per-row costs of an order UPDATE, which is most of a sync push's database time (docs/performance.md):
--
-- The settlement guard checked the old and the new (branch, appointment date) even when they are the same pair,
-- looking the week up twice (an edit of remarks, a status change). The same pair in the same statement gives the
-- same answer, so the new pair is checked only when it differs: the same writes are refused (423), the same pass.
--
-- cache_touch() rebuilt the whole list on every call that brought a new scope: unnest, DISTINCT, sort and join of
-- everything listed so far (~100 scopes by the end of a 50-op push chunk, each op bringing its customer's two).
-- Now only the scopes not listed yet are appended. app.cache_touched holds the same set as before ('*' beyond 200
-- scopes), in the order first touched instead of sorted; its one reader (server/db/transaction.ts) takes it as a set.
CREATE OR REPLACE FUNCTION orders_settlement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM raise_if_locked(OLD.branch_id, OLD.appointment_date); END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.branch_id IS DISTINCT FROM OLD.branch_id
                                                OR NEW.appointment_date IS DISTINCT FROM OLD.appointment_date)) THEN
    PERFORM raise_if_locked(NEW.branch_id, NEW.appointment_date);
  END IF;
  RETURN coalesce(NEW, OLD);
END $$;

CREATE OR REPLACE FUNCTION cache_touch(scopes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cur text := coalesce(current_setting('app.cache_touched', true), '');
  have text[] := coalesce(string_to_array(nullif(cur, ''), ','), '{}');
  fresh text[];
BEGIN
  IF cur = '*' OR scopes IS NULL OR cardinality(scopes) = 0 THEN RETURN; END IF;
  fresh := ARRAY(SELECT DISTINCT s FROM unnest(scopes) s WHERE s IS NOT NULL AND s <> ALL (have));
  -- a push chunk or a bulk statement touches the same branch over and over
  IF cardinality(fresh) = 0 THEN RETURN; END IF;
  PERFORM set_config('app.cache_touched',
                     CASE WHEN cardinality(have) + cardinality(fresh) > 200 THEN '*'
                          ELSE array_to_string(have || fresh, ',') END, true);
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION orders_settlement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM raise_if_locked(OLD.branch_id, OLD.appointment_date); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM raise_if_locked(NEW.branch_id, NEW.appointment_date); END IF;
  RETURN coalesce(NEW, OLD);
END $$;

CREATE OR REPLACE FUNCTION cache_touch(scopes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cur text := coalesce(current_setting('app.cache_touched', true), '');
  have text[] := string_to_array(nullif(cur, ''), ',');
  merged text[];
BEGIN
  IF cur = '*' OR scopes IS NULL OR cardinality(scopes) = 0 THEN RETURN; END IF;
  -- a push chunk or a bulk statement touches the same branch over and over
  IF have @> array_remove(scopes, NULL) THEN RETURN; END IF;
  merged := ARRAY(SELECT DISTINCT s FROM unnest(have || scopes) s WHERE s IS NOT NULL ORDER BY s);
  PERFORM set_config('app.cache_touched', CASE WHEN cardinality(merged) > 200 THEN '*' ELSE array_to_string(merged, ',') END, true);
END $$;
