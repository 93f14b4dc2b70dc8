import { describe, expect, it } from 'vitest';
import { boardModel, reviewLoads, suggestForDay } from '../../renderer/board/board-model.js';
import { customerHistory, progressByDay, totalsByStatus } from '../../renderer/reports/progress.js';
import { orderRow } from './support/orders.js';

describe('progress (FR-08)', () => {
  it('counts orders per status per appointment day, every day present', () => {
    const rows = [
      orderRow(1, { appointmentDate: '2026-11-26', status: '배정' }),
      orderRow(2, { appointmentDate: '2026-11-26' }),
      orderRow(3, { appointmentDate: '2026-11-28', status: '인수' }),
      orderRow(4, { appointmentDate: '2026-12-30' }),
    ];
    const days = progressByDay(rows, '2026-11-26', '2026-11-28');
    expect(days.map((d) => [d.date, d.total])).toEqual([
      ['2026-11-26', 2],
      ['2026-11-27', 0],
      ['2026-11-28', 1],
    ]);
    expect(days[0]!.counts.배정).toBe(1);
    const t = totalsByStatus(days);
    expect([t.미배정, t.배정, t.인수]).toEqual([1, 1, 1]);
  });
});

describe('customer history (FR-16)', () => {
  it('finds a customer by name or phone digits, newest first', () => {
    const rows = [
      orderRow(1, { customerName: '김 철수', customerPhone: '010-1111-2222', createdAt: '2026-10-01T00:00:00Z' }),
      orderRow(2, { customerName: '김철수', customerPhone: '01011112222', createdAt: '2026-11-01T00:00:00Z' }),
      orderRow(3, { customerName: '김철', customerPhone: '010-9999-0000' }),
    ];
    expect(customerHistory(rows, { name: '김철수' }).map((r) => r.orderNo)).toEqual(['SO-000002', 'SO-000001']);
    expect(customerHistory(rows, { phone: '1111-2222' })).toHaveLength(2);
    expect(customerHistory(rows, { phone: '01' })).toEqual([]);
  });

  it('finds by phone the orders where the number is the second phone', () => {
    const rows = [
      orderRow(1, { customerPhone: '010-1111-2222', createdAt: '2026-10-01T00:00:00Z' }),
      orderRow(2, { customerPhone: '010-3333-4444', customerPhone2: '02-555-6666', createdAt: '2026-11-01T00:00:00Z' }),
      orderRow(3, { customerPhone: '02-555-6666', createdAt: '2026-09-01T00:00:00Z' }),
    ];
    expect(customerHistory(rows, { phone: '025556666' }).map((r) => r.orderNo)).toEqual(['SO-000002', 'SO-000003']);
  });
});

describe('assignment board model', () => {
  const installers = [
    {
      id: 'i1',
      name: '가기사',
      phone: null,
      branchId: 'b',
      partnerId: null,
      skillTags: ['washer'],
      regions: ['서울'],
      capacityPerDay: 2,
      isActive: true,
    },
    {
      id: 'i2',
      name: '나기사',
      phone: null,
      branchId: 'b',
      partnerId: null,
      skillTags: ['washer'],
      regions: ['부산'],
      capacityPerDay: 2,
      isActive: true,
    },
  ];
  const rows = [
    orderRow(1, { status: '배정', installerId: 'i1' }),
    orderRow(2),
    orderRow(3),
    orderRow(4, { appointmentDate: '2026-11-27' }),
    orderRow(5, { status: '취소', installerId: 'i2' }),
  ];
  it('splits the day into unassigned orders and installer columns with capacity load', () => {
    const m = boardModel(rows, installers, '2026-11-26');
    expect(m.unassigned.map((o) => o.orderNo)).toEqual(['SO-000002', 'SO-000003']);
    expect(m.columns.map((c) => [c.installer.name, c.orders.length, c.load])).toEqual([
      ['가기사', 1, 1],
      ['나기사', 1, 0],
    ]);
  });
  it('suggests within capacity and region, and recomputes loads as the clerk edits', () => {
    const m = boardModel(rows, installers, '2026-11-26');
    const s = suggestForDay(m, [{ itemPrefix: 'WM', skillTag: 'washer' }]);
    expect(s.unplaced).toEqual([]);
    // SO-000003 is in 서울 (odd numbers), SO-000002 in 부산
    expect(Object.fromEntries(s.rows.map((r) => [r.order.orderNo, r.installerId]))).toEqual({
      'SO-000002': 'i2',
      'SO-000003': 'i1',
    });
    expect(reviewLoads(m, s.rows)).toEqual({ i1: 2, i2: 1 });
    expect(
      reviewLoads(
        m,
        s.rows.map((r) => ({ ...r, installerId: 'i1' })),
      ),
    ).toEqual({ i1: 3, i2: 0 });
  });
});
