// Dates and appointment times as vendors write them, into the values an order holds.
import type { TimeWindow } from '../../domain/field-types.js';

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

/** Clock times of a window, minutes after midnight, in Korean time. */
export interface ClockWindow {
  start: number;
  end: number;
}

const NAMED: Record<string, ClockWindow> = {
  오전: { start: 9 * 60, end: 12 * 60 },
  am: { start: 9 * 60, end: 12 * 60 },
  오후: { start: 13 * 60, end: 18 * 60 },
  pm: { start: 13 * 60, end: 18 * 60 },
  종일: { start: 9 * 60, end: 18 * 60 },
  하루종일: { start: 9 * 60, end: 18 * 60 },
};

const PART = String.raw`(오전|오후|am|pm)?\s*(\d{1,2})(?:\s*[:시]\s*(\d{2})\s*분?)?\s*시?`;
const RANGE = new RegExp(String.raw`^${PART}\s*[~\-–～]\s*${PART}(?:\s*까지)?$`, 'i');

function clock(half: string | undefined, h: number, min: number, inheritPm: boolean): number | null {
  const pm = half ? /^(오후|pm)$/i.test(half) : inheritPm;
  if (min > 59 || h > 24) return null;
  const hour = pm && h < 12 ? h + 12 : h;
  return hour * 60 + min;
}

/**
 * An appointment time window as vendors write it → clock times, or null: 오전 (09–12), 오후 (13–18), 종일,
 * 14~16시, 14시~16시, 14:00-16:00, 오후 2시~4시, 9-12.
 */
export function parseTimeWindow(text: string): ClockWindow | null {
  const t = text.trim().replace(/\s+/g, ' ');
  const named = NAMED[t.toLowerCase().replace(/\s/g, '')];
  if (named) return named;
  const m = RANGE.exec(t);
  if (!m) return null;
  const start = clock(m[1], Number(m[2]), Number(m[3] ?? 0), false);
  let end = clock(m[4], Number(m[5]), Number(m[6] ?? 0), !m[4] && /^(오후|pm)$/i.test(m[1] ?? ''));
  if (start === null || end === null) return null;
  // "11~1시": the end is after noon
  if (end <= start && !m[4] && end < 12 * 60) end += 12 * 60;
  if (end <= start || end > 24 * 60) return null;
  return { start, end };
}

const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** The window on a day, as the order holds it (Korean time). */
export function windowOn(day: string, w: ClockWindow): TimeWindow {
  const at = (min: number) =>
    min === 24 * 60
      ? new Date(Date.parse(`${day}T00:00:00+09:00`) + 86_400_000).toISOString().replace('.000Z', 'Z')
      : `${day}T${hhmm(min)}:00+09:00`;
  return { start: at(w.start), end: at(w.end) };
}
