// The assignment sheets as an A4 PDF (pdfkit): one installer per page (continuing on further pages when the day is
// long), each order with its order_no as a Code 128 barcode, customer, phone, address, items and quantities, time
// window, remarks and a signature box. The Korean font is embedded (subset), so the file prints anywhere and its
// text can be extracted (pdftotext) and searched.
import { createWriteStream } from 'node:fs';
import bwipjs from 'bwip-js/node';
import PDFDocument from 'pdfkit';
import type { AssignmentSheet } from '../../domain/client-api.js';
import { formatStamp } from '../../domain/order-view.js';
import { printFonts } from './fonts.js';
import { fill, type PrintLabels } from './labels.js';

const MM = 72 / 25.4;
const PAGE = { width: 210 * MM, height: 297 * MM, margin: 12 * MM };
const CONTENT_W = PAGE.width - 2 * PAGE.margin;
const LABEL_W = 22 * MM;

async function barcodePng(text: string): Promise<Buffer> {
  return bwipjs.toBuffer({ bcid: 'code128', text, scale: 3, height: 9, includetext: false, paddingwidth: 2 });
}

interface Row {
  label: string;
  value: string;
  label2?: string;
  value2?: string;
}

function drawRows(doc: PDFKit.PDFDocument, x: number, y: number, rows: Row[]): number {
  doc.lineWidth(0.6).strokeColor('#444');
  let cy = y;
  for (const r of rows) {
    const half = (CONTENT_W - 2 * LABEL_W) / 2;
    const valueW = r.label2 ? half : CONTENT_W - LABEL_W;
    doc.font('regular').fontSize(9.5);
    const h1 = doc.heightOfString(r.value || ' ', { width: valueW - 6 });
    const h2 = r.label2 ? doc.heightOfString(r.value2 || ' ', { width: half - 6 }) : 0;
    const h = Math.max(h1, h2, 11) + 6;
    doc.rect(x, cy, LABEL_W, h).fillAndStroke('#f0f0f0', '#444');
    doc
      .fillColor('#000')
      .font('bold')
      .fontSize(9)
      .text(r.label, x + 3, cy + 3, { width: LABEL_W - 6 });
    doc.rect(x + LABEL_W, cy, valueW, h).stroke();
    doc
      .font('regular')
      .fontSize(9.5)
      .text(r.value, x + LABEL_W + 3, cy + 3, { width: valueW - 6 });
    if (r.label2) {
      const x2 = x + LABEL_W + half;
      doc.rect(x2, cy, LABEL_W, h).fillAndStroke('#f0f0f0', '#444');
      doc
        .fillColor('#000')
        .font('bold')
        .fontSize(9)
        .text(r.label2, x2 + 3, cy + 3, { width: LABEL_W - 6 });
      doc.rect(x2 + LABEL_W, cy, half, h).stroke();
      doc
        .font('regular')
        .fontSize(9.5)
        .text(r.value2 ?? '', x2 + LABEL_W + 3, cy + 3, { width: half - 6 });
    }
    cy += h;
  }
  return cy;
}

function sheetHeader(doc: PDFKit.PDFDocument, sheet: AssignmentSheet, labels: PrintLabels, continued: boolean): number {
  const x = PAGE.margin;
  let y = PAGE.margin;
  doc
    .fillColor('#000')
    .font('bold')
    .fontSize(17)
    .text(labels.title + (continued ? ` ${labels.continued}` : ''), x, y);
  y += 26;
  const installer = `${sheet.installer.name}${sheet.installer.phone ? ` (${sheet.installer.phone})` : ''}`;
  y = drawRows(doc, x, y, [
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

function orderBlockHeight(doc: PDFKit.PDFDocument, o: AssignmentSheet['orders'][number]): number {
  doc.font('regular').fontSize(9.5);
  const items = o.items.map((i) => `${i.itemName} (${i.itemCode}) × ${i.quantity}`).join('\n') || ' ';
  const w = CONTENT_W - LABEL_W - 6;
  const rows =
    Math.max(doc.heightOfString(o.customerName, { width: w / 2 }), 11) +
    Math.max(doc.heightOfString(o.address, { width: w }), 11) +
    Math.max(doc.heightOfString(items, { width: w }), 11) +
    Math.max(doc.heightOfString(o.remarks ?? ' ', { width: w }), 11) +
    4 * 6;
  return 40 + rows + 50;
}

async function drawOrder(
  doc: PDFKit.PDFDocument,
  o: AssignmentSheet['orders'][number],
  n: number,
  y0: number,
  labels: PrintLabels,
): Promise<number> {
  const x = PAGE.margin;
  let y = y0;
  doc
    .lineWidth(1)
    .strokeColor('#000')
    .circle(x + 10, y + 14, 10)
    .stroke();
  doc
    .font('bold')
    .fontSize(10)
    .fillColor('#000')
    .text(String(n), x, y + 9, { width: 20, align: 'center' });
  doc.image(await barcodePng(o.orderNo), x + 30, y, { height: 26 });
  doc
    .font('regular')
    .fontSize(8.5)
    .text(o.orderNo, x + 30, y + 28);
  doc
    .font('regular')
    .fontSize(9)
    .text(labels.window, x + CONTENT_W - 150, y + 6, { width: 60, align: 'right' });
  doc
    .font('bold')
    .fontSize(11)
    .text(o.timeWindow || '—', x + CONTENT_W - 86, y + 5, { width: 86, align: 'right' });
  y += 40;
  y = drawRows(doc, x, y, [
    { label: labels.customer, value: o.customerName, label2: labels.phone, value2: o.customerPhone ?? '' },
    { label: labels.address, value: o.address },
    { label: labels.items, value: o.items.map((i) => `${i.itemName} (${i.itemCode}) × ${i.quantity}`).join('\n') },
    { label: labels.remarks, value: o.remarks ?? '' },
  ]);
  y += 4;
  const boxW = 60 * MM;
  doc
    .font('regular')
    .fontSize(8.5)
    .text(labels.signature, x + CONTENT_W - boxW - 70, y + 14, { width: 66, align: 'right' });
  doc
    .lineWidth(0.6)
    .rect(x + CONTENT_W - boxW, y, boxW, 14 * MM)
    .stroke();
  return y + 14 * MM + 12;
}

/** Writes the sheets as a PDF to `path`. */
export async function writeSheetsPdf(
  sheets: readonly AssignmentSheet[],
  path: string,
  labels: PrintLabels,
): Promise<{ pages: number }> {
  const fonts = printFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    autoFirstPage: false,
    info: { Title: labels.title, Creator: 'branch-dispatch' },
  });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  let pages = 0;
  const bottom = PAGE.height - PAGE.margin - 14;
  const footer = (sheet: AssignmentSheet) => {
    doc
      .font('regular')
      .fontSize(7.5)
      .fillColor('#555')
      .text(
        fill(labels.generated, { at: formatStamp(sheet.generatedAt) }),
        PAGE.margin,
        PAGE.height - PAGE.margin - 8,
        {
          width: CONTENT_W,
          align: 'right',
          lineBreak: false,
        },
      )
      .fillColor('#000');
  };
  for (const sheet of sheets) {
    doc.addPage();
    pages++;
    let y = sheetHeader(doc, sheet, labels, false);
    if (sheet.orders.length === 0) doc.font('regular').fontSize(11).text(labels.noOrders, PAGE.margin, y);
    for (let i = 0; i < sheet.orders.length; i++) {
      const o = sheet.orders[i]!;
      if (y + orderBlockHeight(doc, o) > bottom) {
        footer(sheet);
        doc.addPage();
        pages++;
        y = sheetHeader(doc, sheet, labels, true);
      }
      y = await drawOrder(doc, o, i + 1, y, labels);
    }
    footer(sheet);
  }
  if (pages === 0) {
    doc.addPage();
    pages++;
    doc.font('regular').fontSize(11).text(labels.noOrders);
  }
  doc.end();
  await done;
  return { pages };
}
