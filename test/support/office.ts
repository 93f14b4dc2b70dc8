// Opening our files with a real office suite: LibreOffice headless (Debian package libreoffice-calc-nogui, which
// .ci/run installs) converts an xlsx to CSV (what a spreadsheet shows in each cell, formatted) or to PDF (how it
// prints). Each call gets its own profile directory, so conversions in parallel test files do not collide.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function convert(file: string, to: string, ext: string): Promise<Buffer> {
  const work = mkdtempSync(join(tmpdir(), 'office-'));
  try {
    await run(
      'soffice',
      [
        `-env:UserInstallation=file://${join(work, 'profile')}`,
        '--headless',
        '--convert-to',
        to,
        '--outdir',
        work,
        file,
      ],
      { timeout: 120_000 },
    );
    const out = readdirSync(work).find((f) => f === `${basename(file).replace(/\.[^.]+$/, '')}.${ext}`);
    if (!out) throw new Error(`LibreOffice wrote no ${ext} for ${file}`);
    return readFileSync(join(work, out));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The first sheet as LibreOffice shows it, as rows of cell texts (UTF-8 CSV, comma-separated, quoted). */
export async function officeCsv(file: string): Promise<string[][]> {
  const csv = (await convert(file, 'csv:Text - txt - csv (StarCalc):44,34,76,1', 'csv')).toString('utf8');
  return parseCsv(csv);
}

/** The file printed by LibreOffice to PDF. */
export function officePdf(file: string): Promise<Buffer> {
  return convert(file, 'pdf', 'pdf');
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
