// The 해피콜 list as an A4 landscape PDF (pdfkit with the bundled fonts of fonts.ts, like the assignment sheets):
// a title with the day, then a table of the list's rows (happy-call-list.ts), its header repeated on every page.
import { createWriteStream } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { HappyCallRow } from '../../domain/client-api.js';
import { formatStamp } from '../../domain/order-view.js';
import { printFonts, textRuns } from './fonts.js';
import { HAPPY_CALL_COLUMNS, happyCallCells, happyCallHeaders, happyCallText } from './happy-call-list.js';

const MM = 72 / 25.4;
const PAGE = { width: 297 * MM, height: 210 * MM, margin: 10 * MM };
const CONTENT_W = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 12;
const SIZE = 8.5;

type Doc = PDFKit.PDFDocument;

function put(doc: Doc, text: string, x: number, y: number, opts: { width?: number; bold?: boolean; size?: number }) {
  const weight = opts.bold ? 'bold' : 'regular';
  const runs = textRuns(text || ' ', printFonts());
  runs.forEach(([run, fallback], i) => {
    doc.font(fallback ? `${weight}-fallback` : weight).fontSize(opts.size ?? SIZE);
    const more = { width: opts.width, continued: i < runs.length - 1 };
    if (i === 0) doc.text(run, x, y, more);
    else doc.text(run, more);
  });
}

function rowHeight(doc: Doc, cells: string[], widths: number[], bold = false): number {
  doc.font(bold ? 'bold' : 'regular').fontSize(SIZE);
  return Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: widths[i]! - 6 }))) + 6;
}

function drawRow(doc: Doc, y: number, cells: string[], widths: number[], head: boolean): number {
  const h = rowHeight(doc, cells, widths, head);
  let x = PAGE.margin;
  doc.lineWidth(0.5);
  cells.forEach((c, i) => {
    const w = widths[i]!;
    if (head) doc.rect(x, y, w, h).fillAndStroke('#eeeeee', '#555555');
    else doc.rect(x, y, w, h).stroke('#555555');
    doc.fillColor('#000000');
    put(doc, c, x + 3, y + 3, { width: w - 6, bold: head });
    x += w;
  });
  return y + h;
}

/** Writes the day's list to `path`. */
export async function writeHappyCallPdf(
  date: string,
  rows: readonly HappyCallRow[],
  path: string,
  locale: 'ko' | 'en',
  branchName: string | null,
): Promise<void> {
  const fonts = printFonts();
  const t = happyCallText(locale);
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: PAGE.margin,
    autoFirstPage: false,
    info: { Title: `${t.sheetTitle} ${date}`, Creator: 'branch-dispatch' },
  });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  doc.registerFont('regular-fallback', fonts.fallbackRegular);
  doc.registerFont('bold-fallback', fonts.fallbackBold);
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  const widths = HAPPY_CALL_COLUMNS.map((c) => c.pdf * CONTENT_W);
  const headers = happyCallHeaders(locale);
  const head = HAPPY_CALL_COLUMNS.map((c) => headers[c.key]);
  const title = [t.sheetTitle, date, branchName].filter(Boolean).join(' · ');
  const page = () => {
    doc.addPage();
    put(doc, title, PAGE.margin, PAGE.margin, { bold: true, size: 14 });
    put(doc, formatStamp(new Date().toISOString()), PAGE.margin, PAGE.margin + 4, { width: CONTENT_W, size: 8 });
    return drawRow(doc, PAGE.margin + 24, head, widths, true);
  };
  let y = page();
  const cells = happyCallCells(rows, locale);
  if (cells.length === 0) put(doc, t.empty, PAGE.margin, y + 6, { size: 10 });
  for (const r of cells) {
    const line = HAPPY_CALL_COLUMNS.map((c) => r[c.key]);
    if (y + rowHeight(doc, line, widths) > BOTTOM) y = page();
    y = drawRow(doc, y, line, widths, false);
  }
  doc.end();
  await done;
}
