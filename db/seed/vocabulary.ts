// What generated data is made of: Korean names, places, vendors and the appliance catalogue.
import { Weighted } from './prng.js';

/** Surnames by approximate share of the population (통계청), so common names repeat as they do in real life. */
export const SURNAMES = new Weighted<string>([
  ['김', 21.5],
  ['이', 14.7],
  ['박', 8.4],
  ['최', 4.7],
  ['정', 4.3],
  ['강', 2.4],
  ['조', 2.1],
  ['윤', 2.1],
  ['장', 2.0],
  ['임', 1.7],
  ['한', 1.5],
  ['오', 1.5],
  ['서', 1.4],
  ['신', 1.4],
  ['권', 1.4],
  ['황', 1.4],
  ['안', 1.4],
  ['송', 1.3],
  ['류', 1.2],
  ['전', 1.1],
  ['홍', 1.1],
  ['고', 0.9],
  ['문', 0.9],
  ['양', 0.9],
  ['손', 0.9],
  ['배', 0.8],
  ['백', 0.8],
  ['허', 0.6],
  ['유', 0.6],
  ['남', 0.5],
  ['심', 0.5],
  ['노', 0.4],
  ['하', 0.4],
  ['곽', 0.4],
  ['성', 0.4],
  ['차', 0.4],
  ['주', 0.4],
  ['우', 0.4],
  ['구', 0.4],
  ['민', 0.3],
]);

export const GIVEN_FIRST = [
  '민',
  '서',
  '지',
  '현',
  '준',
  '수',
  '영',
  '도',
  '하',
  '예',
  '주',
  '성',
  '유',
  '정',
  '은',
  '승',
  '재',
  '동',
  '태',
  '혜',
  '경',
  '상',
  '미',
  '진',
  '윤',
  '채',
  '시',
  '우',
  '소',
  '연',
] as const;
export const GIVEN_SECOND = [
  '준',
  '윤',
  '우',
  '진',
  '호',
  '연',
  '희',
  '아',
  '서',
  '민',
  '현',
  '수',
  '원',
  '빈',
  '훈',
  '영',
  '은',
  '린',
  '혁',
  '석',
  '철',
  '숙',
  '경',
  '주',
  '비',
  '율',
  '환',
  '성',
  '하',
  '정',
] as const;

export interface BranchSpec {
  code: string; // 부서코드
  name: string;
  region: string;
  slug: string; // for login names: mgr.<slug>
  weight: number; // share of orders
  cities: readonly { city: string; postal: number }[];
}

// Cities are the 시/군/구 an address names; installers list the ones they serve (installers.regions).
export const BRANCHES: readonly BranchSpec[] = [
  {
    code: 'D1100',
    name: '서울지점',
    region: '서울',
    slug: 'seoul',
    weight: 2.6,
    cities: [
      { city: '서울 강남구', postal: 6000 },
      { city: '서울 서초구', postal: 6500 },
      { city: '서울 송파구', postal: 5500 },
      { city: '서울 마포구', postal: 3900 },
      { city: '서울 영등포구', postal: 7200 },
      { city: '서울 노원구', postal: 1600 },
      { city: '서울 강서구', postal: 7500 },
      { city: '서울 관악구', postal: 8700 },
    ],
  },
  {
    code: 'D2100',
    name: '부산지점',
    region: '부산',
    slug: 'busan',
    weight: 1.5,
    cities: [
      { city: '부산 해운대구', postal: 48000 },
      { city: '부산 부산진구', postal: 47100 },
      { city: '부산 동래구', postal: 47700 },
      { city: '부산 사하구', postal: 49300 },
      { city: '부산 남구', postal: 48400 },
      { city: '경남 양산시', postal: 50500 },
    ],
  },
  {
    code: 'D2300',
    name: '인천지점',
    region: '인천',
    slug: 'incheon',
    weight: 1.1,
    cities: [
      { city: '인천 연수구', postal: 21900 },
      { city: '인천 남동구', postal: 21500 },
      { city: '인천 부평구', postal: 21300 },
      { city: '인천 서구', postal: 22700 },
      { city: '경기 부천시', postal: 14400 },
    ],
  },
  {
    code: 'D2200',
    name: '대구지점',
    region: '대구',
    slug: 'daegu',
    weight: 1.0,
    cities: [
      { city: '대구 수성구', postal: 42000 },
      { city: '대구 달서구', postal: 42600 },
      { city: '대구 북구', postal: 41500 },
      { city: '경북 경산시', postal: 38500 },
    ],
  },
  {
    code: 'D3100',
    name: '수원지점',
    region: '경기',
    slug: 'suwon',
    weight: 1.4,
    cities: [
      { city: '경기 수원시', postal: 16200 },
      { city: '경기 용인시', postal: 16800 },
      { city: '경기 화성시', postal: 18300 },
      { city: '경기 성남시', postal: 13100 },
      { city: '경기 오산시', postal: 18100 },
    ],
  },
  {
    code: 'D2500',
    name: '대전지점',
    region: '대전',
    slug: 'daejeon',
    weight: 0.8,
    cities: [
      { city: '대전 유성구', postal: 34000 },
      { city: '대전 서구', postal: 35200 },
      { city: '세종 세종시', postal: 30000 },
      { city: '충남 계룡시', postal: 32800 },
    ],
  },
  {
    code: 'D2400',
    name: '광주지점',
    region: '광주',
    slug: 'gwangju',
    weight: 0.8,
    cities: [
      { city: '광주 북구', postal: 61000 },
      { city: '광주 서구', postal: 61900 },
      { city: '광주 광산구', postal: 62200 },
      { city: '전남 나주시', postal: 58200 },
    ],
  },
  {
    code: 'D2600',
    name: '울산지점',
    region: '울산',
    slug: 'ulsan',
    weight: 0.6,
    cities: [
      { city: '울산 남구', postal: 44600 },
      { city: '울산 중구', postal: 44400 },
      { city: '울산 북구', postal: 44200 },
    ],
  },
  {
    code: 'D3300',
    name: '청주지점',
    region: '충북',
    slug: 'cheongju',
    weight: 0.5,
    cities: [
      { city: '충북 청주시', postal: 28100 },
      { city: '충북 충주시', postal: 27300 },
      { city: '충북 진천군', postal: 27800 },
    ],
  },
  {
    code: 'D3500',
    name: '전주지점',
    region: '전북',
    slug: 'jeonju',
    weight: 0.5,
    cities: [
      { city: '전북 전주시', postal: 54800 },
      { city: '전북 익산시', postal: 54500 },
      { city: '전북 군산시', postal: 54000 },
    ],
  },
  {
    code: 'D3800',
    name: '창원지점',
    region: '경남',
    slug: 'changwon',
    weight: 0.6,
    cities: [
      { city: '경남 창원시', postal: 51100 },
      { city: '경남 김해시', postal: 50800 },
      { city: '경남 진주시', postal: 52600 },
    ],
  },
  {
    code: 'D6300',
    name: '제주지점',
    region: '제주',
    slug: 'jeju',
    weight: 0.3,
    cities: [
      { city: '제주 제주시', postal: 63100 },
      { city: '제주 서귀포시', postal: 63500 },
    ],
  },
];

/** Branch `i` of a data set: the list above, then numbered extras that reuse its cities. */
export function branchSpec(i: number): BranchSpec {
  const base = BRANCHES[i % BRANCHES.length]!;
  if (i < BRANCHES.length) return base;
  const n = Math.floor(i / BRANCHES.length) + 1;
  return {
    ...base,
    code: `${base.code}-${i}`,
    name: `${base.name.replace('지점', '')}${n}지점`,
    slug: `${base.slug}${n}`,
  };
}

export const STREETS = [
  '중앙로',
  '테헤란로',
  '한강대로',
  '시청로',
  '역삼로',
  '해운대로',
  '번영로',
  '월드컵로',
  '큰길로',
  '문화로',
  '산업로',
  '동서대로',
  '평화로',
  '학교로',
  '공원로',
  '은행나무길',
  '새말로',
  '신촌로',
  '성남대로',
  '호수로',
] as const;
export const BUILDINGS = [
  '래미안',
  '자이',
  '힐스테이트',
  '푸르지오',
  '더샵',
  '아이파크',
  '롯데캐슬',
  'e편한세상',
  '한신',
  '현대',
  '주공',
  '우성',
] as const;

export interface Vendor {
  name: string;
  code: string; // order numbers start with it
}
export const VENDORS = new Weighted<Vendor>([
  [{ name: '삼성전자', code: 'SE' }, 30],
  [{ name: 'LG전자', code: 'LG' }, 28],
  [{ name: '동부대우전자', code: 'DW' }, 12],
  [{ name: '위니아', code: 'WN' }, 7],
  [{ name: '캐리어에어컨', code: 'CA' }, 6],
  [{ name: '코웨이', code: 'CW' }, 5],
  [{ name: 'SK매직', code: 'SK' }, 4],
  [{ name: '쿠쿠전자', code: 'CK' }, 4],
  [{ name: '린나이', code: 'RN' }, 2],
  [{ name: '신일전자', code: 'SI' }, 2],
]);

export interface Item {
  code: string;
  name: string;
  weightKg: number;
  /** installers.skill_tags value needed (item_skill_rules by prefix), or null. */
  skill: string | null;
  /** item_skill_rules.requires_serial: 인수 records a serial per unit. */
  serial: boolean;
  /** waste_codes.code of the old appliance usually taken back with it. */
  waste: string;
}

// Codes start with the item_skill_rules prefixes (AC, SAC, PRM, TVW, RF, WM); the others need no special skill.
export const ITEMS = new Weighted<Item>([
  [{ code: 'AC-W07N', name: '벽걸이 에어컨 7평', weightKg: 11, skill: 'aircon', serial: true, waste: 'P03' }, 7],
  [{ code: 'AC-S18P', name: '스탠드 에어컨 18평', weightKg: 38, skill: 'aircon', serial: true, waste: 'P03' }, 6],
  [{ code: 'AC-2IN1-19', name: '2in1 에어컨 19+6평', weightKg: 52, skill: 'aircon', serial: true, waste: 'P03' }, 5],
  [{ code: 'SAC-4W-40', name: '시스템에어컨 4way 40평', weightKg: 29, skill: 'aircon', serial: true, waste: 'P03' }, 2],
  [{ code: 'SAC-1W-11', name: '시스템에어컨 1way 11평', weightKg: 16, skill: 'aircon', serial: true, waste: 'P03' }, 2],
  [
    { code: 'PRM-OLED77', name: '프리미엄 OLED TV 77형', weightKg: 35, skill: 'premium', serial: true, waste: 'P04' },
    2,
  ],
  [
    {
      code: 'PRM-RF-BESP',
      name: '프리미엄 비스포크 냉장고',
      weightKg: 130,
      skill: 'premium',
      serial: true,
      waste: 'P01',
    },
    2,
  ],
  [
    {
      code: 'TVW-65UHD',
      name: 'UHD TV 65형 벽걸이 설치',
      weightKg: 25,
      skill: 'wallmount',
      serial: true,
      waste: 'P04',
    },
    5,
  ],
  [
    {
      code: 'TVW-75QLED',
      name: 'QLED TV 75형 벽걸이 설치',
      weightKg: 33,
      skill: 'wallmount',
      serial: true,
      waste: 'P04',
    },
    3,
  ],
  [{ code: 'RF-SBS-832', name: '양문형 냉장고 832L', weightKg: 118, skill: 'fridge', serial: true, waste: 'P01' }, 8],
  [{ code: 'RF-4D-870', name: '4도어 냉장고 870L', weightKg: 126, skill: 'fridge', serial: true, waste: 'P01' }, 6],
  [
    { code: 'RF-KIM-550', name: '스탠드 김치냉장고 551L', weightKg: 96, skill: 'fridge', serial: true, waste: 'P08' },
    5,
  ],
  [{ code: 'WM-DR-21', name: '드럼세탁기 21kg', weightKg: 79, skill: 'washer', serial: true, waste: 'P02' }, 8],
  [{ code: 'WM-TL-18', name: '통돌이 세탁기 18kg', weightKg: 45, skill: 'washer', serial: true, waste: 'P02' }, 5],
  [
    {
      code: 'WM-TWIN-25',
      name: '워시타워 세탁 25kg 건조 20kg',
      weightKg: 160,
      skill: 'washer',
      serial: true,
      waste: 'P02',
    },
    2,
  ],
  [{ code: 'TV-55UHD', name: 'UHD TV 55형 스탠드', weightKg: 17, skill: null, serial: false, waste: 'P04' }, 5],
  [{ code: 'DR-HP-20', name: '히트펌프 건조기 20kg', weightKg: 58, skill: null, serial: false, waste: 'P10' }, 4],
  [{ code: 'DWM-14', name: '식기세척기 14인용', weightKg: 48, skill: null, serial: false, waste: 'P10' }, 3],
  [{ code: 'MW-32L', name: '전자레인지 32L', weightKg: 16, skill: null, serial: false, waste: 'P05' }, 3],
  [{ code: 'WP-ICE', name: '얼음정수기', weightKg: 21, skill: null, serial: false, waste: 'P06' }, 3],
  [{ code: 'AP-100', name: '공기청정기 100㎡', weightKg: 14, skill: null, serial: false, waste: 'P07' }, 4],
  [{ code: 'PC-DESK', name: '데스크톱 PC 세트', weightKg: 12, skill: null, serial: false, waste: 'P09' }, 1],
]);

export const SKILL_TAGS = ['aircon', 'premium', 'wallmount', 'fridge', 'washer'] as const;

export const PARTNER_NAMES = [
  '한빛물류',
  '대한설치서비스',
  '우리배송',
  '나래익스프레스',
  '믿음로지스',
  '새한종합설치',
  '미래물류',
  '바른설치',
  '세종익스프레스',
  '동방로지텍',
] as const;

export const REMARKS = new Weighted<string>([
  ['엘리베이터 없음 (4층)', 3],
  ['방문 전 사전 연락 요망', 5],
  ['주차 공간 협소', 2],
  ['기존 제품 수거 요청', 4],
  ['사다리차 필요', 2],
  ['오전 방문 희망', 3],
  ['경비실에 맡기지 말 것', 1],
  ['배관 연장 필요 (5m)', 2],
  ['벽 타공 필요', 2],
  ['반려견 있음', 1],
]);

export const STATUS_NOTES: Record<string, readonly string[]> = {
  연기: ['고객과 통화 후 일정 변경', '입고 지연으로 재배정 예정', '고객 요청'],
  부재: ['3회 통화 시도', '문자 남김', '경비실 확인 결과 장기 부재'],
  취소: ['고객 취소 요청 접수', '중복 접수 확인'],
  의뢰취소: ['제조사 요청으로 취소'],
  부분인수: ['일부 제품 파손으로 재배송'],
  회수: ['제품 불량으로 회수'],
};

/** reason_codes of migration 0007, by type. */
export const REASON_CODES = {
  CANCEL: ['C01', 'C02', 'C03', 'C04'],
  POSTPONE: ['P01', 'P02', 'P03', 'P04'],
  ABSENCE: ['A01', 'A02', 'A03'],
} as const;
export const POSTPONE_REASON_TEXT: Record<string, string> = {
  P01: '고객 요청 연기',
  P02: '상품 입고 지연',
  P03: '기상 악화',
  P04: '설치 환경 미비',
};
