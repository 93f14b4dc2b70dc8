// Excel export and import, through real xlsx files written and read with exceljs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOrderView, cellText, type OrderColumnKey } from '../../domain/order-view.js';
import { parseTimeWindow } from '../../domain/time-window-text.js';
import { normalizeDate } from '../../main/excel/cell-values.js';
import { EXPORT_KIND, EXPORT_META_SHEET, rowsSource, writeOrdersXlsx } from '../../main/excel/export-orders.js';
import { excelText } from '../../main/excel/problems.js';
import { readWorkbook } from '../../main/excel/read-sheet.js';
import { planReimport } from '../../main/excel/reimport.js';
import { guessMapping, isHeaderWord, planVendorImport } from '../../main/excel/vendor-import.js';
import { inspectXlsx, XlsxLimitError } from '../../main/excel/xlsx-guard.js';
import { ClientStore } from '../../main/store/client-store.js';
import { openOrderSnapshot } from '../../main/store/order-snapshot.js';
import { officeCsv, officePdf } from '../support/office.js';
import { mirrorPages } from '../support/order-mirror.js';
import { orderRow } from './support/orders.js';

const dir = mkdtempSync(join(tmpdir(), 'xlsx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ko = excelText('ko');
const TODAY = '2026-12-07';
const BRANCH = '0190a0a0-0000-7000-8000-0000000000b1';

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
    expect(normalizeDate('2026.11.26', TODAY)).toBe('2026-11-26');
    expect(normalizeDate('20261126', TODAY)).toBe('2026-11-26');
    expect(normalizeDate('2026-02-30', TODAY)).toBeNull();
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
      today: TODAY,
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
      today: TODAY,
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
      { vendor: 'X', branchId: 'b', existingOrderNos: new Set(), text: excelText('en'), today: TODAY },
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

describe('vendor sheets as people make them', () => {
  const ctx = { vendor: '동부대우전자', branchId: BRANCH, existingOrderNos: new Set<string>(), text: ko, today: TODAY };
  const HEAD = ['수주번호', '고객명', '연락처', '주소', '시/구', '약속일자', '시간대', '품목코드', '품목명', '수량'];

  async function book(build: (wb: ExcelJS.Workbook) => void, name: string): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    build(wb);
    const path = join(dir, name);
    await wb.xlsx.writeFile(path);
    return readFileSync(path);
  }

  it('finds the header below a merged title, blank rows and a hidden column; skips a totals row; picks the sheet with orders', async () => {
    const buf = await book((wb) => {
      const cover = wb.addWorksheet('안내');
      cover.addRow(['12월 배송 의뢰서입니다. 두 번째 시트를 보세요.']);
      const ws = wb.addWorksheet('12월 주문');
      ws.addRow(['2026년 12월 배송 의뢰서 (동부대우전자)']);
      ws.mergeCells('A1:K1');
      ws.addRow([]);
      ws.addRow(['작성일', '2026-12-01']);
      ws.addRow([]);
      ws.addRow([...HEAD, '내부코드']);
      ws.getColumn(11).hidden = true;
      ws.addRow(['T-1', '김철수', 1012345678, '테헤란로 1', '서울 강남구', 46364, '오전', 'AC-1', '에어컨', 1, 'x1']);
      ws.addRow([
        'T-2',
        '박영희',
        '02-345-6789',
        '해운대로 2',
        '부산 해운대구',
        '12월 9일',
        '14~16시',
        'RF-3',
        '냉장고',
        2,
        'x2',
      ]);
      ws.addRow([]);
      ws.addRow(['합계', '', '', '', '', '', '', '', '', { formula: 'SUM(J6:J7)', result: 3 }, '']);
      ws.addRow([]);
      ws.addRow([]);
    }, 'people.xlsx');
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET, isHeaderWord);
    expect(sheet.name).toBe('12월 주문');
    expect(sheet.sheets).toEqual([
      { name: '안내', rows: 0 },
      { name: '12월 주문', rows: 3 },
    ]);
    expect(sheet.headerRow).toBe(5);
    expect(sheet.headers).toEqual([...HEAD, '내부코드']);
    expect(sheet.hiddenHeaders).toEqual(['내부코드']);
    const mapping = guessMapping(sheet.headers, sheet.hiddenHeaders);
    // the merged title fills no drop-down; the hidden column is not guessed
    expect(Object.values(mapping)).toEqual(HEAD);
    const plan = planVendorImport(sheet, mapping, ctx);
    expect(plan.errors).toEqual([]);
    expect(plan.rowCount).toBe(2);
    expect(plan.warnings).toEqual([
      {
        row: 6,
        column: '연락처',
        message: '숫자로 저장되어 앞의 0이 빠진 번호 1012345678를 010-1234-5678(으)로 고쳤습니다',
      },
      { row: 9, column: '', message: '합계 행이라 건너뜁니다' },
    ]);
    expect(
      plan.orders.map((o) => [
        o.create.orderNo,
        o.create.customerPhone,
        o.create.appointmentDate,
        o.create.appointmentTimeWindow,
      ]),
    ).toEqual([
      ['T-1', '010-1234-5678', '2026-12-08', { start: '2026-12-08T09:00:00+09:00', end: '2026-12-08T12:00:00+09:00' }],
      ['T-2', '02-345-6789', '2026-12-09', { start: '2026-12-09T14:00:00+09:00', end: '2026-12-09T16:00:00+09:00' }],
    ]);
  });

  it('lets the clerk read another sheet by name', async () => {
    const buf = await book((wb) => {
      wb.addWorksheet('A').addRows([HEAD, ['A-1', '가', '', '주소', '서울', '', '', 'AC-1', '에어컨', 1]]);
      wb.addWorksheet('B').addRows([HEAD, ['B-1', '나', '', '주소', '서울', '', '', 'AC-1', '에어컨', 1]]);
    }, 'two-sheets.xlsx');
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET, isHeaderWord, 'B');
    expect([sheet.name, sheet.rows.map((r) => r.cells[0])]).toEqual(['B', ['B-1']]);
  });

  it('reads dates and time windows in the ways vendors write them', async () => {
    const dates: Array<[string, string | null]> = [
      ['2026.12.08', '2026-12-08'],
      ['2026-12-08', '2026-12-08'],
      ['2026/12/8', '2026-12-08'],
      ['26.12.08', '2026-12-08'],
      ['12/8', '2026-12-08'],
      ['12월 8일', '2026-12-08'],
      ['2026년 12월 8일', '2026-12-08'],
      ['2026-12-08(화)', '2026-12-08'],
      ['46364', '2026-12-08'],
      // no year: the date nearest to today, so early January is next year and late November this one
      ['1/5', '2027-01-05'],
      ['11월 30일', '2026-11-30'],
      ['13/40', null],
      ['내일', null],
      ['123', null],
    ];
    expect(dates.map(([t]) => [t, normalizeDate(t, TODAY)])).toEqual(dates);
    const windows: Array<[string, [string, string] | null]> = [
      ['오전', ['09:00', '12:00']],
      ['오후', ['13:00', '18:00']],
      ['14~16시', ['14:00', '16:00']],
      ['14시~16시', ['14:00', '16:00']],
      ['14:00-16:00', ['14:00', '16:00']],
      ['오후 2시~4시', ['14:00', '16:00']],
      ['9-12', ['09:00', '12:00']],
      ['16~14시', null],
      ['저녁', null],
    ];
    const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    expect(
      windows.map(([t]) => {
        const w = parseTimeWindow(t);
        return [t, w ? [hm(w.start), hm(w.end)] : null];
      }),
    ).toEqual(windows);
    // a date cell (a real Excel date) and a serial in a number cell both import as that day
    const buf = await xlsx(
      [
        HEAD,
        ['D-1', '가', '', '주소', '서울', new Date('2026-12-10T00:00:00Z'), '14:00-16:00', 'AC-1', '에어컨', 1],
        ['D-2', '나', '', '주소', '서울', 46367, '', 'AC-1', '에어컨', 1],
        ['D-3', '다', '', '주소', '서울', '', '오후', 'AC-1', '에어컨', 1],
        ['D-4', '라', '', '주소', '서울', '12/20', '저녁', 'AC-1', '에어컨', 1],
      ],
      'dates.xlsx',
    );
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET, isHeaderWord);
    const plan = planVendorImport(sheet, guessMapping(sheet.headers), ctx);
    expect(plan.errors).toEqual([
      { row: 4, column: '시간대', message: '약속일자 없이 시간대만 정할 수 없습니다' },
      { row: 5, column: '시간대', message: '시간대 형식이 아닙니다 (예: 오전, 오후, 14~16시, 14:00-16:00)' },
    ]);
  });

  it("a window written as the name of one of the branch's slots (오전) is that slot, as when pasted in the grid", async () => {
    const buf = await xlsx(
      [
        HEAD,
        ['N-1', '가', '', '주소', '서울', '2026-12-10', '오전', 'AC-1', '에어컨', 1],
        ['N-2', '나', '', '주소', '서울', '2026-12-10', '오후', 'AC-1', '에어컨', 1],
      ],
      'named.xlsx',
    );
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET, isHeaderWord);
    const slots = [
      { start: '09:00', end: '13:00', label: '오전' },
      { start: '13:00', end: '18:00' },
    ];
    const plan = planVendorImport(sheet, guessMapping(sheet.headers), { ...ctx, slots });
    expect(plan.errors).toEqual([]);
    expect(plan.orders.map((o) => o.create.appointmentTimeWindow)).toEqual([
      { start: '2026-12-10T09:00:00+09:00', end: '2026-12-10T13:00:00+09:00' },
      // no slot of this branch is named 오후: the word's usual hours
      { start: '2026-12-10T13:00:00+09:00', end: '2026-12-10T18:00:00+09:00' },
    ]);
  });

  it('restores the leading 0 of phone numbers stored as numbers, as a warning, and refuses digits that make no phone number', async () => {
    const buf = await xlsx(
      [
        HEAD,
        ['P-1', '가', 1012345678, '주소', '서울', '', '', 'AC-1', '에어컨', 1],
        ['P-2', '나', 212345678, '주소', '서울', '', '', 'AC-1', '에어컨', 1],
        ['P-3', '다', 15881234, '주소', '서울', '', '', 'AC-1', '에어컨', 1],
        ['P-4', '라', 12345678, '주소', '서울', '', '', 'AC-1', '에어컨', 1],
      ],
      'phones.xlsx',
    );
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET, isHeaderWord);
    const plan = planVendorImport(sheet, guessMapping(sheet.headers), ctx);
    expect(plan.errors).toEqual([{ row: 5, column: '연락처', message: '전화번호 형식이 아닙니다' }]);
    expect(plan.warnings.map((w) => [w.row, w.column])).toEqual([
      [2, '연락처'],
      [3, '연락처'],
    ]);
    expect(plan.warnings[1]!.message).toContain('02-1234-5678');
    // with the bad row gone, the restored numbers are what the orders get
    const ok = planVendorImport({ ...sheet, rows: sheet.rows.slice(0, 3) }, guessMapping(sheet.headers), ctx);
    expect(ok.orders.map((o) => o.create.customerPhone)).toEqual(['010-1234-5678', '02-1234-5678', '1588-1234']);
  });

  it('imports formulas as their values', async () => {
    const buf = await book((wb) => {
      const ws = wb.addWorksheet('주문서');
      ws.addRow(HEAD);
      ws.addRow([
        { formula: '"F-"&"1"', result: 'F-1' },
        '가',
        '',
        '주소',
        '서울',
        { formula: 'DATE(2026,12,8)', result: 46364 },
        '',
        'AC-1',
        '에어컨',
        { formula: '1+1', result: 2 },
      ]);
      ws.getCell('F2').numFmt = 'yyyy-mm-dd';
    }, 'formulas.xlsx');
    const sheet = await readWorkbook(buf, EXPORT_META_SHEET, isHeaderWord);
    const plan = planVendorImport(sheet, guessMapping(sheet.headers), ctx);
    expect(plan.errors).toEqual([]);
    const o = plan.orders[0]!.create;
    expect([o.orderNo, o.appointmentDate, o.lines[0]!.quantity]).toEqual(['F-1', '2026-12-08', 2]);
  });
});

describe('size and safety of an uploaded xlsx', () => {
  /** A valid small xlsx whose sheet XML is replaced by `sheetXml`, deflated (a zip bomb when it repeats). */
  async function withSheetXml(sheetXml: Buffer): Promise<Buffer> {
    const JSZip = (await import('jszip')).default;
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('주문서').addRow(['수주번호', '고객명']);
    const zip = await JSZip.loadAsync(await wb.xlsx.writeBuffer());
    zip.file('xl/worksheets/sheet1.xml', sheetXml);
    return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
  }
  const head =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';
  const refused = async (buf: Buffer) => {
    try {
      await inspectXlsx(buf);
      return null;
    } catch (e) {
      return e instanceof XlsxLimitError ? e.limit : String(e);
    }
  };

  /** Writes `size` as the uncompressed size of `name` in its local header and in the zip's directory. */
  function declare(zip: Buffer, name: string, size: number): Buffer {
    const out = Buffer.from(zip);
    const needle = Buffer.from(name);
    for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, at + 1)) {
      if (out.readUInt32LE(at - 30) === 0x04034b50) out.writeUInt32LE(size, at - 30 + 22);
      if (out.readUInt32LE(at - 46) === 0x02014b50) out.writeUInt32LE(size, at - 46 + 24);
    }
    return out;
  }

  it('refuses a small file whose sheet XML would inflate hugely, without parsing it', async () => {
    const sheetXml = (n: number) =>
      Buffer.concat([Buffer.from(`${head}<sheetData>`), Buffer.alloc(n, ' '), Buffer.from('</sheetData></worksheet>')]);
    // the directory says so: refused from the directory alone
    const honest = declare(await withSheetXml(sheetXml(1000)), 'xl/worksheets/sheet1.xml', 300 * 1024 * 1024);
    expect(await refused(honest)).toBe('unzippedBytes');
    // the directory lies (1 KB) about 30 MB of blanks in a 30 KB file: the inflate stops at the declared size
    const lying = declare(await withSheetXml(sheetXml(30 * 1024 * 1024)), 'xl/worksheets/sheet1.xml', 1024);
    expect(lying.length).toBeLessThan(100 * 1024);
    expect(await refused(lying)).toBe('notXlsx');
    // through the reader the service uses: the same refusals, exceljs never sees the file
    await expect(readWorkbook(honest, EXPORT_META_SHEET)).rejects.toBeInstanceOf(XlsxLimitError);
    await expect(readWorkbook(lying, EXPORT_META_SHEET)).rejects.toBeInstanceOf(XlsxLimitError);
  }, 60_000);

  it('refuses a zip entry that its directory does not list (exceljs would read it, the check would not)', async () => {
    const ok = await withSheetXml(Buffer.from(`${head}<sheetData/></worksheet>`));
    const JSZip = (await import('jszip')).default;
    const extra = await new JSZip()
      .file('xl/sharedStrings.xml', 'x'.repeat(1000))
      .generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    // the extra entry's local part (without its own directory) placed before the real file's entries
    const cd = extra.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const smuggled = Buffer.concat([extra.subarray(0, cd), ok]);
    // offsets in the real directory now point past the smuggled part: shift them so the file still opens
    const eocd = smuggled.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const cdAt = smuggled.readUInt32LE(eocd + 16) + cd;
    smuggled.writeUInt32LE(cdAt, eocd + 16);
    for (let at = cdAt; smuggled.readUInt32LE(at) === 0x02014b50; ) {
      smuggled.writeUInt32LE(smuggled.readUInt32LE(at + 42) + cd, at + 42);
      at += 46 + smuggled.readUInt16LE(at + 28) + smuggled.readUInt16LE(at + 30) + smuggled.readUInt16LE(at + 32);
    }
    expect(await refused(ok)).toBeNull();
    expect(await refused(smuggled)).toBe('notXlsx');
  });

  it('refuses a sheet with more rows or columns than the limits, by its declared dimension or by its rows', async () => {
    const declared = await withSheetXml(
      Buffer.from(
        `${head}<dimension ref="A1:B1000000"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`,
      ),
    );
    expect(await refused(declared)).toBe('rows');
    const rows = Array.from({ length: 50_001 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>1</v></c></row>`).join(
      '',
    );
    expect(await refused(await withSheetXml(Buffer.from(`${head}<sheetData>${rows}</sheetData></worksheet>`)))).toBe(
      'rows',
    );
    const wide = `<row r="1"><c r="GT1"><v>1</v></c></row>`; // column 202
    expect(await refused(await withSheetXml(Buffer.from(`${head}<sheetData>${wide}</sheetData></worksheet>`)))).toBe(
      'columns',
    );
    expect(await refused(Buffer.from('not a zip at all'))).toBe('notXlsx');
  }, 60_000);

  it('refuses a file over 20 MB before opening it', async () => {
    expect(await refused(Buffer.alloc(20 * 1024 * 1024 + 1))).toBe('fileBytes');
  });
});
