import { describe, expect, it } from 'vitest';
import {
  applyOrderView,
  cellText,
  createOrderViewCollector,
  createOrderViewEngine,
  filterText,
  matchesQuick,
  type OrderColumnKey,
  type OrderViewSpec,
  sortText,
} from '../../domain/order-view.js';
import { orderRow } from './support/orders.js';

const INST = '0190a0a0-0000-7000-8000-0000000000aa';
const rows = [
  orderRow(1, { customerName: '김철수', status: '배정', installerId: INST, installerName: '이기사' }),
  orderRow(2, { customerName: '박영희', appointmentDate: '2026-11-27' }),
  orderRow(3, { customerName: '가나다', pendingOps: 2 }),
  orderRow(4, { customerName: '김민수', status: '취소' }),
  orderRow(5, { customerName: '김철수', appointmentDate: '2026-11-27', status: '배정', installerId: INST }),
];
const nos = (r: { orderNo: string }[]) => r.map((x) => x.orderNo);

describe('order view', () => {
  it('filters per column, case-insensitively, all filters together', () => {
    expect(nos(applyOrderView(rows, { filters: { customerName: '김' } }))).toEqual([
      'SO-000001',
      'SO-000004',
      'SO-000005',
    ]);
    expect(nos(applyOrderView(rows, { filters: { customerName: '김', city: '강남' } }))).toEqual([
      'SO-000001',
      'SO-000005',
    ]);
    expect(nos(applyOrderView(rows, { filters: { orderNo: 'so-00000' } }))).toHaveLength(5);
  });

  it('filters by status set and pending sync', () => {
    expect(nos(applyOrderView(rows, { statuses: ['배정'] }))).toEqual(['SO-000001', 'SO-000005']);
    expect(nos(applyOrderView(rows, { pendingOnly: true }))).toEqual(['SO-000003']);
  });

  it('FR-03 quick filters: unassigned and assigned, by day', () => {
    expect(nos(applyOrderView(rows, { quick: { kind: 'unassigned', date: '2026-11-26' } }))).toEqual(['SO-000003']);
    expect(nos(applyOrderView(rows, { quick: { kind: 'unassigned' } }))).toEqual(['SO-000002', 'SO-000003']);
    expect(nos(applyOrderView(rows, { quick: { kind: 'assigned', date: '2026-11-27' } }))).toEqual(['SO-000005']);
  });

  it('sorts Korean names in dictionary order, both directions, stable on ties', () => {
    const asc = applyOrderView(rows, { sort: [{ key: 'customerName', direction: 'ASC' }] });
    expect(asc.map((r) => r.customerName)).toEqual(['가나다', '김민수', '김철수', '김철수', '박영희']);
    expect(nos(asc).slice(2, 4)).toEqual(['SO-000001', 'SO-000005']);
    const desc = applyOrderView(rows, { sort: [{ key: 'customerName', direction: 'DESC' }] });
    expect(desc.map((r) => r.customerName)).toEqual(['박영희', '김철수', '김철수', '김민수', '가나다']);
    expect(nos(desc).slice(1, 3)).toEqual(['SO-000001', 'SO-000005']);
  });

  it('sorts by several columns and by status in workflow order', () => {
    const r = applyOrderView(rows, {
      sort: [
        { key: 'appointmentDate', direction: 'DESC' },
        { key: 'customerName', direction: 'ASC' },
      ],
    });
    expect(nos(r)).toEqual(['SO-000005', 'SO-000002', 'SO-000003', 'SO-000004', 'SO-000001']);
    const byStatus = applyOrderView(rows, { sort: [{ key: 'status', direction: 'ASC' }] });
    expect(byStatus.map((x) => x.status)).toEqual(['미배정', '미배정', '배정', '배정', '취소']);
  });

  it('sees changed rows when given a new array, and reuses its caches otherwise', () => {
    const engine = createOrderViewEngine();
    engine.setRows(rows);
    const spec = { sort: [{ key: 'customerName' as const, direction: 'ASC' as const }] };
    expect(engine.apply(spec)[0]!.customerName).toBe('가나다');
    const changed = rows.map((r) => (r.orderNo === 'SO-000003' ? { ...r, customerName: '하하' } : r));
    engine.setRows(changed);
    expect(engine.apply(spec).at(-1)!.customerName).toBe('하하');
  });

  it('gives the same answers while typing on, backspacing and switching filters as a fresh engine does', () => {
    const engine = createOrderViewEngine();
    engine.setRows(rows);
    const steps = [
      { filters: { customerName: '김' } },
      { filters: { customerName: '김철' } },
      { filters: { customerName: '김철', city: '서울' } },
      { filters: { customerName: '김' } },
      { filters: { customerName: '김' }, statuses: ['배정' as const] },
      { filters: { customerName: '' } },
      { sort: [{ key: 'orderNo' as const, direction: 'DESC' as const }], filters: { customerName: '김' } },
    ];
    for (const step of steps) expect(nos(engine.apply(step))).toEqual(nos(applyOrderView(rows, step)));
  });

  it('shows a time window in Korean time and the street without the city', () => {
    const r = orderRow(9, {
      appointmentTimeWindow: { start: '2026-11-26T00:00:00Z', end: '2026-11-26T03:00:00Z' },
      address: { line1: '테헤란로 1', line2: '101호', city: '서울 강남구' },
    });
    expect(cellText(r, 'timeWindow')).toBe('09:00–12:00');
    expect(cellText(r, 'address')).toBe('테헤란로 1 101호');
    expect(cellText(r, 'city')).toBe('서울 강남구');
    expect(cellText({ ...r, updatedAt: '2026-11-26T15:04:00.000Z' }, 'updatedAt')).toBe('2026-11-27 00:04');
  });
});

describe('order view against a plain filter and stable sort', () => {
  // many ties on purpose: few names, cities, dates and statuses, so stability and multi-column order matter
  const many = Array.from({ length: 400 }, (_, i) =>
    orderRow(i + 1, {
      customerName: ['김철수', '박영희', '가나다', '김민수'][i % 4]!,
      address: { line1: `도로 ${i % 7}`, city: ['서울 강남구', '부산 해운대구', '서울 마포구'][i % 3]! },
      appointmentDate: i % 11 === 0 ? null : `2026-11-${String(20 + (i % 6)).padStart(2, '0')}`,
      status: (['미배정', '배정', '취소'] as const)[i % 5 === 0 ? 1 : i % 13 === 0 ? 2 : 0],
      installerId: i % 5 === 0 ? INST : null,
      pendingOps: i % 17 === 0 ? 1 : 0,
      remarks: i % 3 ? null : `메모 ${i % 9}`,
    }),
  );
  function reference(spec: OrderViewSpec): string[] {
    const kept = many.filter(
      (r) =>
        Object.entries(spec.filters ?? {}).every(([k, v]) =>
          filterText(r, k as OrderColumnKey).includes((v ?? '').trim().toLowerCase()),
        ) &&
        (!spec.statuses?.length || spec.statuses.includes(r.status)) &&
        (!spec.pendingOnly || r.pendingOps !== 0) &&
        matchesQuick(r, spec.quick),
    );
    const sort = spec.sort ?? [];
    return [...kept]
      .sort((a, b) => {
        for (const s of sort) {
          const x = sortText(a, s.key);
          const y = sortText(b, s.key);
          if (x !== y) return (x < y ? -1 : 1) * (s.direction === 'ASC' ? 1 : -1);
        }
        return 0;
      })
      .map((r) => r.orderNo);
  }
  const specs: OrderViewSpec[] = [
    { sort: [{ key: 'customerName', direction: 'DESC' }] },
    { sort: [{ key: 'customerName', direction: 'DESC' }], filters: { customerName: '김' } },
    { sort: [{ key: 'customerName', direction: 'DESC' }], filters: { customerName: '김철' } },
    {
      sort: [
        { key: 'city', direction: 'ASC' },
        { key: 'appointmentDate', direction: 'DESC' },
        { key: 'status', direction: 'DESC' },
      ],
    },
    { sort: [{ key: 'appointmentDate', direction: 'ASC' }], statuses: ['배정', '취소'], filters: { city: '서울' } },
    {
      sort: [
        { key: 'remarks', direction: 'DESC' },
        { key: 'customerName', direction: 'ASC' },
      ],
      pendingOnly: true,
    },
    { quick: { kind: 'unassigned', date: '2026-11-21' }, sort: [{ key: 'address', direction: 'ASC' }] },
    { quick: { kind: 'assigned' }, filters: { address: '도로 3' } },
    { filters: { remarks: '메모', orderNo: 'SO-0001' }, sort: [{ key: 'timeWindow', direction: 'DESC' }] },
  ];
  it('gives the same rows in the same order, one spec after another on one engine and in the export collector', () => {
    const engine = createOrderViewEngine();
    engine.setRows(many);
    for (const spec of specs) {
      const expected = reference(spec);
      expect(nos(engine.apply(spec))).toEqual(expected);
      const collector = createOrderViewCollector<number>(spec);
      for (const [i, r] of many.entries()) collector.offer(r, i);
      expect(collector.finish().map((i) => many[i]!.orderNo)).toEqual(expected);
    }
  });
});
