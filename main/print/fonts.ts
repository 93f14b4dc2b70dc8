// The fonts the sheets are printed with, shipped with the app so every branch PC prints the same: Nanum Gothic
// (@fontsource/nanum-gothic's Korean subset, which also covers Latin) for the text, and Pretendard (npm
// `pretendard`, OFL) for what Nanum Gothic lacks — the symbols of item names and notes (㎡ ㎏ ℃ ① ～ …). A text is
// drawn in runs, each in the first font that has its characters (textRuns), so nothing prints as a blank.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { loadWoffAsSfnt } from './woff-to-sfnt.js';

const require = createRequire(import.meta.url);

function nanumDir(): string {
  return join(dirname(require.resolve('@fontsource/nanum-gothic/package.json')), 'files');
}
function pretendardDir(): string {
  return join(dirname(require.resolve('pretendard/package.json')), 'dist', 'public', 'static');
}

export interface PrintFonts {
  regular: Buffer;
  bold: Buffer;
  fallbackRegular: Buffer;
  fallbackBold: Buffer;
  /** whether the primary font draws this code point (else the fallback does) */
  primaryHas(codePoint: number): boolean;
}

let loaded: PrintFonts | undefined;

/** TrueType/OpenType buffers for pdfkit (the WOFF unpacked, see woff-to-sfnt.ts), loaded once. */
export function printFonts(): PrintFonts {
  if (loaded) return loaded;
  const dir = nanumDir();
  const regular = loadWoffAsSfnt(join(dir, 'nanum-gothic-korean-400-normal.woff'));
  const primary = fontkit.create(regular) as fontkit.Font;
  const seen = new Map<number, boolean>();
  loaded = {
    regular,
    bold: loadWoffAsSfnt(join(dir, 'nanum-gothic-korean-700-normal.woff')),
    fallbackRegular: readFileSync(join(pretendardDir(), 'alternative', 'Pretendard-Regular.ttf')),
    fallbackBold: readFileSync(join(pretendardDir(), 'alternative', 'Pretendard-Bold.ttf')),
    primaryHas(cp) {
      let has = seen.get(cp);
      if (has === undefined) {
        has = primary.hasGlyphForCodePoint(cp);
        seen.set(cp, has);
      }
      return has;
    },
  };
  return loaded;
}

/** `text` cut into runs that one font draws whole: [text, whether the fallback draws it]. */
export function textRuns(text: string, fonts: Pick<PrintFonts, 'primaryHas'>): Array<[string, boolean]> {
  const runs: Array<[string, boolean]> = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    // spaces and line breaks go with the run they are in
    const fallback = cp > 0x20 && !fonts.primaryHas(cp);
    const last = runs[runs.length - 1];
    if (last && (last[1] === fallback || cp <= 0x20)) last[0] += ch;
    else runs.push([ch, fallback]);
  }
  return runs;
}
