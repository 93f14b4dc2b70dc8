// A time window written as text — by a vendor in an Excel sheet, or by a clerk pasting into the grid's 시간대 cell —
// read once, here, so that "오전" or "14~16시" means the same in an import and in a paste. The reading gives clock
// times only; what they become on an order (a slot of its branch, the import's window on its date) is the caller's.
import type { TimeWindow } from './field-types.js';

/** Clock times of a window, minutes after midnight (24:00 is 1440). */
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

const word = (s: string) => s.toLowerCase().replace(/\s/g, '');
const minutes = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

/**
 * A time window as people write it → clock times, or null: 오전 (09–12), 오후 (13–18), 종일, 14~16시, 14시~16시,
 * 14:00-16:00, 오후 2시~4시, 9-12, 09:00–12:00 (as the grid copies it), 오전 09:00–13:00 (as a slot list shows it).
 * `named`: the branch's slots; a text that is one's name (its label, e.g. the branch's 오전 09:00–13:00) means
 * that slot before the usual hours of the word.
 */
export function parseTimeWindow(
  text: string,
  named: ReadonlyArray<{ start: string; end: string; label?: string }> = [],
): ClockWindow | null {
  const t = text.trim().replace(/\s+/g, ' ');
  const w = word(t);
  const slot = named.find((s) => s.label !== undefined && word(s.label) === w);
  if (slot) return { start: minutes(slot.start), end: minutes(slot.end) };
  const usual = NAMED[w];
  if (usual) return usual;
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

/** "09:00" (1440 reads "24:00"). */
export function clockText(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

/** The window on a day, as the order holds it (Korean time): a vendor's window as the import keeps it. */
export function windowOn(day: string, w: ClockWindow): TimeWindow {
  const at = (min: number) =>
    min === 24 * 60
      ? new Date(Date.parse(`${day}T00:00:00+09:00`) + 86_400_000).toISOString().replace('.000Z', 'Z')
      : `${day}T${clockText(min)}:00+09:00`;
  return { start: at(w.start), end: at(w.end) };
}
