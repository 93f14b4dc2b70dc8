-- Up Migration
-- One message with the final facts: a notice queued for an order supersedes that order's notices still waiting
-- (QUEUED, HELD) — a 해피콜 확인 followed by its new time window, an assignment moved twice before the
-- dispatcher ran, a postponement right after the assignment. The older rows become SUPERSEDED (superseded_by
-- names the newer one; the drawer and the HQ list show them so), and a job handed one already does nothing (the
-- sender sends only QUEUED rows). A notice being sent right now (its row locked by the job) is left to go out:
-- SKIP LOCKED, so an order write never waits on the provider. When the newer notice is an appointment change
-- (ASSIGNED) and a waiting 해피콜 confirmation is superseded, the newer one keeps the confirmation's event, so
-- the customer reads "방문 확정" with the new window. The dispatcher's coalescing delay (NOTICE_COALESCE_SECONDS)
-- leaves the few seconds between the call and the client's window change for this to happen.
ALTER TABLE order_notices DROP CONSTRAINT chk_order_notices_status;
ALTER TABLE order_notices ADD CONSTRAINT chk_order_notices_status
  CHECK (status IN ('QUEUED', 'HELD', 'SENT', 'DELIVERED', 'FAILED', 'SKIPPED', 'SUPERSEDED'));
ALTER TABLE order_notices ADD COLUMN superseded_by uuid;

-- the definer functions (owned by the migrations' role) find and supersede a waiting notice of any branch; the
-- application role never matches this policy
CREATE POLICY order_notices_definer_read ON order_notices FOR SELECT USING (current_user <> 'dispatch_app');
CREATE POLICY order_notices_definer_supersede ON order_notices FOR UPDATE
  USING (current_user <> 'dispatch_app') WITH CHECK (current_user <> 'dispatch_app');

CREATE OR REPLACE FUNCTION order_notice_insert(o orders, p_event text, p_key text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid := gen_random_uuid();
  n integer;
  confirmed boolean;
BEGIN
  INSERT INTO order_notices(id, order_id, order_created_at, branch_id, event, event_key, status, recipient,
                            variables, reason)
  VALUES (v_id, o.id, o.created_at, o.branch_id, p_event, p_key,
          CASE WHEN o.notices_opt_out THEN 'SKIPPED' ELSE 'QUEUED' END,
          o.customer_phone, order_notice_variables(o),
          CASE WHEN o.notices_opt_out THEN 'OPTED_OUT' END)
  ON CONFLICT (event_key) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RETURN NULL;
  END IF;
  WITH waiting AS (
    SELECT w.id FROM order_notices w
     WHERE w.order_id = o.id AND w.id <> v_id AND w.status IN ('QUEUED', 'HELD')
     FOR UPDATE SKIP LOCKED
  ), superseded AS (
    UPDATE order_notices w SET status = 'SUPERSEDED', superseded_by = v_id, reason = 'SUPERSEDED', updated_at = now()
      FROM waiting WHERE w.id = waiting.id
    RETURNING w.event
  )
  SELECT coalesce(bool_or(event = 'HAPPY_CALL_CONFIRMED'), false) INTO confirmed FROM superseded;
  IF confirmed AND p_event = 'ASSIGNED' THEN
    UPDATE order_notices SET event = 'HAPPY_CALL_CONFIRMED' WHERE id = v_id;
  END IF;
  RETURN v_id;
END $$;
REVOKE EXECUTE ON FUNCTION order_notice_insert(orders, text, text) FROM PUBLIC;

-- Down Migration
DROP POLICY IF EXISTS order_notices_definer_supersede ON order_notices;
DROP POLICY IF EXISTS order_notices_definer_read ON order_notices;
UPDATE order_notices SET status = 'SKIPPED' WHERE status = 'SUPERSEDED';
ALTER TABLE order_notices DROP COLUMN IF EXISTS superseded_by;
ALTER TABLE order_notices DROP CONSTRAINT chk_order_notices_status;
ALTER TABLE order_notices ADD CONSTRAINT chk_order_notices_status
  CHECK (status IN ('QUEUED', 'HELD', 'SENT', 'DELIVERED', 'FAILED', 'SKIPPED'));
