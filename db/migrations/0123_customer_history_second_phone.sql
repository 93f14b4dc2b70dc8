-- Up Migration
-- FR-16 (고객 이력) by phone finds a customer's orders where the number is either of the order's phones: vendors'
-- sheets carry a second number (0052: a landline beside the mobile, a family member's), and the same customer's
-- next order may carry it first. The search reads both columns' indexes (a BitmapOr per month); this is the
-- second one's. The customer-history cache is keyed by the number searched (cp:md5(phone)), so a write now
-- touches the scope of each phone of the order, old and new.
CREATE INDEX idx_orders_customer_phone2 ON orders(customer_phone2) WHERE deleted_at IS NULL;

CREATE OR REPLACE FUNCTION orders_cache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text[];
BEGIN
  -- a transition table exists only for the operations that have it, hence one query per operation
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT v.x) INTO s FROM new_rows r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone)),
                      ('cp:' || md5(r.customer_phone2))) v(x);
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT v.x) INTO s FROM old_rows r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone)),
                      ('cp:' || md5(r.customer_phone2))) v(x);
  ELSE
    SELECT array_agg(DISTINCT v.x) INTO s
      FROM (SELECT branch_id, customer_name, customer_phone, customer_phone2 FROM new_rows
            UNION ALL SELECT branch_id, customer_name, customer_phone, customer_phone2 FROM old_rows) r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone)),
                      ('cp:' || md5(r.customer_phone2))) v(x);
  END IF;
  PERFORM cache_touch('{all}' || s);
  RETURN NULL;
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION orders_cache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT v.x) INTO s FROM new_rows r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone))) v(x);
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT v.x) INTO s FROM old_rows r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone))) v(x);
  ELSE
    SELECT array_agg(DISTINCT v.x) INTO s
      FROM (SELECT branch_id, customer_name, customer_phone FROM new_rows
            UNION ALL SELECT branch_id, customer_name, customer_phone FROM old_rows) r,
      LATERAL (VALUES ('b:' || r.branch_id), ('cn:' || md5(r.customer_name)), ('cp:' || md5(r.customer_phone))) v(x);
  END IF;
  PERFORM cache_touch('{all}' || s);
  RETURN NULL;
END $$;
DROP INDEX IF EXISTS idx_orders_customer_phone2;
