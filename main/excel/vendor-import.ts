// A vendor's order sheet → new orders. Each sheet row is one order line; rows sharing an order number are one order.
// The clerk maps sheet columns to order fields (a saved preset per vendor, or a guess from the header text);
// every cell is checked with the domain's orderCreate schema and each problem is reported with its sheet row and
// column. The plan is all or nothing: with any error, nothing is created. What is mended or skipped on the way (a
// phone number that lost its leading 0 as an Excel number, a totals row) is listed as a warning, which blocks nothing.
import type { AppointmentSlot } from '../../domain/appointment-slots.js';
import { type ColumnMapping, IMPORT_FIELDS, type ImportField, type RowError } from '../../domain/client-api.js';
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';
import { type OrderCreate, orderCreate } from '../../domain/order-schemas.js';
import { koreanPhone } from '../../domain/phone.js';
import { parseTimeWindow, windowOn } from '../../domain/time-window-text.js';
import { normalizeDate } from './cell-values.js';
import { type ExcelText, issueText, problem } from './problems.js';
import type { ReadSheet, SheetRow } from './read-sheet.js';

const REQUIRED: ImportField[] = ['orderNo', 'customerName', 'addressLine1', 'city', 'itemCode', 'itemName', 'quantity'];
const ORDER_FIELDS: ImportField[] = [
  'customerName',
  'customerPhone',
  'addressLine1',
  'addressLine2',
  'city',
  'postal',
  'vendor',
  'appointmentDate',
  'appointmentTimeWindow',
  'promisedDate',
  'remarks',
];

/** Header words vendors use for each field, besides our own labels. */
const SYNONYMS: Record<ImportField, string[]> = {
  orderNo: ['수주번호', '주문번호', '오더번호', '의뢰번호', 'orderno', 'ordernumber', 'order'],
  customerName: ['고객명', '고객', '성명', '이름', '수취인', '받는분', 'customer', 'name'],
  customerPhone: ['연락처', '전화번호', '휴대폰', '핸드폰', '전화', 'phone', 'tel', 'mobile'],
  addressLine1: ['주소', '주소1', '배송지', '설치주소', 'address', 'address1', 'street'],
  addressLine2: ['상세주소', '주소2', '상세', 'address2', 'addressline2', 'detail'],
  city: ['시/구', '시구', '시군구', '지역', '도시', 'city', 'district'],
  postal: ['우편번호', 'postal', 'postalcode', 'zip', 'zipcode'],
  vendor: ['의뢰처', '거래처', '업체', 'vendor', 'supplier'],
  appointmentDate: [
    '약속일자',
    '약속일',
    '배송일',
    '설치일',
    '배송예정일',
    'appointment',
    'appointmentdate',
    'deliverydate',
  ],
  appointmentTimeWindow: [
    '시간대',
    '약속시간',
    '방문시간',
    '배송시간',
    '설치시간',
    '희망시간',
    '방문시간대',
    '배송시간대',
    'time',
    'timewindow',
    'timeslot',
  ],
  promisedDate: ['최초약속일', '약정일', 'promised', 'promiseddate'],
  remarks: ['비고', '메모', '요청사항', 'remarks', 'memo', 'note', 'notes'],
  itemCode: ['품목코드', '모델', '모델코드', '제품코드', '상품코드', 'itemcode', 'model', 'sku'],
  itemName: ['품목명', '품목', '제품명', '상품명', 'itemname', 'item', 'product'],
  quantity: ['수량', 'qty', 'quantity', 'count'],
  weight: ['중량', '무게', 'weight', 'kg'],
};

const norm = (s: string) => s.toLowerCase().replace(/[\s_\-·./()]/g, '');

const WORDS = new Map(
  IMPORT_FIELDS.map((f) => [f, new Set([...SYNONYMS[f], ko.excel.fields[f], en.excel.fields[f]].map(norm))]),
);
const ALL_WORDS = new Set([...WORDS.values()].flatMap((w) => [...w]));

/** A header text that names an order field. */
export function isHeaderWord(text: string): boolean {
  return ALL_WORDS.has(norm(text));
}

/** The mapping guessed from header words; hidden columns are offered to the clerk but never guessed. */
export function guessMapping(headers: readonly string[], hidden: readonly string[] = []): ColumnMapping {
  const mapping: ColumnMapping = {};
  const used = new Set<string>(hidden);
  for (const field of IMPORT_FIELDS) {
    const words = WORDS.get(field)!;
    const hit = headers.find((h) => h && !used.has(h) && words.has(norm(h)));
    if (hit) {
      mapping[field] = hit;
      used.add(hit);
    }
  }
  return mapping;
}

export interface VendorPlan {
  orders: Array<{ create: OrderCreate; rows: number[] }>;
  errors: RowError[];
  warnings: RowError[];
  sample: Array<Record<string, string>>;
  rowCount: number;
  orderCount: number;
}

export interface VendorContext {
  vendor: string;
  branchId: string | null;
  existingOrderNos: ReadonlySet<string>;
  text: ExcelText;
  /** YYYY-MM-DD in Korea: places dates written without a year */
  today: string;
  /** the branch's appointment slots: a window written as a slot's name (오전) means that slot, as in the grid */
  slots?: readonly AppointmentSlot[];
  /** rows checked of the data rows (a progress bar) */
  onRow?: (done: number, total: number) => void;
}

// a totals row names itself in one of its cells and carries no order number
const TOTAL_WORDS = new Set([
  '합계',
  '총계',
  '소계',
  '총합계',
  '계',
  '합',
  '총',
  'total',
  'totals',
  'sum',
  'subtotal',
  'grandtotal',
]);

export function planVendorImport(sheet: ReadSheet, mapping: ColumnMapping, ctx: VendorContext): VendorPlan {
  const errors: RowError[] = [];
  const warnings: RowError[] = [];
  const { text } = ctx;
  const col = new Map<ImportField, number>();
  for (const [field, header] of Object.entries(mapping) as [ImportField, string][]) {
    const i = sheet.headers.indexOf(header);
    if (i >= 0) col.set(field, i);
  }
  const headerOf = (f: ImportField) => mapping[f] ?? text.fields[f];
  for (const f of REQUIRED)
    if (!col.has(f))
      errors.push({
        row: sheet.headerRow,
        column: text.fields[f],
        message: problem(text, 'notMapped', { field: text.fields[f] }),
      });
  if (!ctx.branchId) errors.push({ row: sheet.headerRow, column: '', message: problem(text, 'noBranch') });
  const cell = (r: SheetRow, f: ImportField) => {
    const i = col.get(f);
    return i === undefined ? '' : (r.cells[i] ?? '');
  };
  const isTotals = (r: SheetRow) => {
    const no = cell(r, 'orderNo');
    return (no === '' || TOTAL_WORDS.has(norm(no))) && r.cells.some((c) => TOTAL_WORDS.has(norm(c)));
  };
  const dataRows: SheetRow[] = [];
  for (const r of sheet.rows) {
    if (col.has('orderNo') && isTotals(r))
      warnings.push({ row: r.row, column: '', message: problem(text, 'totalsRow') });
    else dataRows.push(r);
  }
  const firstData = sheet.headerRow + 1;
  if (dataRows.length === 0) errors.push({ row: firstData, column: '', message: problem(text, 'noRows') });
  const sample = dataRows.slice(0, 8).map((r) => Object.fromEntries([...col.keys()].map((f) => [f, cell(r, f)])));
  if (errors.length > 0) return { orders: [], errors, warnings, sample, rowCount: dataRows.length, orderCount: 0 };

  const groups = new Map<string, SheetRow[]>();
  for (const r of dataRows) {
    const no = cell(r, 'orderNo');
    const key = no || `\u0000row${r.row}`; // a row without an order number stands alone and fails validation
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  }

  const orders: VendorPlan['orders'] = [];
  let checked = 0;
  for (const rows of groups.values()) {
    checked += rows.length;
    ctx.onRow?.(checked, dataRows.length);
    const first = rows[0]!;
    const rowErrors: RowError[] = [];
    const err = (r: SheetRow, f: ImportField, message: string) =>
      rowErrors.push({ row: r.row, column: headerOf(f), message });
    for (const r of rows.slice(1)) {
      for (const f of ORDER_FIELDS) {
        const v = cell(r, f);
        if (v !== '' && v !== cell(first, f)) err(r, f, problem(text, 'differs', { row: first.row }));
      }
    }
    const date = (r: SheetRow, f: 'appointmentDate' | 'promisedDate') => {
      const v = cell(r, f);
      if (!v) return undefined;
      const iso = normalizeDate(v, ctx.today);
      if (!iso) err(r, f, problem(text, 'date'));
      return iso ?? undefined;
    };
    const appointmentDate = date(first, 'appointmentDate');
    const timeWindow = () => {
      const v = cell(first, 'appointmentTimeWindow');
      if (!v) return undefined;
      const w = parseTimeWindow(v, ctx.slots);
      if (!w) err(first, 'appointmentTimeWindow', problem(text, 'timeWindow'));
      else if (!cell(first, 'appointmentDate')) err(first, 'appointmentTimeWindow', problem(text, 'windowWithoutDate'));
      return w && appointmentDate ? windowOn(appointmentDate, w) : undefined;
    };
    // Excel keeps a phone typed as a number without its leading 0 (1012345678): restored when the digits then
    // make a Korean number, and said so; digits alone that make no phone number are refused
    const phone = () => {
      const v = cell(first, 'customerPhone');
      if (!v || !/^[0-9]+$/.test(v)) return v || undefined;
      if (koreanPhone(v)) return v;
      const restored = koreanPhone(`0${v}`) ?? (v.startsWith('82') ? koreanPhone(`+${v}`) : null);
      if (!restored) {
        err(first, 'customerPhone', problem(text, 'phone'));
        return v;
      }
      warnings.push({
        row: first.row,
        column: headerOf('customerPhone'),
        message: problem(text, 'phoneRestored', { typed: v, phone: restored }),
      });
      return restored;
    };
    const num = (r: SheetRow, f: 'quantity' | 'weight'): number | undefined => {
      const v = cell(r, f).replace(/,/g, '');
      if (!v) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n)) {
        err(r, f, problem(text, 'number'));
        return undefined;
      }
      return n;
    };
    const opt = (f: ImportField) => cell(first, f) || undefined;
    const candidate = {
      orderNo: cell(first, 'orderNo'),
      customerName: cell(first, 'customerName'),
      customerPhone: phone(),
      address: {
        line1: cell(first, 'addressLine1'),
        ...(opt('addressLine2') ? { line2: opt('addressLine2') } : {}),
        city: cell(first, 'city'),
        ...(opt('postal') ? { postal: opt('postal') } : {}),
      },
      vendor: opt('vendor') ?? ctx.vendor,
      branchId: ctx.branchId!,
      appointmentDate,
      appointmentTimeWindow: timeWindow(),
      promisedDate: date(first, 'promisedDate'),
      remarks: opt('remarks'),
      lines: rows.map((r) => ({
        itemCode: cell(r, 'itemCode'),
        itemName: cell(r, 'itemName'),
        quantity: num(r, 'quantity') as number,
        ...(cell(r, 'weight') ? { weight: num(r, 'weight') } : {}),
      })),
    };
    const parsed = orderCreate.safeParse(JSON.parse(JSON.stringify(candidate)));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const [head, idx, leaf] = issue.path.map(String);
        let field: ImportField;
        let row = first;
        if (head === 'lines') {
          row = rows[Number(idx)] ?? first;
          field = (leaf as ImportField | undefined) ?? 'itemCode';
        } else if (head === 'address') {
          field = idx === 'line1' ? 'addressLine1' : idx === 'line2' ? 'addressLine2' : (idx as ImportField);
        } else field = head as ImportField;
        if (!(IMPORT_FIELDS as readonly string[]).includes(field)) field = 'orderNo';
        // a number cell already reported as "not a number" needs no second message
        if (rowErrors.some((e) => e.row === row.row && e.column === headerOf(field))) continue;
        err(row, field, issueText(text, issue, field));
      }
    }
    const no = candidate.orderNo;
    if (no && ctx.existingOrderNos.has(no)) err(first, 'orderNo', problem(text, 'orderExists'));
    errors.push(...rowErrors);
    if (parsed.success && rowErrors.length === 0) orders.push({ create: parsed.data, rows: rows.map((r) => r.row) });
  }
  const byPlace = (a: RowError, b: RowError) => a.row - b.row || a.column.localeCompare(b.column);
  errors.sort(byPlace);
  warnings.sort(byPlace);
  return {
    orders: errors.length ? [] : orders,
    errors,
    warnings,
    sample,
    rowCount: dataRows.length,
    orderCount: groups.size,
  };
}
