-- Up Migration
-- A branch's appointment time slots (domain/appointment-slots.ts: the clerk picks an order's time window from
-- them; HQ edits them through /api/admin/branches). JSON array of {start "HH:MM", end "HH:MM", label?}; the
-- shape is checked by the API's schema, the database only keeps it an array with at least one slot.
-- The default is DEFAULT_APPOINTMENT_SLOTS of that file.
ALTER TABLE branches ADD COLUMN appointment_slots jsonb NOT NULL DEFAULT
  '[{"start":"09:00","end":"12:00"},{"start":"12:00","end":"15:00"},{"start":"15:00","end":"18:00"},{"start":"18:00","end":"21:00"},{"start":"09:00","end":"13:00","label":"오전"},{"start":"13:00","end":"18:00","label":"오후"}]'::jsonb
  CONSTRAINT chk_branches_appointment_slots CHECK (jsonb_typeof(appointment_slots) = 'array' AND jsonb_array_length(appointment_slots) > 0);

-- The skill a rule asks for, as the clerk reads it (the board's tags): Korean and English names travel with the
-- reference data instead of the code (aircon → 에어컨 설치).
ALTER TABLE item_skill_rules ADD COLUMN skill_name_ko varchar(30), ADD COLUMN skill_name_en varchar(30);
UPDATE item_skill_rules SET
  skill_name_ko = CASE skill_tag WHEN 'aircon' THEN '에어컨' WHEN 'premium' THEN '프리미엄' WHEN 'wallmount' THEN '벽걸이'
                                 WHEN 'fridge' THEN '냉장고' WHEN 'washer' THEN '세탁기' END,
  skill_name_en = CASE skill_tag WHEN 'aircon' THEN 'Air conditioner' WHEN 'premium' THEN 'Premium'
                                 WHEN 'wallmount' THEN 'Wall mount' WHEN 'fridge' THEN 'Refrigerator'
                                 WHEN 'washer' THEN 'Washer' END;

-- Down Migration
ALTER TABLE item_skill_rules DROP COLUMN IF EXISTS skill_name_ko, DROP COLUMN IF EXISTS skill_name_en;
ALTER TABLE branches DROP COLUMN IF EXISTS appointment_slots;
