// Looks at an uploaded xlsx before anything parses it. An xlsx is a zip of XML: a few hundred kilobytes can
// inflate to gigabytes (a crafted file once held the services thread at 0.9 GB for half a minute), and a sheet can
// declare a million rows. So the zip's directory is read first (the declared sizes, refused at once when over the
// limit), then each entry is inflated once into a counter, never into memory: sizes that lie stop the inflate at the
// declared size (yauzl's validateEntrySizes), and a worksheet's rows, columns and hidden columns are counted from
// its text with a few regular expressions on the way. Only a file that passes is handed to exceljs's streaming
// reader, which reads the same entries again.
import { StringDecoder } from 'node:string_decoder';
import yauzl from 'yauzl';
import { IMPORT_LIMITS } from '../../domain/client-api.js';

export type ImportLimits = typeof IMPORT_LIMITS;

/** A refusal naming the limit the file is over. */
export class XlsxLimitError extends Error {
  constructor(
    readonly limit: 'fileBytes' | 'unzippedBytes' | 'rows' | 'columns' | 'entries' | 'notXlsx',
    /** the sheet's name, for the limits of a sheet */
    readonly sheet?: string,
  ) {
    super(`xlsx refused: ${limit}`);
  }
}

export interface SheetShape {
  /** zip path, e.g. xl/worksheets/sheet1.xml */
  path: string;
  /** the name on its tab (the path when the workbook does not say) */
  name: string;
  /** row elements holding cells */
  rows: number;
  /** highest 1-based column with a cell */
  columns: number;
  /** 1-based column numbers marked hidden */
  hiddenColumns: Set<number>;
}

export function columnNumber(letters: string): number {
  let n = 0;
  for (let i = 0; i < letters.length; i++) n = n * 26 + (letters.charCodeAt(i) - 64);
  return n;
}

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true },
      (err, zip) => (err || !zip ? reject(new XlsxLimitError('notXlsx')) : resolve(zip)),
    ),
  );
}

function listEntries(zip: yauzl.ZipFile, limits: ImportLimits): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    if (zip.entryCount > limits.entries) return reject(new XlsxLimitError('entries'));
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', () => reject(new XlsxLimitError('notXlsx')));
    zip.readEntry();
  });
}

/**
 * exceljs's reader walks the file's local headers one after another, not the directory: an entry present in the file
 * but left out of the directory would be inflated without ever being counted here. Every local header signature in
 * the file must therefore be an entry's own header or lie inside an entry's data.
 */
function checkNoHiddenEntries(buffer: Buffer, entries: readonly yauzl.Entry[]): void {
  const spans = entries
    .map((e) => {
      const at = e.relativeOffsetOfLocalHeader;
      if (at + 30 > buffer.length) throw new XlsxLimitError('notXlsx');
      const dataStart = at + 30 + buffer.readUInt16LE(at + 26) + buffer.readUInt16LE(at + 28);
      return { at, dataStart, dataEnd: dataStart + e.compressedSize };
    })
    .sort((a, b) => a.at - b.at);
  const sig = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
  let i = 0;
  for (let pos = buffer.indexOf(sig); pos >= 0; pos = buffer.indexOf(sig, pos + 1)) {
    while (i < spans.length && spans[i]!.dataEnd <= pos) i++;
    const s = spans[i];
    const ownHeader = s !== undefined && s.at === pos;
    const insideData = s !== undefined && pos >= s.dataStart && pos < s.dataEnd;
    if (!ownHeader && !insideData) throw new XlsxLimitError('notXlsx');
  }
}

function readStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) =>
      err || !stream ? reject(new XlsxLimitError('notXlsx')) : resolve(stream),
    ),
  );
}

const ROW_TAG = /<row(?=[\s>])([^>]*)>/g;
const CELL_REF = / r="([A-Z]{1,3})[0-9]+"/g;
const COL_TAG = /<col\s([^>]*)\/?>/g;
const DIMENSION = /<dimension\s+ref="(?:[A-Z]+[0-9]+:)?([A-Z]+)([0-9]+)"/;

/** Counts a worksheet's rows and columns from its XML text, refusing as soon as a limit is passed. */
class SheetCounter {
  readonly shape: SheetShape;
  private inData = false;
  constructor(
    path: string,
    name: string,
    private readonly limits: ImportLimits,
  ) {
    this.shape = { path, name, rows: 0, columns: 0, hiddenColumns: new Set() };
  }
  /** `text` ends just before a `<`, so no tag is cut in two. */
  take(text: string): void {
    const s = this.shape;
    if (!this.inData) {
      const dim = DIMENSION.exec(text);
      // the sheet says how large it is: a file declaring too much is refused before its rows are even counted
      if (dim) {
        if (Number(dim[2]) > this.limits.rows) throw new XlsxLimitError('rows');
        if (columnNumber(dim[1]!) > this.limits.columns) throw new XlsxLimitError('columns');
      }
      for (const m of text.matchAll(COL_TAG)) {
        const attrs = m[1]!;
        if (!/\bhidden="(1|true)"/.test(attrs)) continue;
        const min = Number(/\bmin="([0-9]+)"/.exec(attrs)?.[1] ?? 0);
        const max = Math.min(Number(/\bmax="([0-9]+)"/.exec(attrs)?.[1] ?? min), this.limits.columns);
        for (let c = min; c >= 1 && c <= max; c++) s.hiddenColumns.add(c);
      }
      if (text.includes('<sheetData')) this.inData = true;
    }
    for (const m of text.matchAll(ROW_TAG)) {
      if (m[1]!.endsWith('/')) continue; // an empty row: formatting only
      s.rows++;
      const r = Number(/\br="([0-9]+)"/.exec(m[1]!)?.[1] ?? s.rows);
      if (s.rows > this.limits.rows || r > this.limits.rows) throw new XlsxLimitError('rows');
    }
    for (const m of text.matchAll(CELL_REF)) {
      const letters = m[1]!;
      // three letters is column 703 or later; two letters start at 27
      const c = columnNumber(letters);
      if (c > s.columns) {
        s.columns = c;
        if (c > this.limits.columns) throw new XlsxLimitError('columns');
      }
    }
  }
}

async function smallText(zip: yauzl.ZipFile, entry: yauzl.Entry | undefined): Promise<string> {
  // the workbook part names the sheets; a few kilobytes, never worth reading when it claims more
  if (!entry || entry.uncompressedSize > 1024 * 1024) return '';
  const chunks: Buffer[] = [];
  for await (const c of (await readStream(zip, entry)) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

/** zip path → the sheet's name, from xl/workbook.xml and its relationships. */
async function sheetNames(zip: yauzl.ZipFile, entries: readonly yauzl.Entry[]): Promise<Map<string, string>> {
  const find = (name: string) => entries.find((e) => e.fileName === name);
  const book = await smallText(zip, find('xl/workbook.xml'));
  const rels = await smallText(zip, find('xl/_rels/workbook.xml.rels'));
  const targets = new Map<string, string>();
  for (const m of rels.matchAll(/<Relationship\b([^>]*)>/g)) {
    const id = /\bId="([^"]+)"/.exec(m[1]!)?.[1];
    const target = /\bTarget="([^"]+)"/.exec(m[1]!)?.[1];
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  }
  const names = new Map<string, string>();
  for (const m of book.matchAll(/<sheet\b([^>]*)>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[1]!)?.[1];
    const id = /\br:id="([^"]+)"/.exec(m[1]!)?.[1];
    const path = id ? targets.get(id) : undefined;
    if (name !== undefined && path) names.set(path, unescapeXml(name));
  }
  return names;
}

/**
 * Checks the file against the limits and returns the shape of each worksheet (by zip path), or throws
 * XlsxLimitError. Nothing of the file is kept in memory beyond the zip's directory.
 */
export async function inspectXlsx(buffer: Buffer, limits: ImportLimits = IMPORT_LIMITS): Promise<SheetShape[]> {
  if (buffer.length > limits.fileBytes) throw new XlsxLimitError('fileBytes');
  const zip = await openZip(buffer);
  try {
    const entries = await listEntries(zip, limits);
    const declared = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    if (declared > limits.unzippedBytes) throw new XlsxLimitError('unzippedBytes');
    if (!entries.some((e) => e.fileName === 'xl/workbook.xml')) throw new XlsxLimitError('notXlsx');
    checkNoHiddenEntries(buffer, entries);
    const names = await sheetNames(zip, entries);
    const shapes: SheetShape[] = [];
    let inflated = 0;
    for (const entry of entries) {
      if (entry.fileName.endsWith('/')) continue;
      const isSheet = /^xl\/worksheets\/[^/]+\.xml$/.test(entry.fileName);
      const counter = isSheet
        ? new SheetCounter(entry.fileName, names.get(entry.fileName) ?? entry.fileName, limits)
        : null;
      const stream = await readStream(zip, entry);
      const decoder = new StringDecoder('utf8');
      let carry = '';
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          inflated += chunk.length;
          // the declared sizes were checked, and validateEntrySizes holds each entry to its own; this is the
          // belt to those braces
          if (inflated > limits.unzippedBytes) throw new XlsxLimitError('unzippedBytes');
          if (!counter) continue;
          const text = carry + decoder.write(chunk);
          const cut = text.lastIndexOf('<');
          counter.take(text.slice(0, Math.max(cut, 0)));
          carry = cut >= 0 ? text.slice(cut) : '';
        }
        counter?.take(carry + decoder.end());
      } catch (e) {
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        if (e instanceof XlsxLimitError) throw new XlsxLimitError(e.limit, counter?.shape.name);
        throw new XlsxLimitError('notXlsx');
      }
      if (counter) shapes.push(counter.shape);
    }
    return shapes;
  } finally {
    zip.close();
  }
}
