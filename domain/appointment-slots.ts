// A branch's appointment time slots (branches.appointment_slots, HQ edits them) and the one rule every time-window
// change obeys, on the client before anything is queued and at the head office: a window a clerk chooses is one of
// the branch's slots on the appointment date, in the branch's time zone. Postponing without choosing keeps the
// order's window, moved to the new date (windowOnDate). Vendor imports keep the vendor's window as given.
import { z } from 'zod';
import type { TimeWindow } from './field-types.js';
import type { StatusProblem } from './order-status.js';

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const hhmm = z.string().regex(HHMM, { message: 'a time of day as HH:MM' });

export const appointmentSlot = z
  .object({
    start: hhmm,
    end: hhmm,
    /** what the branch calls it (오전, 오후…); without one the slot reads as its hours */
    label: z.string().trim().min(1).max(20).optional(),
  })
  .strict()
  // only two times of day compare: a start that is none is refused as such, not as after the end too
  .refine((s) => !HHMM.test(s.start) || !HHMM.test(s.end) || s.start < s.end, {
    message: 'start must be before end',
    path: ['end'],
  });
export type AppointmentSlot = z.infer<typeof appointmentSlot>;

export const appointmentSlots = z
  .array(appointmentSlot)
  .min(1)
  .max(12)
  .superRefine((list, ctx) => {
    // the later of two slots with the same hours is the one to fix (or remove): name it
    const seen = new Set<string>();
    list.forEach((s, i) => {
      const key = `${s.start}-${s.end}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', message: 'each slot once (two slots with the same hours)', path: [i, 'start'] });
      seen.add(key);
    });
  });

/** A field of a slot on the HQ slots screen. */
export type SlotField = 'start' | 'end' | 'label';
/** Why a slot list is refused, by row (index) and field where it has one: the i18n key `branchSlots.problems.<key>`. */
export interface SlotListProblem {
  index: number | null;
  field: SlotField | null;
  key: 'time' | 'order' | 'label' | 'labelTooLong' | 'duplicate' | 'empty' | 'tooMany' | 'invalid';
}

/** The problems `appointmentSlots` (the head office's check) finds in a list, each naming its row and field. */
export function slotListProblems(list: unknown): SlotListProblem[] {
  const r = appointmentSlots.safeParse(list);
  if (r.success) return [];
  return r.error.issues.map((issue): SlotListProblem => {
    const [index, field] = issue.path;
    if (typeof index !== 'number')
      return {
        index: null,
        field: null,
        key: issue.code === 'too_small' ? 'empty' : issue.code === 'too_big' ? 'tooMany' : 'invalid',
      };
    const f = field === 'start' || field === 'end' || field === 'label' ? field : null;
    let key: SlotListProblem['key'] = 'invalid';
    // the schema's own refinements: the end before the start is reported on `end`, a repeated slot on `start`
    if (issue.code === 'custom') key = f === 'end' ? 'order' : 'duplicate';
    else if (f === 'label') key = issue.code === 'too_big' ? 'labelTooLong' : 'label';
    else if (f) key = 'time';
    return { index, field: f, key };
  });
}

/** A time as typed on the slots screen (9, 9:00, 900, 0900) written out as HH:MM; anything else is left as typed. */
export function slotClock(text: string): string {
  const m = /^(\d{1,2})(?::?(\d{2}))?$/.exec(text.trim());
  if (!m) return text.trim();
  const h = Number(m[1]);
  const min = Number(m[2] ?? 0);
  if (h > 23 || min > 59) return text.trim();
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

/** A new branch's slots (and those of every branch when the column arrived, migration 0113): the demo data's too. */
export const DEFAULT_APPOINTMENT_SLOTS: readonly AppointmentSlot[] = [
  { start: '09:00', end: '12:00' },
  { start: '12:00', end: '15:00' },
  { start: '15:00', end: '18:00' },
  { start: '18:00', end: '21:00' },
  { start: '09:00', end: '13:00', label: '오전' },
  { start: '13:00', end: '18:00', label: '오후' },
];

/** A branch's slots as stored (JSON); a row from before the slots existed, or a bad one, has the defaults. */
export function slotsOrDefault(v: unknown): AppointmentSlot[] {
  let value = v;
  if (typeof v === 'string') {
    try {
      value = JSON.parse(v);
    } catch {
      value = null;
    }
  }
  const parsed = appointmentSlots.safeParse(value);
  return parsed.success ? parsed.data : [...DEFAULT_APPOINTMENT_SLOTS];
}

export function slotKey(s: { start: string; end: string }): string {
  return `${s.start}-${s.end}`;
}

/** "09:00–12:00", or "오전 09:00–13:00" for a named slot. */
export function slotText(s: AppointmentSlot): string {
  return s.label ? `${s.label} ${s.start}–${s.end}` : `${s.start}–${s.end}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The wall-clock date and time of an instant in a time zone. */
function localParts(ms: number, timeZone: string) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return { date: `${p.year}-${p.month}-${p.day}`, hm: `${p.hour}:${p.minute}`, p };
}

function offsetMinutes(ms: number, timeZone: string): number {
  const { p } = localParts(ms, timeZone);
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/** The instant of a wall-clock time on a date in a time zone, as ISO text with that zone's offset. */
export function zonedIso(date: string, hm: string, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = hm.split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, m - 1, d, h, mi);
  let off = offsetMinutes(guess, timeZone);
  off = offsetMinutes(guess - off * 60000, timeZone);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${date}T${hm}:00${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** The window a slot gives on a date. */
export function slotWindow(date: string, slot: { start: string; end: string }, timeZone: string): TimeWindow {
  return { start: zonedIso(date, slot.start, timeZone), end: zonedIso(date, slot.end, timeZone) };
}

/** The slot a window is, on its own date (undefined: the window is no slot of these, e.g. a vendor's 14–16). */
export function slotOfWindow(
  w: TimeWindow,
  slots: readonly AppointmentSlot[],
  timeZone: string,
): AppointmentSlot | undefined {
  const a = localParts(Date.parse(w.start), timeZone);
  const b = localParts(Date.parse(w.end), timeZone);
  if (a.date !== b.date) return undefined;
  return slots.find((s) => s.start === a.hm && s.end === b.hm);
}

/** A window's wall-clock hours in a time zone ("09:00", "12:00") and the date it starts on. */
export function windowHours(w: TimeWindow, timeZone: string): { date: string; start: string; end: string } {
  const a = localParts(Date.parse(w.start), timeZone);
  const b = localParts(Date.parse(w.end), timeZone);
  return { date: a.date, start: a.hm, end: b.date === a.date ? b.hm : '24:00' };
}

/** The same hours of the day on another date (postponing keeps the window). */
export function windowOnDate(w: TimeWindow, date: string, timeZone: string): TimeWindow {
  const a = localParts(Date.parse(w.start), timeZone);
  const b = localParts(Date.parse(w.end), timeZone);
  const days = Math.round((Date.parse(`${b.date}T00:00:00Z`) - Date.parse(`${a.date}T00:00:00Z`)) / 86400000);
  const endDate = new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
  return { start: zonedIso(date, a.hm, timeZone), end: zonedIso(endDate, b.hm, timeZone) };
}

/** Why a window is no slot of the branch on `date`, or null. */
export function windowSlotProblem(
  w: TimeWindow,
  date: string,
  slots: readonly AppointmentSlot[],
  timeZone: string,
): 'windowNotOnDate' | 'windowNotASlot' | null {
  if (localParts(Date.parse(w.start), timeZone).date !== date) return 'windowNotOnDate';
  return slotOfWindow(w, slots, timeZone) ? null : 'windowNotASlot';
}

const sameWindow = (a: TimeWindow, b: TimeWindow) =>
  Date.parse(a.start) === Date.parse(b.start) && Date.parse(a.end) === Date.parse(b.end);

/** A time-window choice as both sides check it: the order's branch, its window now, the new date and the choice. */
export interface WindowChoice {
  /** undefined: keep the current window (moved to `date`); null: no window */
  chosen: TimeWindow | null | undefined;
  current: TimeWindow | null;
  date: string;
  slots: readonly AppointmentSlot[];
  timeZone: string;
  /** the request field the window came in (appointmentTimeWindow, timeWindow) */
  field: string;
}

/**
 * The one rule of a time-window change, or null: keeping the window (or sending it back unchanged on the new
 * date), no window, or one of the branch's slots on the appointment date. Server catalogue `errors.<key>`,
 * client catalogue `workflow.<key>` (statusProblemText).
 */
export function windowChoiceProblem(c: WindowChoice): StatusProblem | null {
  if (!c.chosen) return null;
  if (c.current && sameWindow(c.chosen, windowOnDate(c.current, c.date, c.timeZone))) return null;
  const key = windowSlotProblem(c.chosen, c.date, c.slots, c.timeZone);
  return key ? slotProblem(key, c.date, c.slots, c.field) : null;
}

/** A window refused by the rule above, naming the request field, the date and the branch's slots. */
export function slotProblem(
  key: 'windowNotOnDate' | 'windowNotASlot',
  date: string,
  slots: readonly AppointmentSlot[],
  field: string,
): StatusProblem {
  return {
    kind: 'validation',
    code: 'VALIDATION',
    key,
    field,
    params: { date, slots: slots.map(slotText).join(', ') },
  };
}

/**
 * The window an appointment change leaves on the order: the chosen one, none (null), or — when the clerk chose
 * nothing — the current one moved to the new date.
 */
export function nextWindow(
  current: TimeWindow | null,
  chosen: TimeWindow | null | undefined,
  date: string,
  timeZone: string,
): TimeWindow | null {
  if (chosen !== undefined) return chosen;
  return current ? windowOnDate(current, date, timeZone) : null;
}
