// A time window typed or pasted as text (issue 12): the one reading of the vendor sheets' windows
// (domain/time-window-text.ts, which the Excel import uses too) and the one rule of the grid's 시간대 cell
// (domain/order-cell-edit.ts cellWindow): one of the order's branch slots on its appointment date, the window kept,
// or cleared, with the head office's own refusals.
import { describe, expect, it } from 'vitest';
import { type AppointmentSlot, DEFAULT_APPOINTMENT_SLOTS, slotWindow } from '../../domain/appointment-slots.js';
import { cellWindow } from '../../domain/order-cell-edit.js';
import { clockText, parseTimeWindow } from '../../domain/time-window-text.js';
import { orderRow } from '../ui/support/orders.js';

const KST = 'Asia/Seoul';
const DATE = '2026-11-26';
const hours = (text: string, slots?: readonly AppointmentSlot[]) => {
  const w = parseTimeWindow(text, slots);
  return w ? `${clockText(w.start)}–${clockText(w.end)}` : null;
};
const ms = (w: { start: string; end: string } | null | undefined) => (w ? [Date.parse(w.start), Date.parse(w.end)] : w);
const branch = { slots: DEFAULT_APPOINTMENT_SLOTS, timeZone: KST };

describe('a time window written as text (the import and the grid read it alike)', () => {
  it('reads the forms clerks and vendors type', () => {
    expect(hours('09-12')).toBe('09:00–12:00');
    expect(hours('09:00~12:00')).toBe('09:00–12:00');
    expect(hours('14시-16시')).toBe('14:00–16:00');
    expect(hours('오후 1시~6시')).toBe('13:00–18:00');
    // what the grid itself copies, and what its slot list shows
    expect(hours('12:00–15:00')).toBe('12:00–15:00');
    expect(hours('오전 09:00–13:00')).toBe('09:00–13:00');
    expect(hours('저녁')).toBeNull();
    expect(hours('16~14시')).toBeNull();
  });

  it("오전 and 오후 mean the branch's slots of that name when it has them, else the usual hours", () => {
    expect(hours('오전')).toBe('09:00–12:00');
    expect(hours('오후')).toBe('13:00–18:00');
    expect(hours('오전', DEFAULT_APPOINTMENT_SLOTS)).toBe('09:00–13:00');
    expect(hours(' 오 후 ', DEFAULT_APPOINTMENT_SLOTS)).toBe('13:00–18:00');
    expect(hours('저녁', [{ start: '18:00', end: '21:00', label: '저녁' }])).toBe('18:00–21:00');
  });
});

describe("the grid's 시간대 cell (cellWindow)", () => {
  const row = orderRow(1, { appointmentDate: DATE, appointmentTimeWindow: null });

  it('a pasted window that is one of the branch slots becomes that slot on the appointment date', () => {
    for (const [text, slot] of [
      ['09-12', { start: '09:00', end: '12:00' }],
      ['09:00~12:00', { start: '09:00', end: '12:00' }],
      ['오전', { start: '09:00', end: '13:00' }],
      ['오후', { start: '13:00', end: '18:00' }],
      ['15시-18시', { start: '15:00', end: '18:00' }],
    ] as const) {
      const r = cellWindow(row, text, branch);
      expect(r.ok, text).toBe(true);
      expect(ms(r.ok ? r.window : null), text).toEqual(ms(slotWindow(DATE, slot, KST)));
    }
  });

  it('the same window again changes nothing, even a vendor window that is no slot', () => {
    const vendors = orderRow(2, {
      appointmentDate: DATE,
      appointmentTimeWindow: { start: `${DATE}T14:00:00+09:00`, end: `${DATE}T16:00:00+09:00` },
    });
    expect(cellWindow(vendors, '14:00–16:00', branch)).toEqual({ ok: true, window: undefined });
    expect(cellWindow(vendors, '14~16시', branch)).toEqual({ ok: true, window: undefined });
  });

  it('refuses hours that are no slot of the branch, naming the slots, as the head office would', () => {
    const r = cellWindow(row, '14시-16시', branch);
    expect(r).toMatchObject({
      ok: false,
      problem: 'rule',
      rule: {
        key: 'windowNotASlot',
        field: 'timeWindow',
        params: { slots: expect.stringContaining('오전 09:00–13:00') },
      },
    });
    // the branch's own list decides: another branch whose slots are 08–10 and 10–13
    const other = {
      slots: [
        { start: '08:00', end: '10:00' },
        { start: '10:00', end: '13:00', label: '오전' },
      ],
      timeZone: KST,
    };
    expect(cellWindow(row, '09-12', other)).toMatchObject({ ok: false, rule: { key: 'windowNotASlot' } });
    const morning = cellWindow(row, '오전', other);
    expect(ms(morning.ok ? morning.window : null)).toEqual(ms(slotWindow(DATE, { start: '10:00', end: '13:00' }, KST)));
  });

  it('refuses text that is no window, a window without an appointment date and a closed order', () => {
    expect(cellWindow(row, '아침 일찍', branch)).toMatchObject({ ok: false, problem: 'timeWindow' });
    expect(cellWindow({ ...row, appointmentDate: null }, '09-12', branch)).toMatchObject({
      ok: false,
      problem: 'windowWithoutDate',
    });
    expect(cellWindow({ ...row, status: '취소' }, '09-12', branch)).toMatchObject({
      ok: false,
      problem: 'rule',
      rule: { key: 'orderClosed', params: { status: '취소' } },
    });
  });

  it('an empty cell clears the window (an appointment with no window), or changes nothing when there is none', () => {
    const withWindow = { ...row, appointmentTimeWindow: slotWindow(DATE, { start: '09:00', end: '12:00' }, KST) };
    expect(cellWindow(withWindow, '', branch)).toEqual({ ok: true, window: null });
    expect(cellWindow(row, '  ', branch)).toEqual({ ok: true, window: undefined });
    expect(cellWindow({ ...withWindow, status: '의뢰취소' }, '', branch)).toMatchObject({
      ok: false,
      rule: { key: 'orderClosed' },
    });
  });
});
