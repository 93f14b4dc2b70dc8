-- Up Migration
INSERT INTO roles(code, name_ko, name_en) VALUES
  ('HQ_ADMIN', '본사 관리자', 'Head-office admin'),
  ('BRANCH_MANAGER', '지점 관리자', 'Branch manager'),
  ('PARTNER_COORDINATOR', '협력사 담당자', 'Partner coordinator'),
  ('INSTALLER', '설치 기사', 'Installer');

INSERT INTO reason_codes(type, code, description_ko, description_en) VALUES
  ('CANCEL', 'C01', '고객 변심', 'Customer changed their mind'),
  ('CANCEL', 'C02', '중복 주문', 'Duplicate order'),
  ('CANCEL', 'C03', '설치 불가 환경', 'Installation not possible on site'),
  ('CANCEL', 'C04', '상품 불량', 'Defective product'),
  ('POSTPONE', 'P01', '고객 요청 연기', 'Postponed at the customer''s request'),
  ('POSTPONE', 'P02', '상품 입고 지연', 'Goods arrived late'),
  ('POSTPONE', 'P03', '기상 악화', 'Bad weather'),
  ('POSTPONE', 'P04', '설치 환경 미비', 'Site not ready'),
  ('ABSENCE', 'A01', '고객 부재 (연락 두절)', 'Customer absent (unreachable)'),
  ('ABSENCE', 'A02', '주소 오류', 'Wrong address'),
  ('ABSENCE', 'A03', '고객 요청 재방문', 'Revisit requested by the customer');

-- ECOAS categories of waste appliances taken back at delivery.
INSERT INTO waste_codes(code, name_ko, name_en) VALUES
  ('P01', '냉장고', 'Refrigerator'),
  ('P02', '세탁기', 'Washing machine'),
  ('P03', '에어컨', 'Air conditioner'),
  ('P04', 'TV', 'Television'),
  ('P05', '전자레인지', 'Microwave oven'),
  ('P06', '정수기', 'Water purifier'),
  ('P07', '공기청정기', 'Air purifier'),
  ('P08', '김치냉장고', 'Kimchi refrigerator'),
  ('P09', '컴퓨터', 'Computer'),
  ('P10', '기타 소형가전', 'Other small appliances');

INSERT INTO item_skill_rules(item_prefix, skill_tag, requires_serial) VALUES
  ('AC', 'aircon', true),
  ('SAC', 'aircon', true),
  ('PRM', 'premium', true),
  ('TVW', 'wallmount', true),
  ('RF', 'fridge', true),
  ('WM', 'washer', true);

-- Down Migration
DELETE FROM item_skill_rules; DELETE FROM waste_codes; DELETE FROM reason_codes; DELETE FROM roles;
