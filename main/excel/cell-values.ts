// Dates as vendors write them, into the values an order holds. Their time windows are read by
// domain/time-window-text.ts, which the grid's paste reads them with too.

function validIso(y: number, m: number, d: number): string | null {
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const t = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== iso ? null : iso;
}

/**
 * A date written without its year is the one nearest to `today`: a sheet sent in late December for "1/5" means
 * next January, one sent in January for "12/28" the December just gone.
 */
function nearestYear(m: number, d: number, today: string): string | null {
  const y = Number(today.slice(0, 4));
  const now = Date.parse(`${today}T00:00:00Z`);
  let best: string | null = null;
  for (const year of [y - 1, y, y + 1]) {
    const iso = validIso(year, m, d);
    if (iso && (!best || Math.abs(Date.parse(iso) - now) < Math.abs(Date.parse(best) - now))) best = iso;
  }
  return best;
}

// Excel's day 1 is 1900-01-01 (with its 1900 leap-year bug, day 0 = 1899-12-30 for every day after February 1900)
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const SERIAL_MIN = 36_526; // 2000-01-01
const SERIAL_MAX = 73_050; // 2099-12-31

// trailing weekday "(화)" or a time after the day "14:00" are not part of the date
const TAIL = String.raw`\s*(?:\([^)]*\))?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*`;
const FULL = new RegExp(String.raw`^(\d{4}|\d{2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?${TAIL}$`);
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const KOREAN = new RegExp(String.raw`^(?:(\d{4}|\d{2})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일?${TAIL}$`);
const MONTH_DAY = new RegExp(String.raw`^(\d{1,2})\s*[/.]\s*(\d{1,2})\.?${TAIL}$`);

/**
 * Dates as vendors type them → YYYY-MM-DD, or null when it is not a date: 2026-12-08, 2026.12.08, 2026/12/08,
 * 20261208, 26.12.08, 2026년 12월 8일, 12월 8일, 12/8, an Excel date serial (a date cell formatted as a number).
 * `today` (YYYY-MM-DD) places the forms without a year.
 */
export function normalizeDate(text: string, today: string): string | null {
  const t = text.trim();
  let m = FULL.exec(t) ?? COMPACT.exec(t);
  if (m) {
    const y = m[1]!.length === 2 ? 2000 + Number(m[1]) : Number(m[1]);
    return validIso(y, Number(m[2]), Number(m[3]));
  }
  m = KOREAN.exec(t);
  if (m) {
    const [, y, mo, d] = m;
    if (!y) return nearestYear(Number(mo), Number(d), today);
    return validIso(y.length === 2 ? 2000 + Number(y) : Number(y), Number(mo), Number(d));
  }
  m = MONTH_DAY.exec(t);
  if (m) return nearestYear(Number(m[1]), Number(m[2]), today);
  if (/^\d{5}(\.\d+)?$/.test(t)) {
    const serial = Math.floor(Number(t));
    if (serial < SERIAL_MIN || serial > SERIAL_MAX) return null;
    return new Date(EXCEL_EPOCH + serial * 86_400_000).toISOString().slice(0, 10);
  }
  return null;
}
