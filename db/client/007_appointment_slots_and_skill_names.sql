-- branches.appointment_slots and item_skill_rules.skill_name_ko/en (head-office migration 0113). Rows already
-- mirrored lack them: the next pull is a fresh snapshot (no cursor → reset), which refills every table.
ALTER TABLE branches ADD COLUMN appointment_slots JSONTEXT;
ALTER TABLE item_skill_rules ADD COLUMN skill_name_ko TEXT;
ALTER TABLE item_skill_rules ADD COLUMN skill_name_en TEXT;
DELETE FROM sync_state WHERE key = 'cursor';
