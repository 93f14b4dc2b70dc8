// Deterministic synthetic orders for the client benchmarks (a seeded generator: the same rows every run).
import type { InstallerRow } from '../../domain/client-api.js';
import { nullOrderFields, type OrderRow } from '../../domain/order-row.js';
import { ORDER_STATUSES } from '../../domain/order-status.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SURNAMES = ['김', '이', '박', '최', '정', '강', '조', '윤', '장', '임', '한', '오', '서', '신', '권'];
const GIVEN = ['민준', '서연', '도윤', '하은', '시우', '지우', '주원', '서윤', '예준', '지민', '현우', '수아'];
const CITIES = [
  '서울 강남구',
  '서울 송파구',
  '서울 마포구',
  '부산 해운대구',
  '부산 진구',
  '인천 남동구',
  '대구 수성구',
];
const ITEMS = [
  ['AC-P900', '스탠드 에어컨'],
  ['AC-210', '벽걸이 에어컨'],
  ['WM-77', '드럼 세탁기'],
  ['RF-500', '양문형 냉장고'],
  ['TV-65', '65인치 TV'],
];

export function syntheticInstallers(n: number, branchId: string): InstallerRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `0190b000-0000-7000-8000-${String(i + 1).padStart(12, '0')}`,
    name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[i % GIVEN.length]}`,
    phone: `010-3000-${String(i).padStart(4, '0')}`,
    branchId,
    partnerId: null,
    skillTags: ['aircon', 'washer', 'premium'],
    regions: [CITIES[i % CITIES.length]!.split(' ')[0]!],
    capacityPerDay: 8,
    isActive: true,
  }));
}

export function syntheticOrders(
  n: number,
  opts: { seed?: number; installers?: InstallerRow[]; day?: string } = {},
): OrderRow[] {
  const r = rng(opts.seed ?? 7);
  const branchId = '0190b000-0000-7000-8000-0000000000b1';
  const out: OrderRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const inst = opts.installers ? opts.installers[i % opts.installers.length]! : null;
    const status = inst ? '배정' : ORDER_STATUSES[Math.floor(r() * ORDER_STATUSES.length)]!;
    const item = ITEMS[Math.floor(r() * ITEMS.length)]!;
    const day =
      opts.day ??
      `2026-${String(9 + Math.floor(r() * 3)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
    const hour = 9 + Math.floor(r() * 8);
    out[i] = {
      ...nullOrderFields(),
      id: `0190c000-0000-7000-8000-${String(i + 1).padStart(12, '0')}`,
      orderNo: `SO-${String(100000 + i)}`,
      customerName: `${SURNAMES[Math.floor(r() * SURNAMES.length)]}${GIVEN[Math.floor(r() * GIVEN.length)]}`,
      customerPhone: `010-${String(1000 + Math.floor(r() * 9000))}-${String(1000 + Math.floor(r() * 9000))}`,
      address: {
        line1: `중앙로 ${1 + Math.floor(r() * 300)}`,
        line2: `${1 + Math.floor(r() * 20)}층`,
        city: CITIES[Math.floor(r() * CITIES.length)]!,
      },
      vendor: r() < 0.6 ? '동부대우전자' : '삼성전자',
      branchId,
      partnerId: null,
      installerId: inst?.id ?? null,
      installerName: inst?.name ?? null,
      status,
      appointmentDate: day,
      appointmentTimeWindow: {
        start: `${day}T${String(hour).padStart(2, '0')}:00:00+09:00`,
        end: `${day}T${String(hour + 2).padStart(2, '0')}:00:00+09:00`,
      },
      promisedDate: day,
      remarks: r() < 0.3 ? '방문 전 연락 바랍니다' : null,
      version: 1 + Math.floor(r() * 4),
      createdAt: new Date(Date.UTC(2026, 8, 1) + Math.floor(r() * 80 * 86400_000)).toISOString(),
      updatedAt: new Date(Date.UTC(2026, 10, 1) + Math.floor(r() * 20 * 86400_000)).toISOString(),
      pendingOps: r() < 0.01 ? 1 : 0,
      items: `${item[1]} ${item[0]} ×${1 + Math.floor(r() * 2)}`,
    };
  }
  return out;
}
