// Plain OrderRow values for view-logic tests (input data, not a stand-in for any of our modules).
import { nullOrderFields, type OrderRow } from '../../../domain/order-row.js';

export function orderRow(n: number, over: Partial<OrderRow> = {}): OrderRow {
  return {
    ...nullOrderFields(),
    id: `0190a0a0-0000-7000-8000-${String(n).padStart(12, '0')}`,
    orderNo: `SO-${String(n).padStart(6, '0')}`,
    customerName: `고객${n}`,
    customerPhone: `010-1234-${String(n % 10000).padStart(4, '0')}`,
    address: { line1: `도로 ${n}`, city: n % 2 ? '서울 강남구' : '부산 해운대구' },
    vendor: n % 3 ? '동부대우전자' : '삼성전자',
    branchId: '0190a0a0-0000-7000-8000-0000000000b1',
    partnerId: null,
    installerId: null,
    installerName: null,
    status: '미배정',
    appointmentDate: '2026-11-26',
    appointmentTimeWindow: null,
    promisedDate: null,
    remarks: null,
    version: 1,
    createdAt: `2026-11-${String(1 + (n % 20)).padStart(2, '0')}T00:00:00.000Z`,
    updatedAt: '2026-11-20T00:00:00.000Z',
    pendingOps: 0,
    items: `세탁기 WM-${n} ×1`,
    ...over,
  };
}
