import { type AppointmentSlot, DEFAULT_APPOINTMENT_SLOTS } from '../../domain/appointment-slots.js';
import type { Tx } from '../db/transaction.js';

export interface Branch {
  id: string;
  code: string;
  name: string;
  timezone: string;
}

export async function findBranch(tx: Tx, id: string): Promise<Branch | undefined> {
  const { rows } = await tx.query<Branch>('SELECT id, code, name, timezone FROM branches WHERE id = $1', [id]);
  return rows[0];
}

/** The slots an order's time window is chosen from, in the branch's time zone (domain/appointment-slots.ts). */
export async function findBranchSlots(
  tx: Tx,
  id: string,
): Promise<{ timezone: string; appointmentSlots: AppointmentSlot[] }> {
  const { rows } = await tx.query<{ timezone: string; appointmentSlots: AppointmentSlot[] }>(
    'SELECT timezone, appointment_slots AS "appointmentSlots" FROM branches WHERE id = $1',
    [id],
  );
  return rows[0] ?? { timezone: 'Asia/Seoul', appointmentSlots: [...DEFAULT_APPOINTMENT_SLOTS] };
}
