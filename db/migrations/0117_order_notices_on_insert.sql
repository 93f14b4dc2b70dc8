-- Up Migration
-- An order written already assigned with an appointment (a hand-written INSERT, a data load, any future create
-- path that sets the installer) queues the same ASSIGNED notice an assignment does: the trigger of 0106 watched
-- UPDATEs only, so such an order told the customer nothing. The key is the one 0106 uses (order, event, version),
-- so a later UPDATE of the same version cannot queue it twice. A row loaded with a past appointment (history
-- brought over from another system) tells the customer nothing; the seed loads with triggers off (db/seed).
--
-- Split children: insertChildOrder writes a child 미배정 without installer (server/splits), so a split queues
-- nothing by itself; the remainder is assigned its own day afterwards and that UPDATE queues its own notice.
CREATE FUNCTION orders_queue_notice_on_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.deleted_at IS NULL AND NEW.status IN ('배정', '배정확정') AND NEW.installer_id IS NOT NULL
     AND NEW.appointment_date >= (now() AT TIME ZONE 'Asia/Seoul')::date THEN
    PERFORM order_notice_insert(NEW, 'ASSIGNED', NEW.id || ':ASSIGNED:v' || NEW.version);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_orders_notices_insert AFTER INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_queue_notice_on_insert();

-- Down Migration
DROP TRIGGER IF EXISTS trg_orders_notices_insert ON orders;
DROP FUNCTION IF EXISTS orders_queue_notice_on_insert();
