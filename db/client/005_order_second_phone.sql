-- The customer's second phone number (db/migrations/0052).
ALTER TABLE orders ADD COLUMN customer_phone2 TEXT;
