// The time-window rule both sides apply (domain/appointment-slots.ts), in the branch's own time zone.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_APPOINTMENT_SLOTS,
  slotClock,
  slotListProblems,
  slotOfWindow,
  slotsOrDefault,
  slotWindow,
  windowChoiceProblem,
  windowOnDate,
} from '../../domain/appointment-slots.js';

const ms = (w: { start: string; end: string }) => [Date.parse(w.start), Date.parse(w.end)];

describe('appointment slots', () => {
  it('a slot on a date is that wall-clock time in the branch zone (Korea: +09:00; Berlin across DST)', () => {
    expect(ms(slotWindow('2026-12-08', { start: '09:00', end: '12:00' }, 'Asia/Seoul'))).toEqual(
      ms({ start: '2026-12-08T00:00:00Z', end: '2026-12-08T03:00:00Z' }),
    );
    expect(ms(slotWindow('2026-07-08', { start: '09:00', end: '12:00' }, 'Europe/Berlin'))).toEqual(
      ms({ start: '2026-07-08T07:00:00Z', end: '2026-07-08T10:00:00Z' }),
    );
    expect(ms(slotWindow('2026-12-08', { start: '09:00', end: '12:00' }, 'Europe/Berlin'))).toEqual(
      ms({ start: '2026-12-08T08:00:00Z', end: '2026-12-08T11:00:00Z' }),
    );
  });

  it('postponing keeps the hours of the window, also across a DST change', () => {
    const summer = slotWindow('2026-10-20', { start: '13:00', end: '18:00' }, 'Europe/Berlin');
    const moved = windowOnDate(summer, '2026-11-03', 'Europe/Berlin');
    expect(slotOfWindow(moved, [{ start: '13:00', end: '18:00' }], 'Europe/Berlin')).toBeDefined();
    expect(ms(moved)).toEqual(ms({ start: '2026-11-03T12:00:00Z', end: '2026-11-03T17:00:00Z' }));
  });

  it('a choice: kept, a slot on the date, or refused naming the field', () => {
    const base = { date: '2026-12-09', slots: DEFAULT_APPOINTMENT_SLOTS, timeZone: 'Asia/Seoul', field: 'timeWindow' };
    const vendors = { start: '2026-12-08T05:00:00Z', end: '2026-12-08T07:00:00Z' }; // 14–16 KST, no slot
    expect(windowChoiceProblem({ ...base, current: vendors, chosen: undefined })).toBeNull();
    expect(
      windowChoiceProblem({ ...base, current: vendors, chosen: windowOnDate(vendors, base.date, 'Asia/Seoul') }),
    ).toBeNull();
    expect(windowChoiceProblem({ ...base, current: null, chosen: null })).toBeNull();
    const slot = slotWindow(base.date, { start: '13:00', end: '18:00' }, 'Asia/Seoul');
    expect(windowChoiceProblem({ ...base, current: vendors, chosen: slot })).toBeNull();
    expect(windowChoiceProblem({ ...base, current: null, chosen: vendors })).toMatchObject({
      key: 'windowNotOnDate',
      field: 'timeWindow',
    });
    const offSlot = slotWindow(base.date, { start: '10:00', end: '11:00' }, 'Asia/Seoul');
    expect(windowChoiceProblem({ ...base, current: null, chosen: offSlot })).toMatchObject({
      key: 'windowNotASlot',
      params: { slots: '09:00–12:00, 12:00–15:00, 15:00–18:00, 18:00–21:00, 오전 09:00–13:00, 오후 13:00–18:00' },
    });
  });

  it('a branch row without slots (pulled before they existed) reads with the defaults', () => {
    expect(slotsOrDefault(null)).toEqual(DEFAULT_APPOINTMENT_SLOTS);
    expect(slotsOrDefault('[{"start":"08:00","end":"10:00"}]')).toEqual([{ start: '08:00', end: '10:00' }]);
    expect(slotsOrDefault('[{"start":"10:00","end":"08:00"}]')).toEqual(DEFAULT_APPOINTMENT_SLOTS);
  });

  it('a time typed on the slots screen is written out as HH:MM; what is no time stays as typed', () => {
    expect(['9', '9:00', '0900', '900', '09:00', '13', '9:5', '25:00', '오전'].map(slotClock)).toEqual([
      '09:00',
      '09:00',
      '09:00',
      '09:00',
      '09:00',
      '13:00',
      '9:5',
      '25:00',
      '오전',
    ]);
  });

  it('the slots screen names the row and field of every problem, by the rule the head office applies', () => {
    expect(slotListProblems([{ start: '09:00', end: '12:00', label: '오전' }])).toEqual([]);
    expect(
      slotListProblems([
        { start: '9시', end: '12:00' },
        { start: '13:00', end: '12:00' },
        { start: '09:00', end: '12:00', label: '가'.repeat(21) },
        { start: '09:00', end: '12:00' },
      ]),
    ).toEqual([
      { index: 0, field: 'start', key: 'time' },
      { index: 1, field: 'end', key: 'order' },
      { index: 2, field: 'label', key: 'labelTooLong' },
      { index: 3, field: 'start', key: 'duplicate' },
    ]);
    expect(slotListProblems([])).toEqual([{ index: null, field: null, key: 'empty' }]);
    const thirteen = Array.from({ length: 13 }, (_, i) => ({ start: `0${i % 10}:00`, end: `1${i % 10}:00` }));
    expect(slotListProblems(thirteen)).toContainEqual({ index: null, field: null, key: 'tooMany' });
  });
});
