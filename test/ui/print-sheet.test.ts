// The assignment sheet PDF: built from local orders, drawn with the bundled Korean font; pdftotext reads back
// exactly that installer's orders, and every order carries its barcode image.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InstallerRow, OrderLine } from '../../domain/client-api.js';
import { nullOrderFields, type OrderRow } from '../../domain/order-row.js';
import { printLabels } from '../../main/print/labels.js';
import { buildAssignmentSheets } from '../../main/print/sheet-model.js';
import { writeSheetsPdf } from '../../main/print/sheet-pdf.js';

const dir = mkdtempSync(join(tmpdir(), 'sheets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BRANCH = '0190a0a0-0000-7000-8000-0000000000b1';
const installer = (n: number, name: string): InstallerRow => ({
  id: `0190a0a0-0000-7000-8000-${String(n).padStart(12, '0')}`,
  name,
  phone: '010-1111-2222',
  branchId: BRANCH,
  partnerId: null,
  skillTags: ['aircon'],
  regions: ['서울'],
  capacityPerDay: 8,
  isActive: true,
});
const KIM = installer(1, '김기사');
const LEE = installer(2, '이기사');

function order(n: number, who: InstallerRow | null, over: Partial<OrderRow> = {}): OrderRow {
  return {
    ...nullOrderFields(),
    id: `0190a0a0-0000-7000-9000-${String(n).padStart(12, '0')}`,
    orderNo: `SO-2026-${String(n).padStart(5, '0')}`,
    customerName: `고객${n}`,
    customerPhone: `010-2000-${String(n).padStart(4, '0')}`,
    address: { line1: `테헤란로 ${n}길`, city: '서울 강남구' },
    vendor: '동부대우전자',
    branchId: BRANCH,
    partnerId: null,
    installerId: who?.id ?? null,
    installerName: who?.name ?? null,
    status: who ? '배정' : '미배정',
    appointmentDate: '2026-11-26',
    appointmentTimeWindow: { start: '2026-11-26T09:00:00+09:00', end: '2026-11-26T12:00:00+09:00' },
    promisedDate: null,
    remarks: n % 2 ? '경비실에 맡겨 주세요' : null,
    version: 1,
    createdAt: '2026-11-20T01:00:00.000Z',
    updatedAt: '2026-11-20T01:00:00.000Z',
    pendingOps: 0,
    items: '',
    ...over,
  };
}

const orders = [
  order(1, KIM),
  order(2, KIM),
  order(3, LEE),
  order(4, null),
  order(5, KIM, { appointmentDate: '2026-11-27' }),
  order(6, KIM, { status: '취소' }),
];
const linesByOrder = new Map<string, OrderLine[]>(
  orders.map((o, i) => [
    o.id,
    [{ id: `l${i}`, itemCode: `AC-${100 + i}`, itemName: '벽걸이 에어컨', quantity: i + 1, weight: null }],
  ]),
);
const sources = {
  orders,
  linesByOrder,
  installers: [KIM, LEE],
  branchNames: new Map([[BRANCH, '서울지점']]),
  partnerNames: new Map<string, string>(),
};

function pdfText(path: string): string {
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
}

describe('assignment sheet', () => {
  it("prints one installer's day: the stops in order, then every order with all an installer needs", async () => {
    const SYMBOLS = '㎡ ㎏ ℃ × · ～ ① ②';
    const withParts = {
      ...sources,
      orders: sources.orders.map((o) =>
        o.id === orders[1]!.id
          ? {
              ...o,
              customerPhone2: '02-555-0102',
              appointmentTimeWindow: { start: '2026-11-26T13:00:00+09:00', end: '2026-11-26T15:00:00+09:00' },
            }
          : o,
      ),
      linesByOrder: new Map([
        ...linesByOrder,
        [
          orders[1]!.id,
          [
            { id: 'l1', itemCode: 'AC-101', itemName: '벽걸이 에어컨', quantity: 2, weight: null },
            { id: 'lx', itemCode: 'ST-9', itemName: `스탠드 ${SYMBOLS}`, quantity: 1, weight: null },
          ],
        ],
      ]),
      pickupsByOrder: new Map([
        [orders[1]!.id, [{ code: 'W01', nameKo: '냉장고', nameEn: 'Refrigerator', quantity: 1, status: 'PLANNED' }]],
      ]),
      serialRules: [{ itemPrefix: 'AC-', requiresSerial: true }],
    };
    const sheets = buildAssignmentSheets('2026-11-26', [KIM.id], withParts);
    expect(sheets.map((s) => s.installer.name)).toEqual(['김기사']);
    const path = join(dir, 'kim.pdf');
    const { pages } = await writeSheetsPdf(sheets, path, printLabels('ko'));
    const text = pdfText(path);
    const [stops, ...parts] = text.split('\f').filter((p) => p.trim());
    expect(pages).toBe(1 + parts.length);
    // the first page: the day's stops in visiting order, each with window, customer, short address, phones,
    // items and pick-ups
    expect(stops).toContain('배정표');
    expect(stops).toContain('김기사');
    expect(stops).toContain('서울지점');
    expect(stops).toContain('방문 순서');
    const inOrder = (page: string, words: string[]) => {
      let at = -1;
      for (const w of words) {
        const next = page.indexOf(w, at + 1);
        expect(next, `${w} after position ${at}`).toBeGreaterThan(at);
        at = next;
      }
    };
    inOrder(stops!, ['09:00–12:00', '고객1', '서울 강남구 테헤란로 1길', '010-2000-0001', '13:00–15:00', '고객2']);
    expect(stops).toContain('W01 냉장고 × 1');
    expect(stops).toContain('02-555-0102');
    // then one part per order, in the same order, with every field
    const orderPages = parts.join('\n');
    inOrder(orderPages, [
      'SO-2026-00001',
      '고객1',
      '010-2000-0001',
      '서울 강남구 테헤란로 1길',
      'SO-2026-00002',
      '고객2',
    ]);
    for (const word of [
      '상태',
      '배정',
      '보조 연락처',
      '02-555-0102',
      '벽걸이 에어컨 (AC-101) × 2',
      '시리얼 번호',
      '필수',
      '설치 메모',
      '경비실에 맡겨 주세요',
      '폐가전 수거',
      'W01 냉장고 × 1',
      '완료',
      '고객 서명',
      '09:00–12:00',
    ])
      expect(orderPages, word).toContain(word);
    // every character prints, the symbols of item names too (the fallback font)
    expect(text).toContain(`스탠드 ${SYMBOLS}`);
    for (const no of ['SO-2026-00003', 'SO-2026-00004', 'SO-2026-00005', 'SO-2026-00006'])
      expect(text).not.toContain(no);
    // one barcode image per order
    const images = execFileSync('pdfimages', ['-list', path], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .slice(2)
      .filter((l) => l.split(/\s+/)[3] === 'image');
    expect(images).toHaveLength(2);
  });

  it('gives serial boxes by the same item rule as the head office: the longest matching prefix decides', () => {
    const lines = new Map<string, OrderLine[]>([
      [
        orders[0]!.id,
        [
          { id: 'a', itemCode: 'AC-100', itemName: '벽걸이 에어컨', quantity: 1, weight: null },
          { id: 'b', itemCode: 'ac-fil-2', itemName: '에어컨 필터', quantity: 1, weight: null },
          { id: 'c', itemCode: 'TV-55', itemName: 'TV', quantity: 1, weight: null },
        ],
      ],
    ]);
    const [sheet] = buildAssignmentSheets('2026-11-26', [KIM.id], {
      ...sources,
      linesByOrder: lines,
      // AC- needs serials, but its filters (AC-FIL) do not: what the head office's 인수 check decides too
      serialRules: [
        { itemPrefix: 'AC-', requiresSerial: true },
        { itemPrefix: 'AC-FIL', requiresSerial: false },
      ],
    });
    const items = sheet!.orders.find((o) => o.orderNo === orders[0]!.orderNo)!.items;
    expect(items.map((i) => [i.itemCode, i.requiresSerial])).toEqual([
      ['AC-100', true],
      ['ac-fil-2', false],
      ['TV-55', false],
    ]);
  });

  it('gives every installer with orders that day a page, in English when asked', async () => {
    const sheets = buildAssignmentSheets('2026-11-26', undefined, sources);
    expect(sheets.map((s) => s.installer.name)).toEqual(['김기사', '이기사']);
    const path = join(dir, 'all.pdf');
    const { pages } = await writeSheetsPdf(sheets, path, printLabels('en'), 'en');
    // each installer: the stops page and the orders' page, in one file for the day
    expect(pages).toBe(4);
    const text = pdfText(path);
    expect(text).toContain('Assignment sheet');
    expect(text).toContain('Stops in order');
    expect(text).toContain('SO-2026-00003');
    expect(text.split('\f').filter((p) => p.trim()).length).toBe(4);
  });

  it('continues a long day on further pages without losing an order', async () => {
    const many = Array.from({ length: 14 }, (_, i) => order(100 + i, LEE));
    const sheets = buildAssignmentSheets('2026-11-26', [LEE.id], { ...sources, orders: many });
    const path = join(dir, 'long.pdf');
    const { pages } = await writeSheetsPdf(sheets, path, printLabels('ko'));
    expect(pages).toBeGreaterThan(1);
    const text = pdfText(path);
    for (const o of many) expect(text).toContain(o.orderNo);
    expect(text).toContain('(계속)');
  });
});
