-- Up Migration
-- The SMS/LMS text of a template, for the fallback when 알림톡 is refused. The 알림톡 text must match the
-- template approved at Kakao word for word; the text message may say it shorter (an SMS carries 90 bytes, an LMS
-- costs more). NULL: the 알림톡 text goes as the text message, as before.
ALTER TABLE notice_templates ADD COLUMN sms_body text
  CONSTRAINT chk_notice_templates_sms_body CHECK (sms_body IS NULL OR length(sms_body) BETWEEN 1 AND 2000);

-- Down Migration
ALTER TABLE notice_templates DROP COLUMN IF EXISTS sms_body;
