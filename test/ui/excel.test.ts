// Excel export and import, through real xlsx files written and read with exceljs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOrderView, cellText, type OrderColumnKey } from '../../domain/order-view.js';
import { EXPORT_KIND, EXPORT_META_SHEET, rowsSource, writeOrdersXlsx } from '../../main/excel/export-orders.js';
import { excelText } from '../../main/excel/problems.js';
import { readWorkbook } from '../../main/excel/read-sheet.js';
import { planReimport } from '../../main/excel/reimport.js';
import { guessMapping, normalizeDate, planVendorImport } from '../../main/excel/vendor-import.js';
import { ClientStore } from '../../main/store/client-store.js';
import { openOrderSnapshot } from '../../main/store/order-snapshot.js';
import { officeCsv, officePdf } from '../support/office.js';
import { mirrorPages } from '../support/order-mirror.js';
import { orderRow } from './support/orders.js';

const dir = mkdtempSync(join(tmpdir(), 'xlsx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ko = excelText('ko');

async function xlsx(rows: (string | number | Date | null)[][], name: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('주문서');
  for (const r of rows) ws.addRow(r);
  const path = join(dir, name);
  await wb.xlsx.writeFile(path);
  return readFileSync(path);
}

const rows = Array.from({ length: 30 }, (_, i) => orderRow(i + 1, { remarks: i % 4 ? null : `메모 ${i}` }));
const columns: OrderColumnKey[] = ['orderNo', 'customerName', 'city', 'remarks', 'status'];
const headers = { orderNo: '수주번호', customerName: '고객명', city: '시/구', remarks: '비고', status: '상태' };
const view = { filters: { city: '서울' }, sort: [{ key: 'customerName' as const, direction: 'DESC' as const }] };

describe('export', () => {
  it('writes exactly the grid view: its rows, order, columns and headers', async () => {
    const path = join(dir, 'export.xlsx');
    const { rows: n } = await writeOrdersXlsx({
      source: rowsSource(rows),
      view,
      columns,
      headers,
      path,
      sheetName: '주문',
    });
    const expected = applyOrderView(rows, view);
    expect(n).toBe(expected.length);
    const sheet = await readWorkbook(readFileSync(path), EXPORT_META_SHEET);
    expect(sheet.headers.slice(0, 5)).toEqual(['수주번호', '고객명', '시/구', '비고', '상태']);
    expect(sheet.rows.map((r) => r.cells.slice(0, 5))).toEqual(expected.map((o) => columns.map((k) => cellText(o, k))));
    expect(sheet.meta.get('kind')).toBe(EXPORT_KIND);
  });
});

describe('export opened in an office suite', () => {
  it('LibreOffice reads dates as dates, phone numbers with their 0, Korean text; the sheet prints landscape, one page wide, the header on every page', async () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      orderRow(i + 1, { customerPhone: '010-2345-0007', promisedDate: '2026-12-08', remarks: '벽걸이 ㎡ 설치' }),
    );
    const cols: OrderColumnKey[] = [
      'orderNo',
      'customerName',
      'customerPhone',
      'appointmentDate',
      'promisedDate',
      'createdAt',
      'remarks',
      'items',
      'address',
    ];
    const path = join(dir, 'office.xlsx');
    await writeOrdersXlsx({
      source: rowsSource(many),
      view: {},
      columns: cols,
      headers: {
        orderNo: '수주번호',
        customerName: '고객명',
        customerPhone: '연락처',
        appointmentDate: '약속일자',
        promisedDate: '최초 약속일',
        createdAt: '접수 시각',
        remarks: '비고',
        items: '품목',
        address: '주소',
      },
      path,
      sheetName: '주문',
      pageLabel: '페이지',
    });
    // the cells' types and the sheet's print set-up, as written
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const ws = wb.getWorksheet('주문')!;
    expect(ws.getCell('D2').value).toBeInstanceOf(Date);
    expect(ws.getCell('D2').numFmt).toBe('yyyy-mm-dd');
    expect(ws.getCell('C2').value).toBe('010-2345-0007');
    expect(ws.getCell('C2').numFmt).toBe('@');
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.pageSetup).toMatchObject({
      orientation: 'landscape',
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
    });
    expect(ws.headerFooter.oddFooter).toContain('&P');
    // what a clerk sees in LibreOffice
    const csv = await officeCsv(path);
    expect(csv[0]).toEqual([
      '수주번호',
      '고객명',
      '연락처',
      '약속일자',
      '최초 약속일',
      '접수 시각',
      '비고',
      '품목',
      '주소',
      '_id',
      '_version',
    ]);
    const first = many[0]!;
    expect(csv[1]!.slice(0, 7)).toEqual([
      first.orderNo,
      first.customerName,
      '010-2345-0007',
      first.appointmentDate,
      '2026-12-08',
      cellText(first, 'createdAt'),
      '벽걸이 ㎡ 설치',
    ]);
    expect(csv.length).toBe(401);
    // printed: far fewer pages than rows/40 portrait pages, every page starting with the header row
    const pdf = join(dir, 'office.pdf');
    writeFileSync(pdf, await officePdf(path));
    const pages = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
      .split('\f')
      .filter((p) => p.trim());
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.length).toBeLessThan(20);
    for (const page of pages) expect(page).toContain('수주번호');
    expect(pages.at(-1)).toContain(`페이지 ${pages.length} / ${pages.length}`);
  }, 180_000);

  it('reads its own export back unchanged: dates and times compare equal with the grid (nothing to re-import)', async () => {
    const path = join(dir, 'roundtrip.xlsx');
    const cols: OrderColumnKey[] = ['orderNo', 'appointmentDate', 'createdAt', 'updatedAt', 'customerPhone'];
    await writeOrdersXlsx({ source: rowsSource(rows), view: {}, columns: cols, headers: {}, path, sheetName: '주문' });
    const sheet = await readWorkbook(readFileSync(path), EXPORT_META_SHEET);
    const plan = planReimport(sheet, new Map(rows.map((r) => [r.id, r])), ko);
    expect(plan).toEqual({ updates: [], conflicts: [], errors: [] });
  });
});

describe('export from the local database', () => {
  it('streams from SQLite exactly the rows, order and cells the grid shows for a filtered, sorted view', async () => {
    const store = new ClientStore(join(dir, 'client.sqlite'));
    try {
      const many = Array.from({ length: 120 }, (_, i) =>
        orderRow(i + 1, {
          customerName: ['김철수', '박영희', '김민수'][i % 3]!,
          appointmentDate: `2026-11-${String(20 + (i % 4))}`,
          appointmentTimeWindow: { start: '2026-11-26T00:00:00Z', end: '2026-11-26T03:00:00Z' },
          remarks: i % 5 ? null : `메모 ${i}`,
        }),
      );
      for (const page of mirrorPages(many, 50)) store.applyPage(page);
      // an order with a local edit waiting to be sent: the grid marks it pending, so the export must see that too
      const edited = store.listOrders({})[7]!;
      store.localOrderOp({ kind: 'order.update', orderId: edited.id, payload: { remarks: '오전 방문' } });
      const grid = store.listOrders({});
      const cols: OrderColumnKey[] = ['orderNo', 'customerName', 'appointmentDate', 'timeWindow', 'items', 'remarks'];
      const views = [
        {
          filters: { customerName: '김' },
          sort: [
            { key: 'appointmentDate' as const, direction: 'DESC' as const },
            { key: 'customerName' as const, direction: 'ASC' as const },
          ],
        },
        { pendingOnly: true },
      ];
      for (const [n, v] of views.entries()) {
        const path = join(dir, `from-sqlite-${n}.xlsx`);
        const source = openOrderSnapshot(store.file);
        try {
          await writeOrdersXlsx({ source, view: v, columns: cols, headers: {}, path, sheetName: '주문' });
        } finally {
          source.close();
        }
        const expected = applyOrderView(grid, v);
        expect(expected.length).toBeGreaterThan(0);
        const sheet = await readWorkbook(readFileSync(path), EXPORT_META_SHEET);
        expect(sheet.rows.map((r) => r.cells.slice(0, cols.length))).toEqual(
          expected.map((o) => cols.map((k) => cellText(o, k))),
        );
        expect(sheet.rows.map((r) => r.cells.slice(cols.length))).toEqual(
          expected.map((o) => [o.id, String(o.version)]),
        );
      }
    } finally {
      store.close();
    }
  });
});

describe('vendor import', () => {
  it('guesses the mapping from common header words', () => {
    expect(guessMapping(['주문번호', '성명', '전화번호', '배송지', '시군구', '모델', '제품명', 'Qty', '메모'])).toEqual(
      {
        orderNo: '주문번호',
        customerName: '성명',
        customerPhone: '전화번호',
        addressLine1: '배송지',
        city: '시군구',
        itemCode: '모델',
        itemName: '제품명',
        quantity: 'Qty',
        remarks: '메모',
      },
    );
  });

  it('reads dates as vendors type them', () => {
    expect(normalizeDate('2026.11.26')).toBe('2026-11-26');
    expect(normalizeDate('20261126')).toBe('2026-11-26');
    expect(normalizeDate('2026-02-30')).toBeNull();
  });

  const HEAD = ['수주번호', '고객명', '연락처', '주소', '시/구', '약속일자', '품목코드', '품목명', '수량'];
  it('makes one order per order number with a line per row', async () => {
    const buf = await xlsx(
      [
        HEAD,
        [
          'V-1',
          '김철수',
          '010-1111-2222',
          '테헤란로 1',
          '서울 강남구',
          new Date('2026-11-30T00:00:00Z'),
          'AC-1',
          '에어컨',
          1,
        ],
        ['V-1', '', '', '', '', '', 'WM-2', '세탁기', 2],
        ['V-2', '박영희', '', '해운대로 2', '부산 해운대구', '2026.12.01', 'RF-3', '냉장고', 1],
      ],
      'good.xlsx',
    );
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET);
    const plan = planVendorImport(sheet, guessMapping(sheet.headers), {
      vendor: '동부대우전자',
      branchId: '0190a0a0-0000-7000-8000-0000000000b1',
      existingOrderNos: new Set(),
      text: ko,
    });
    expect(plan.errors).toEqual([]);
    expect(
      plan.orders.map((o) => [o.create.orderNo, o.create.lines.length, o.create.appointmentDate, o.create.vendor]),
    ).toEqual([
      ['V-1', 2, '2026-11-30', '동부대우전자'],
      ['V-2', 1, '2026-12-01', '동부대우전자'],
    ]);
  });

  it('reports every bad cell by sheet row and column and plans nothing', async () => {
    const buf = await xlsx(
      [
        HEAD,
        ['V-10', '', '010-1111-2222', '테헤란로 1', '서울 강남구', '2026-11-30', 'AC-1', '에어컨', 1],
        ['V-11', '정상', 'not a phone', '주소', '서울', '어제', 'AC-1', '에어컨', 'two'],
        ['V-12', '정상', '', '주소', '서울', '', 'AC-1', '에어컨', 0],
        ['EXIST-1', '정상', '', '주소', '서울', '', 'AC-1', '에어컨', 1],
        ['V-13', '정상', '', '주소', '서울', '', 'AC-1', '에어컨', 1],
      ],
      'bad.xlsx',
    );
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET);
    const plan = planVendorImport(sheet, guessMapping(sheet.headers), {
      vendor: 'X',
      branchId: '0190a0a0-0000-7000-8000-0000000000b1',
      existingOrderNos: new Set(['EXIST-1']),
      text: ko,
    });
    expect(plan.orders).toEqual([]);
    expect(plan.errors).toEqual([
      { row: 2, column: '고객명', message: '값이 없습니다' },
      { row: 3, column: '수량', message: '숫자가 아닙니다' },
      { row: 3, column: '약속일자', message: '날짜가 아닙니다 (예: 2026-11-26)' },
      { row: 3, column: '연락처', message: '전화번호 형식이 아닙니다' },
      { row: 4, column: '수량', message: '1 이상의 정수여야 합니다' },
      { row: 5, column: '수주번호', message: '이미 있는 수주번호입니다' },
    ]);
  });

  it('says which required columns are not mapped', async () => {
    const buf = await xlsx(
      [
        ['번호', '이름'],
        ['1', 'a'],
      ],
      'unmapped.xlsx',
    );
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET);
    const plan = planVendorImport(
      sheet,
      {},
      { vendor: 'X', branchId: 'b', existingOrderNos: new Set(), text: excelText('en') },
    );
    expect(plan.errors.map((e) => e.message)).toContain('No column mapped for Order no.');
  });
});

describe('re-import of an export', () => {
  it('applies edited cells of unchanged orders and reports orders changed at head office as conflicts', async () => {
    const path = join(dir, 'roundtrip.xlsx');
    const cols: OrderColumnKey[] = ['orderNo', 'customerName', 'remarks', 'status'];
    const mine = rows.slice(0, 3);
    await writeOrdersXlsx({ source: rowsSource(mine), view: {}, columns: cols, headers: {}, path, sheetName: '주문' });
    // the clerk edits the sheet: remarks of rows 2 and 3 (sheet rows 2..4 are the orders)
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const ws = wb.worksheets[0]!;
    ws.getRow(2).getCell(3).value = '오전 방문 요청';
    ws.getRow(3).getCell(3).value = '엘리베이터 없음';
    ws.getRow(4).getCell(4).value = '인수';
    await wb.xlsx.writeFile(path);
    // meanwhile the head office changed the second order
    const current = new Map(mine.map((r) => [r.id, r]));
    current.set(mine[1]!.id, { ...mine[1]!, version: 2, remarks: '본사 메모' });
    const sheet = await readWorkbook(readFileSync(path), EXPORT_META_SHEET);
    const plan = planReimport(sheet, current, ko);
    expect(plan.updates.map((u) => [u.order.orderNo, u.patch])).toEqual([['SO-000001', { remarks: '오전 방문 요청' }]]);
    expect(plan.conflicts).toEqual([
      {
        row: 3,
        orderId: mine[1]!.id,
        orderNo: 'SO-000002',
        exportedVersion: 1,
        currentVersion: 2,
        fields: [{ field: 'remarks', sheet: '엘리베이터 없음', current: '본사 메모' }],
      },
    ]);
    expect(plan.errors).toEqual([{ row: 4, column: 'status', message: '이 열은 가져오기로 바꿀 수 없습니다' }]);
  });
});
