// Choosing an order's time window from its branch's slots (reference data, domain/appointment-slots.ts): the
// status form's 연기, the appointment form and the grid's time-window cell all offer the same list, and the same
// rule checks the choice in the local services and at the head office.
import { useTranslation } from 'react-i18next';
import {
  type AppointmentSlot,
  DEFAULT_APPOINTMENT_SLOTS,
  slotKey,
  slotOfWindow,
  slotText,
  slotWindow,
} from '../../domain/appointment-slots.js';
import type { TimeWindow } from '../../domain/field-types.js';
import { formatTimeWindow } from '../../domain/order-view.js';
import { useLookups } from '../stores/lookups.js';

export interface BranchSlots {
  slots: readonly AppointmentSlot[];
  timeZone: string;
}

export function useBranchSlots(branchId: string): BranchSlots {
  const branch = useLookups((s) => s.branches.find((b) => b.id === branchId));
  return { slots: branch?.appointmentSlots ?? DEFAULT_APPOINTMENT_SLOTS, timeZone: branch?.timezone ?? 'Asia/Seoul' };
}

/** '' keeps the window; 'none' clears it; otherwise a slot's key. */
export type WindowPick = string;

/** The window a pick gives on `date` (undefined: keep the current one). */
export function pickedWindow(pick: WindowPick, date: string, b: BranchSlots): TimeWindow | null | undefined {
  if (pick === '') return undefined;
  if (pick === 'none') return null;
  const slot = b.slots.find((s) => slotKey(s) === pick);
  return slot ? slotWindow(date, slot, b.timeZone) : undefined;
}

/** The pick that names the current window (its slot), or '' when it is no slot. */
export function currentPick(current: TimeWindow | null, b: BranchSlots): WindowPick {
  const slot = current ? slotOfWindow(current, b.slots, b.timeZone) : undefined;
  return slot ? slotKey(slot) : '';
}

export function TimeWindowSelect({
  branchId,
  current,
  value,
  onChange,
  testId,
  allowNone = false,
}: {
  branchId: string;
  current: TimeWindow | null;
  value: WindowPick;
  onChange: (pick: WindowPick) => void;
  testId?: string;
  /** the change may clear the window (the appointment change; 연기 keeps or replaces it) */
  allowNone?: boolean;
}) {
  const { t } = useTranslation();
  const b = useBranchSlots(branchId);
  return (
    <label>
      <span>{t('detail.timeWindow')}</span>
      <select value={value} data-testid={testId} onChange={(e) => onChange(e.target.value)}>
        <option value="">
          {current ? t('detail.keepWindow', { window: formatTimeWindow(current) }) : t('detail.keepNoWindow')}
        </option>
        {b.slots.map((s) => (
          <option key={slotKey(s)} value={slotKey(s)}>
            {slotText(s)}
          </option>
        ))}
        {current && allowNone && <option value="none">{t('detail.noWindow')}</option>}
      </select>
    </label>
  );
}
