-- Up Migration
-- Split orders get numbers derived from their parent's (<order_no>-S1, -S2 …): room for the suffix.
-- Widening a varchar is a catalogue change only (no table rewrite, indexes stay valid).
-- (The number trigger names the column, so it is dropped and created again around the change.)
DROP TRIGGER trg_orders_number ON orders;
ALTER TABLE orders ALTER COLUMN order_no TYPE varchar(40);
ALTER TABLE order_numbers ALTER COLUMN order_no TYPE varchar(40);
CREATE TRIGGER trg_orders_number AFTER INSERT OR UPDATE OF order_no ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_register_number();

-- The order that holds a serial number, for the 409 of a duplicate serial. The serial may sit on an order the
-- caller cannot see (another branch): this definer function tells its order_no and nothing else.
CREATE FUNCTION serial_holder(p_serial text) RETURNS TABLE (order_no varchar, order_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.order_no,
         -- the id only for an order the caller may see anyway
         CASE WHEN order_visible(o.branch_id, o.partner_id, o.installer_id, app_role(), app_branch_id(),
                                 app_partner_id(), app_installer_id()) THEN o.id END
    FROM serial_numbers s JOIN orders o ON o.id = s.order_id AND o.created_at = s.order_created_at
   WHERE s.serial = p_serial
$$;
REVOKE ALL ON FUNCTION serial_holder(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION serial_holder(text) TO dispatch_app;

-- Branches can be closed (admin "deactivate"); existing orders keep their branch.
ALTER TABLE branches ADD COLUMN is_active boolean NOT NULL DEFAULT true;

-- Role changes are audited too: user_roles has no id of its own, so its rows are logged under the user's id
-- (table user_roles, record_id = the user), next to the users rows of the same user.
CREATE FUNCTION audit_user_roles() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r user_roles;
BEGIN
  r := coalesce(NEW, OLD);
  INSERT INTO audit_logs(table_name, record_id, action, diff, actor_id, branch_id, note)
  VALUES ('user_roles', r.user_id, TG_OP, jsonb_build_object('role_code', r.role_code), app_user_id(),
          (SELECT branch_id FROM users WHERE id = r.user_id), nullif(current_setting('app.audit_note', true), ''));
  RETURN NULL;
END $$;
CREATE TRIGGER trg_audit AFTER INSERT OR DELETE ON user_roles FOR EACH ROW EXECUTE FUNCTION audit_user_roles();

-- Down Migration
DROP TRIGGER IF EXISTS trg_audit ON user_roles;
DROP FUNCTION IF EXISTS audit_user_roles();
ALTER TABLE branches DROP COLUMN IF EXISTS is_active;
DROP FUNCTION IF EXISTS serial_holder(text);
