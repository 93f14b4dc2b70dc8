// The assignment sheets as an A4 PDF (pdfkit), what an installer takes in the truck. Per installer: first the
// day's stops in visiting order (time window, customer, short address, phones, items, pick-ups), then one part per
// order with its number as a Code 128 barcode, status, both phones, the full address, items with model and
// quantity, a box per unit for its serial number, the installation notes, the waste appliances to collect, a
// completion tick and the customer's signature. Fonts are embedded (subset) with a fallback for symbols
// (fonts.ts), so every character prints and pdftotext reads the text back.
import { createWriteStream } from 'node:fs';
import bwipjs from 'bwip-js/node';
import PDFDocument from 'pdfkit';
import type { AssignmentSheet, SheetOrder } from '../../domain/client-api.js';
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';
import { formatStamp } from '../../domain/order-view.js';
import { type PrintFonts, printFonts, textRuns } from './fonts.js';
import { fill, type PrintLabels } from './labels.js';

const MM = 72 / 25.4;
const PAGE = { width: 210 * MM, height: 297 * MM, margin: 12 * MM };
const CONTENT_W = PAGE.width - 2 * PAGE.margin;
const LABEL_W = 24 * MM;
const BOTTOM = PAGE.height - PAGE.margin - 14;
/** at most this many serial boxes per line; a line of more units gets a note to write the rest on the back */
const MAX_SERIAL_BOXES = 12;

type Weight = 'regular' | 'bold';
type Doc = PDFKit.PDFDocument;

interface Ctx {
  doc: Doc;
  fonts: PrintFonts;
  labels: PrintLabels;
  locale: 'ko' | 'en';
}

async function barcodePng(text: string): Promise<Buffer> {
  return bwipjs.toBuffer({ bcid: 'code128', text, scale: 3, height: 9, includetext: false, paddingwidth: 2 });
}

/** Text in runs of the font that has its characters (the fallback for symbols the primary font lacks). */
function put(
  c: Ctx,
  text: string,
  x: number,
  y: number,
  opts: PDFKit.Mixins.TextOptions & { size?: number; weight?: Weight } = {},
): void {
  const { size = 9.5, weight = 'regular', ...rest } = opts;
  const runs = textRuns(text || ' ', c.fonts);
  runs.forEach(([run, fallback], i) => {
    c.doc.font(fallback ? `${weight}-fallback` : weight).fontSize(size);
    const more = { ...rest, continued: i < runs.length - 1 };
    if (i === 0) c.doc.text(run, x, y, more);
    else c.doc.text(run, more);
  });
}

function height(c: Ctx, text: string, width: number, size = 9.5, weight: Weight = 'regular'): number {
  c.doc.font(weight).fontSize(size);
  return c.doc.heightOfString(text || ' ', { width });
}

interface Row {
  label: string;
  value: string;
  label2?: string;
  value2?: string;
}

function rowsHeight(c: Ctx, rows: Row[]): number {
  const half = (CONTENT_W - 2 * LABEL_W) / 2;
  return rows.reduce((sum, r) => {
    const w = r.label2 ? half : CONTENT_W - LABEL_W;
    return sum + Math.max(height(c, r.value, w - 6), r.label2 ? height(c, r.value2 ?? '', half - 6) : 0, 11) + 6;
  }, 0);
}

function drawRows(c: Ctx, x: number, y: number, rows: Row[]): number {
  const { doc } = c;
  doc.lineWidth(0.6).strokeColor('#444');
  let cy = y;
  const half = (CONTENT_W - 2 * LABEL_W) / 2;
  for (const r of rows) {
    const valueW = r.label2 ? half : CONTENT_W - LABEL_W;
    const h = Math.max(height(c, r.value, valueW - 6), r.label2 ? height(c, r.value2 ?? '', half - 6) : 0, 11) + 6;
    doc.rect(x, cy, LABEL_W, h).fillAndStroke('#f0f0f0', '#444');
    doc.fillColor('#000');
    put(c, r.label, x + 3, cy + 3, { width: LABEL_W - 6, size: 9, weight: 'bold' });
    doc.rect(x + LABEL_W, cy, valueW, h).stroke();
    put(c, r.value, x + LABEL_W + 3, cy + 3, { width: valueW - 6 });
    if (r.label2) {
      const x2 = x + LABEL_W + half;
      doc.rect(x2, cy, LABEL_W, h).fillAndStroke('#f0f0f0', '#444');
      doc.fillColor('#000');
      put(c, r.label2, x2 + 3, cy + 3, { width: LABEL_W - 6, size: 9, weight: 'bold' });
      doc.rect(x2 + LABEL_W, cy, half, h).stroke();
      put(c, r.value2 ?? '', x2 + LABEL_W + 3, cy + 3, { width: half - 6 });
    }
    cy += h;
  }
  return cy;
}

function sheetHeader(c: Ctx, sheet: AssignmentSheet, continued: boolean): number {
  const { labels } = c;
  const x = PAGE.margin;
  let y = PAGE.margin;
  c.doc.fillColor('#000');
  put(c, labels.title + (continued ? ` ${labels.continued}` : ''), x, y, { size: 17, weight: 'bold' });
  y += 26;
  const installer = `${sheet.installer.name}${sheet.installer.phone ? ` (${sheet.installer.phone})` : ''}`;
  y = drawRows(c, x, y, [
    { label: labels.date, value: sheet.date, label2: labels.installer, value2: installer },
    {
      label: labels.branch,
      value: sheet.branchName ?? '',
      label2: labels.orders,
      value2: fill(labels.count, { count: sheet.orders.length }),
    },
  ]);
  return y + 10;
}

const itemText = (o: SheetOrder) => o.items.map((i) => `${i.itemName} (${i.itemCode}) × ${i.quantity}`).join('\n');
const pickupText = (c: Ctx, o: SheetOrder) =>
  o.pickups.map((p) => `${p.code} ${c.locale === 'en' ? p.nameEn : p.nameKo} × ${p.quantity}`).join('\n');
const phones = (o: SheetOrder) => [o.customerPhone, o.customerPhone2].filter(Boolean).join('\n');
const statusText = (c: Ctx, o: SheetOrder) => (c.locale === 'en' ? en : ko).status[o.status];

// ── the day's stops ─────────────────────────────────────────────────────────────────────────────────────────

const STOP_COLUMNS: Array<{
  key: 'no' | 'window' | 'customer' | 'address' | 'phone' | 'items' | 'pickups';
  w: number;
}> = [
  { key: 'no', w: 9 * MM },
  { key: 'window', w: 22 * MM },
  { key: 'customer', w: 22 * MM },
  { key: 'address', w: 44 * MM },
  { key: 'phone', w: 27 * MM },
  { key: 'items', w: 37 * MM },
  { key: 'pickups', w: CONTENT_W - 161 * MM },
];

function stopCells(c: Ctx, o: SheetOrder, n: number): Record<(typeof STOP_COLUMNS)[number]['key'], string> {
  return {
    no: String(n),
    window: o.timeWindow || '—',
    customer: o.customerName,
    address: o.shortAddress,
    phone: phones(o),
    items: itemText(o),
    pickups: pickupText(c, o),
  };
}

function drawStopsRow(c: Ctx, y: number, cells: Record<string, string>, head: boolean): number {
  const { doc } = c;
  const size = head ? 8.5 : 8.5;
  const weight: Weight = head ? 'bold' : 'regular';
  const h = Math.max(...STOP_COLUMNS.map((col) => height(c, cells[col.key] ?? '', col.w - 4, size, weight)), 10) + 5;
  let x = PAGE.margin;
  doc.lineWidth(0.5).strokeColor('#444');
  for (const col of STOP_COLUMNS) {
    if (head) doc.rect(x, y, col.w, h).fillAndStroke('#f0f0f0', '#444');
    else doc.rect(x, y, col.w, h).stroke();
    doc.fillColor('#000');
    put(c, cells[col.key] ?? '', x + 2, y + 2.5, { width: col.w - 4, size, weight });
    x += col.w;
  }
  return y + h;
}

function drawStops(c: Ctx, sheet: AssignmentSheet): void {
  const { labels } = c;
  const head = {
    no: labels.no,
    window: labels.window,
    customer: labels.customer,
    address: labels.address,
    phone: labels.phone,
    items: labels.items,
    pickups: labels.pickups,
  };
  let y = sheetHeader(c, sheet, false);
  put(c, labels.stops, PAGE.margin, y, { size: 11, weight: 'bold' });
  y += 16;
  y = drawStopsRow(c, y, head, true);
  sheet.orders.forEach((o, i) => {
    const cells = stopCells(c, o, i + 1);
    const h = Math.max(...STOP_COLUMNS.map((col) => height(c, cells[col.key], col.w - 4, 8.5)), 10) + 5;
    if (y + h > BOTTOM) {
      footer(c, sheet);
      c.doc.addPage();
      y = sheetHeader(c, sheet, true);
      y = drawStopsRow(c, y, head, true);
    }
    y = drawStopsRow(c, y, cells, false);
  });
}

// ── one order's part ────────────────────────────────────────────────────────────────────────────────────────

const BOX = { w: 30 * MM, h: 7 * MM, gap: 2 * MM };
const BOXES_PER_ROW = Math.floor((CONTENT_W - LABEL_W + BOX.gap) / (BOX.w + BOX.gap));

function serialLines(o: SheetOrder) {
  return o.items.filter((i) => i.quantity > 0);
}

function serialsHeight(c: Ctx, o: SheetOrder): number {
  return serialLines(o).reduce((sum, l) => {
    const boxes = Math.min(l.quantity, MAX_SERIAL_BOXES);
    return sum + 13 + Math.ceil(boxes / BOXES_PER_ROW) * (BOX.h + BOX.gap);
  }, 4);
}

function orderRows(c: Ctx, o: SheetOrder): Row[] {
  const { labels } = c;
  return [
    { label: labels.customer, value: o.customerName, label2: labels.status, value2: statusText(c, o) },
    { label: labels.phone, value: o.customerPhone ?? '', label2: labels.phone2, value2: o.customerPhone2 ?? '' },
    { label: labels.address, value: o.address },
    { label: labels.items, value: itemText(o) },
  ];
}

function orderRowsAfter(c: Ctx, o: SheetOrder): Row[] {
  return [
    { label: c.labels.notes, value: o.remarks ?? '' },
    { label: c.labels.pickups, value: pickupText(c, o) },
  ];
}

function orderHeight(c: Ctx, o: SheetOrder): number {
  return (
    40 + rowsHeight(c, orderRows(c, o)) + serialsHeight(c, o) + rowsHeight(c, orderRowsAfter(c, o)) + 4 + 16 * MM + 12
  );
}

function drawSerialBoxes(c: Ctx, o: SheetOrder, y0: number): number {
  const { doc, labels } = c;
  const x = PAGE.margin;
  let y = y0 + 4;
  const lines = serialLines(o);
  const total = serialsHeight(c, o) - 4;
  doc.lineWidth(0.6).strokeColor('#444');
  doc.rect(x, y, LABEL_W, total).fillAndStroke('#f0f0f0', '#444');
  doc.fillColor('#000');
  put(c, labels.serials, x + 3, y + 3, { width: LABEL_W - 6, size: 9, weight: 'bold' });
  doc.rect(x + LABEL_W, y, CONTENT_W - LABEL_W, total).stroke();
  for (const l of lines) {
    const boxes = Math.min(l.quantity, MAX_SERIAL_BOXES);
    put(
      c,
      `${l.itemName} (${l.itemCode}) × ${l.quantity}${l.requiresSerial ? ` · ${labels.serialRequired}` : ''}`,
      x + LABEL_W + 3,
      y + 2,
      { width: CONTENT_W - LABEL_W - 6, size: 8.5 },
    );
    y += 13;
    for (let b = 0; b < boxes; b++) {
      const bx = x + LABEL_W + 3 + (b % BOXES_PER_ROW) * (BOX.w + BOX.gap);
      const by = y + Math.floor(b / BOXES_PER_ROW) * (BOX.h + BOX.gap);
      doc.rect(bx, by, BOX.w, BOX.h).stroke();
      put(c, String(b + 1), bx + 1.5, by + 1.2, { size: 6 });
    }
    y += Math.ceil(boxes / BOXES_PER_ROW) * (BOX.h + BOX.gap);
  }
  return y0 + 4 + total;
}

async function drawOrder(c: Ctx, o: SheetOrder, n: number, y0: number): Promise<number> {
  const { doc, labels } = c;
  const x = PAGE.margin;
  let y = y0;
  doc
    .lineWidth(1)
    .strokeColor('#000')
    .circle(x + 10, y + 14, 10)
    .stroke();
  doc.fillColor('#000');
  put(c, String(n), x, y + 9, { width: 20, align: 'center', size: 10, weight: 'bold' });
  doc.image(await barcodePng(o.orderNo), x + 30, y, { height: 26 });
  put(c, o.orderNo, x + 30, y + 28, { size: 8.5 });
  put(c, labels.window, x + CONTENT_W - 150, y + 6, { width: 60, align: 'right', size: 9 });
  put(c, o.timeWindow || '—', x + CONTENT_W - 86, y + 5, { width: 86, align: 'right', size: 11, weight: 'bold' });
  y += 40;
  y = drawRows(c, x, y, orderRows(c, o));
  y = drawSerialBoxes(c, o, y);
  y = drawRows(c, x, y + 4, orderRowsAfter(c, o));
  y += 4;
  // completion tick on the left, the customer's signature on the right
  doc
    .lineWidth(0.8)
    .rect(x, y + 3 * MM, 6 * MM, 6 * MM)
    .stroke();
  put(c, labels.done, x + 8 * MM, y + 4 * MM, { size: 10, weight: 'bold' });
  const boxW = 60 * MM;
  put(c, labels.signature, x + CONTENT_W - boxW - 70, y + 14, { width: 66, align: 'right', size: 8.5 });
  doc
    .lineWidth(0.6)
    .rect(x + CONTENT_W - boxW, y, boxW, 16 * MM)
    .stroke();
  return y + 16 * MM + 12;
}

function footer(c: Ctx, sheet: AssignmentSheet): void {
  c.doc.fillColor('#555');
  put(c, fill(c.labels.generated, { at: formatStamp(sheet.generatedAt) }), PAGE.margin, PAGE.height - PAGE.margin - 8, {
    width: CONTENT_W,
    align: 'right',
    lineBreak: false,
    size: 7.5,
  });
  c.doc.fillColor('#000');
}

/** Writes the sheets (one installer after another, as one file) as a PDF to `path`. */
export async function writeSheetsPdf(
  sheets: readonly AssignmentSheet[],
  path: string,
  labels: PrintLabels,
  locale: 'ko' | 'en' = 'ko',
  /** orders drawn of all the sheets' orders (the UI's progress bar) */
  onOrder?: (done: number, total: number) => void,
): Promise<{ pages: number }> {
  const fonts = printFonts();
  const total = sheets.reduce((n, x) => n + x.orders.length, 0);
  let drawn = 0;
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    autoFirstPage: false,
    bufferPages: true,
    info: { Title: labels.title, Creator: 'branch-dispatch' },
  });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  doc.registerFont('regular-fallback', fonts.fallbackRegular);
  doc.registerFont('bold-fallback', fonts.fallbackBold);
  const c: Ctx = { doc, fonts, labels, locale };
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  for (const sheet of sheets) {
    doc.addPage();
    if (sheet.orders.length === 0) {
      const y = sheetHeader(c, sheet, false);
      put(c, labels.noOrders, PAGE.margin, y, { size: 11 });
      footer(c, sheet);
      continue;
    }
    drawStops(c, sheet);
    footer(c, sheet);
    doc.addPage();
    let y = sheetHeader(c, sheet, true);
    for (let i = 0; i < sheet.orders.length; i++) {
      const o = sheet.orders[i]!;
      if (y + orderHeight(c, o) > BOTTOM && y > PAGE.margin + 80) {
        footer(c, sheet);
        doc.addPage();
        y = sheetHeader(c, sheet, true);
      }
      y = await drawOrder(c, o, i + 1, y);
      onOrder?.(++drawn, total);
    }
    footer(c, sheet);
  }
  if (doc.bufferedPageRange().count === 0) {
    doc.addPage();
    put(c, labels.noOrders, PAGE.margin, PAGE.margin, { size: 11 });
  }
  const pages = doc.bufferedPageRange().count;
  doc.end();
  await done;
  return { pages };
}
