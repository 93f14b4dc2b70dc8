import type { Tx } from '../db/transaction.js';

export interface SettlementPeriod {
  id: string;
  branchId: string;
  periodStart: string;
  periodEnd: string;
  status: 'OPEN' | 'LOCKED';
  lockedBy: string | null;
  lockedAt: Date | null;
  unlockedBy: string | null;
  unlockedAt: Date | null;
  version: number;
  updatedAt: Date;
}

const COLUMNS = `id, branch_id AS "branchId", period_start AS "periodStart", period_end AS "periodEnd", status,
  locked_by AS "lockedBy", locked_at AS "lockedAt", unlocked_by AS "unlockedBy", unlocked_at AS "unlockedAt",
  version, updated_at AS "updatedAt"`;

/** Today in the branch's time zone, and the Monday of its week. */
export async function branchToday(tx: Tx, timezone: string): Promise<{ today: string; monday: string }> {
  const { rows } = await tx.query<{ today: string; monday: string }>(
    `SELECT d::text AS today, date_trunc('week', d)::date::text AS monday
       FROM (SELECT (now() AT TIME ZONE $1)::date AS d) x`,
    [timezone],
  );
  return rows[0]!;
}

/** Creates the missing OPEN weeks of [from, to]; how many it created. */
export async function ensurePeriods(tx: Tx, branchId: string, from: string, to: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT ensure_settlement_periods($1, $2::date, $3::date) AS n', [
    branchId,
    from,
    to,
  ]);
  return rows[0]!.n;
}

export async function activeBranches(tx: Tx): Promise<{ id: string; timezone: string }[]> {
  const { rows } = await tx.query<{ id: string; timezone: string }>(
    'SELECT id, timezone FROM branches WHERE is_active ORDER BY id',
  );
  return rows;
}

/** The weeks of the branch that overlap [from, to], oldest first. */
export async function periods(tx: Tx, branchId: string, from: string, to: string): Promise<SettlementPeriod[]> {
  const { rows } = await tx.query<SettlementPeriod>(
    `SELECT ${COLUMNS} FROM settlement_periods
      WHERE branch_id = $1 AND period_end >= $2::date AND period_start <= $3::date
      ORDER BY period_start`,
    [branchId, from, to],
  );
  return rows;
}

export async function lockPeriodRow(tx: Tx, id: string): Promise<SettlementPeriod | undefined> {
  const { rows } = await tx.query<SettlementPeriod>(
    `SELECT ${COLUMNS} FROM settlement_periods WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0];
}

export async function setLocked(tx: Tx, id: string, version: number, userId: string) {
  const { rows } = await tx.query<SettlementPeriod>(
    `UPDATE settlement_periods SET status = 'LOCKED', locked_by = $3, locked_at = now()
      WHERE id = $1 AND version = $2::bigint RETURNING ${COLUMNS}`,
    [id, version, userId],
  );
  return rows[0];
}

/** Back to OPEN; locked_by/at stay as the record of the last lock. */
export async function setUnlocked(tx: Tx, id: string, version: number, userId: string) {
  const { rows } = await tx.query<SettlementPeriod>(
    `UPDATE settlement_periods SET status = 'OPEN', unlocked_by = $3, unlocked_at = now()
      WHERE id = $1 AND version = $2::bigint RETURNING ${COLUMNS}`,
    [id, version, userId],
  );
  return rows[0];
}
