-- Up Migration
-- Appointment notices to customers (알림톡 first, SMS/LMS fallback): issue 15.
--
-- The database decides when a notice is due, not the code paths: a trigger on orders queues one in the very
-- transaction that assigns, postpones or cancels the order, whichever path wrote it (REST, the sync push and its
-- fast path for order edits, a hand-written UPDATE). The 해피콜 confirmation has no column of its own; its write
-- path calls order_notice_enqueue() (server/notices enqueueOrderNotice) in its transaction. Each notice carries an
-- idempotency key (order, event, the order's version after the change — or the caller's key), UNIQUE: a retried
-- push or a second call queues nothing more. The server's dispatcher turns queued rows into pg-boss jobs.

-- One text per event, Korean, with #{variable} placeholders (domain/notices.ts lists the variables). Read by
-- every signed-in context and the jobs; written by HQ_ADMIN only.
CREATE TABLE notice_templates (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event              varchar(30) NOT NULL CONSTRAINT uq_notice_templates_event UNIQUE
                     CONSTRAINT chk_notice_templates_event
                     CHECK (event IN ('ASSIGNED', 'HAPPY_CALL_CONFIRMED', 'POSTPONED', 'CANCELLED')),
  -- the 알림톡 template registered (and approved) at Kakao through the provider; its text must match `body`
  kakao_template_id  varchar(80) NOT NULL,
  body               text NOT NULL CONSTRAINT chk_notice_templates_body CHECK (length(body) BETWEEN 1 AND 1000),
  updated_by         uuid REFERENCES users(id),
  version            integer NOT NULL DEFAULT 1 CONSTRAINT chk_notice_templates_version_positive CHECK (version > 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  change_xid         xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TRIGGER trg_touch BEFORE UPDATE ON notice_templates FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER trg_audit AFTER INSERT OR UPDATE OR DELETE ON notice_templates FOR EACH ROW EXECUTE FUNCTION audit_row();

INSERT INTO notice_templates(event, kakao_template_id, body) VALUES
  ('ASSIGNED', 'KA01TP_DISPATCH_ASSIGNED',
   E'[배송·설치 예약 안내]\n#{고객명} 고객님, 주문하신 제품의 배송·설치가 #{방문일} #{방문시간}에 예약되었습니다.\n담당 기사: #{기사명}\n문의: #{지점전화}'),
  ('HAPPY_CALL_CONFIRMED', 'KA01TP_DISPATCH_CONFIRMED',
   E'[방문 확정 안내]\n#{고객명} 고객님, 내일 #{방문일} #{방문시간} 방문이 확정되었습니다.\n담당 기사: #{기사명}\n문의: #{지점전화}'),
  ('POSTPONED', 'KA01TP_DISPATCH_POSTPONED',
   E'[방문 일정 변경 안내]\n#{고객명} 고객님, 요청하신 대로 방문 일정이 연기되었습니다. 새 일정: #{방문일} #{방문시간}\n문의: #{지점전화}'),
  ('CANCELLED', 'KA01TP_DISPATCH_CANCELLED',
   E'[방문 취소 안내]\n#{고객명} 고객님, 예약된 배송·설치 방문이 취소되었습니다.\n문의: #{지점전화}');

ALTER TABLE notice_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE notice_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY notice_templates_read ON notice_templates FOR SELECT
  USING ((select app_role()) IN ('HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER', 'SYSTEM'));
CREATE POLICY notice_templates_write ON notice_templates FOR UPDATE
  USING ((select app_role()) = 'HQ_ADMIN') WITH CHECK ((select app_role()) = 'HQ_ADMIN');
GRANT SELECT, UPDATE ON notice_templates TO dispatch_app;

-- The phone number a notice gives the customer for the branch (#{지점전화}). Branches are mirrored to the
-- clients; this is head-office data only, so it is a table of its own.
CREATE TABLE notice_branch_phones (
  branch_id   uuid PRIMARY KEY REFERENCES branches(id),
  phone       varchar(30) NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE notice_branch_phones ENABLE ROW LEVEL SECURITY;
ALTER TABLE notice_branch_phones FORCE ROW LEVEL SECURITY;
CREATE POLICY notice_branch_phones_read ON notice_branch_phones FOR SELECT
  USING ((select app_role()) IN ('HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER', 'SYSTEM'));
CREATE POLICY notice_branch_phones_write ON notice_branch_phones FOR ALL
  USING ((select app_role()) = 'HQ_ADMIN') WITH CHECK ((select app_role()) = 'HQ_ADMIN');
GRANT SELECT, INSERT, UPDATE, DELETE ON notice_branch_phones TO dispatch_app;

-- One notice per order event. Written only by order_notice_enqueue() (definer) and, for its progress, by the
-- jobs (SYSTEM). What the message says is fixed when the event happens (variables): a later edit of the order
-- queues its own notice.
CREATE TABLE order_notices (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id             uuid NOT NULL,
  order_created_at     timestamptz NOT NULL,
  branch_id            uuid NOT NULL REFERENCES branches(id),
  event                varchar(30) NOT NULL CONSTRAINT chk_order_notices_event
                       CHECK (event IN ('ASSIGNED', 'HAPPY_CALL_CONFIRMED', 'POSTPONED', 'CANCELLED')),
  event_key            text NOT NULL CONSTRAINT uq_order_notices_event_key UNIQUE,
  status               varchar(12) NOT NULL DEFAULT 'QUEUED' CONSTRAINT chk_order_notices_status
                       CHECK (status IN ('QUEUED', 'HELD', 'SENT', 'DELIVERED', 'FAILED', 'SKIPPED')),
  -- the channel of the last send: ALIMTALK, or SMS / LMS after the fallback
  channel              varchar(10) CONSTRAINT chk_order_notices_channel CHECK (channel IN ('ALIMTALK', 'SMS', 'LMS')),
  recipient            varchar(30),
  variables            jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempts             integer NOT NULL DEFAULT 0,
  job_id               uuid,
  provider_message_id  varchar(80),
  -- why it failed or was skipped (a provider's code and message, OPTED_OUT, NO_PHONE, …)
  reason               text,
  hold_until           timestamptz,
  sent_at              timestamptz,
  delivered_at         timestamptz,
  failed_at            timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT fk_order_notices_order FOREIGN KEY (order_id, order_created_at)
    REFERENCES orders(id, created_at) ON DELETE CASCADE
);
CREATE INDEX idx_order_notices_order ON order_notices(order_id, created_at DESC);
-- the HQ list: newest first, filtered by branch / status / event / day
CREATE INDEX idx_order_notices_created ON order_notices(created_at DESC, id DESC);
CREATE INDEX idx_order_notices_branch_created ON order_notices(branch_id, created_at DESC, id DESC);
-- the dispatcher's scan
CREATE INDEX idx_order_notices_due ON order_notices(status, hold_until) WHERE status IN ('QUEUED', 'HELD');
CREATE INDEX idx_order_notices_provider ON order_notices(provider_message_id) WHERE provider_message_id IS NOT NULL;

ALTER TABLE order_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_notices FORCE ROW LEVEL SECURITY;
-- a branch sees its own orders' notices, HQ all; the jobs read and advance every one
CREATE POLICY order_notices_read ON order_notices FOR SELECT
  USING ((select app_role()) IN ('HQ_ADMIN', 'SYSTEM')
         OR ((select app_role()) = 'BRANCH_MANAGER' AND branch_id = (select app_branch_id())));
CREATE POLICY order_notices_progress ON order_notices FOR UPDATE
  USING ((select app_role()) = 'SYSTEM') WITH CHECK ((select app_role()) = 'SYSTEM');
-- only the definer functions below insert (dispatch_app has no INSERT grant); this lets them under FORCE
CREATE POLICY order_notices_enqueue ON order_notices FOR INSERT WITH CHECK (true);
GRANT SELECT, UPDATE ON order_notices TO dispatch_app;

-- The facts a notice says, as the customer reads them (Korean calendar and clock).
CREATE FUNCTION order_notice_variables(o orders) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT jsonb_build_object(
    'customer', o.customer_name,
    'date', CASE WHEN o.appointment_date IS NULL THEN ''
                 ELSE to_char(o.appointment_date, 'FMMM"월" FMDD"일"') || '(' ||
                      (ARRAY['일','월','화','수','목','금','토'])[extract(dow FROM o.appointment_date)::int + 1] || ')' END,
    'timeWindow', CASE WHEN o.appointment_time_window IS NULL OR isempty(o.appointment_time_window) THEN ''
                       ELSE to_char(lower(o.appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') || '~' ||
                            to_char(upper(o.appointment_time_window) AT TIME ZONE 'Asia/Seoul', 'HH24:MI') END,
    'installer', coalesce((SELECT i.name FROM installers i WHERE i.id = o.installer_id), ''),
    'branchPhone', coalesce((SELECT p.phone FROM notice_branch_phones p WHERE p.branch_id = o.branch_id), ''),
    'orderNo', o.order_no)
$$;
REVOKE EXECUTE ON FUNCTION order_notice_variables(orders) FROM PUBLIC;

-- Queues the notice of one event of an order (or nothing if that key was queued before; then NULL). An order
-- whose customer opted out gets a SKIPPED row: the drawer shows why nothing went out. No RETURNING: the caller
-- (a partner coordinator, say) may not be allowed to read the row it queues.
CREATE FUNCTION order_notice_insert(o orders, p_event text, p_key text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid := gen_random_uuid();
  n integer;
BEGIN
  INSERT INTO order_notices(id, order_id, order_created_at, branch_id, event, event_key, status, recipient,
                            variables, reason)
  VALUES (v_id, o.id, o.created_at, o.branch_id, p_event, p_key,
          CASE WHEN o.notices_opt_out THEN 'SKIPPED' ELSE 'QUEUED' END,
          o.customer_phone, order_notice_variables(o),
          CASE WHEN o.notices_opt_out THEN 'OPTED_OUT' END)
  ON CONFLICT (event_key) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN CASE WHEN n > 0 THEN v_id END;
END $$;
REVOKE EXECUTE ON FUNCTION order_notice_insert(orders, text, text) FROM PUBLIC;

-- For write paths whose event is not a column of orders (the 해피콜 confirmation). The caller must see the order
-- in its own context (order_visible, as the orders policy), so a branch cannot queue notices for another
-- branch's customers; a row value is never taken from the caller.
CREATE FUNCTION order_notice_enqueue(p_order uuid, p_event text, p_key text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE o orders;
BEGIN
  IF p_key IS NULL OR length(p_key) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION 'notice event key must be 1 to 200 characters' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'chk_order_notices_event_key';
  END IF;
  SELECT * INTO o FROM orders
   WHERE id = p_order AND deleted_at IS NULL
     AND order_visible(branch_id, partner_id, installer_id, app_role(), app_branch_id(), app_partner_id(),
                       app_installer_id());
  IF NOT FOUND THEN
    RAISE EXCEPTION 'order % not found', p_order USING ERRCODE = 'no_data_found';
  END IF;
  RETURN order_notice_insert(o, p_event, p_key);
END $$;
REVOKE EXECUTE ON FUNCTION order_notice_enqueue(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION order_notice_enqueue(uuid, text, text) TO dispatch_app;

-- The jobs (SYSTEM) see no order: this tells them whether the customer opted out since the notice was queued.
CREATE FUNCTION order_notice_opted_out(p_order uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT o.notices_opt_out FROM orders o WHERE o.id = p_order), false)
$$;
REVOKE EXECUTE ON FUNCTION order_notice_opted_out(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION order_notice_opted_out(uuid) TO dispatch_app;

-- The events the order's own columns tell: assigned with an appointment (again after a reassignment or a new
-- date or time), postponed (연기), cancelled (취소, 의뢰취소). Opting out later skips what is still waiting
-- (the sender asks order_notice_opted_out before each send).
CREATE FUNCTION orders_queue_notices() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  was_set boolean;
  is_set boolean;
BEGIN
  IF NEW.deleted_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  is_set := NEW.status IN ('배정', '배정확정') AND NEW.installer_id IS NOT NULL AND NEW.appointment_date IS NOT NULL;
  was_set := OLD.status IN ('배정', '배정확정') AND OLD.installer_id IS NOT NULL AND OLD.appointment_date IS NOT NULL;
  IF is_set AND (NOT was_set OR NEW.installer_id IS DISTINCT FROM OLD.installer_id
                 OR NEW.appointment_date IS DISTINCT FROM OLD.appointment_date
                 OR NEW.appointment_time_window IS DISTINCT FROM OLD.appointment_time_window) THEN
    PERFORM order_notice_insert(NEW, 'ASSIGNED', NEW.id || ':ASSIGNED:v' || NEW.version);
  ELSIF NEW.status = '연기' AND OLD.status <> '연기' THEN
    PERFORM order_notice_insert(NEW, 'POSTPONED', NEW.id || ':POSTPONED:v' || NEW.version);
  ELSIF NEW.status IN ('취소', '의뢰취소') AND OLD.status NOT IN ('취소', '의뢰취소') THEN
    PERFORM order_notice_insert(NEW, 'CANCELLED', NEW.id || ':CANCELLED:v' || NEW.version);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_orders_notices AFTER UPDATE OF status, installer_id, appointment_date, appointment_time_window
  ON orders FOR EACH ROW EXECUTE FUNCTION orders_queue_notices();

-- A notice that failed tells the branch (FR-11). The jobs run as SYSTEM, which may write exactly this category.
CREATE POLICY notifications_system_notice_failed ON notifications FOR INSERT
  WITH CHECK ((select app_role()) = 'SYSTEM' AND category = 'NOTICE_FAILED');

-- Down Migration
DROP POLICY IF EXISTS notifications_system_notice_failed ON notifications;
DROP TRIGGER IF EXISTS trg_orders_notices ON orders;
DROP FUNCTION IF EXISTS orders_queue_notices();
DROP FUNCTION IF EXISTS order_notice_enqueue(uuid, text, text);
DROP FUNCTION IF EXISTS order_notice_opted_out(uuid);
DROP FUNCTION IF EXISTS order_notice_insert(orders, text, text);
DROP FUNCTION IF EXISTS order_notice_variables(orders);
DROP TABLE IF EXISTS order_notices;
DROP TABLE IF EXISTS notice_branch_phones;
DROP TABLE IF EXISTS notice_templates;
