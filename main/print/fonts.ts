// The Korean font the sheets are printed with, shipped with the app (@fontsource/nanum-gothic's Korean subset,
// which also covers Latin): every branch PC prints the same, with or without Korean system fonts.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadWoffAsSfnt } from './woff-to-sfnt.js';

const require = createRequire(import.meta.url);

function fontDir(): string {
  return join(dirname(require.resolve('@fontsource/nanum-gothic/package.json')), 'files');
}

/** TrueType buffers for pdfkit, unpacked from the bundled WOFF files (see woff-to-sfnt.ts). */
export function printFonts(): { regular: Buffer; bold: Buffer } {
  const dir = fontDir();
  return {
    regular: loadWoffAsSfnt(join(dir, 'nanum-gothic-korean-400-normal.woff')),
    bold: loadWoffAsSfnt(join(dir, 'nanum-gothic-korean-700-normal.woff')),
  };
}
