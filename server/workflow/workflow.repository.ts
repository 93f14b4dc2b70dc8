import type { ReasonType } from '../../domain/order-status.js';
import { prepared } from '../db/prepared.js';
import type { Tx } from '../db/transaction.js';

export interface ReasonCode {
  code: string;
  type: ReasonType;
  descriptionKo: string;
  descriptionEn: string;
  isActive: boolean;
}

export async function findReasonCode(tx: Tx, code: string): Promise<ReasonCode | undefined> {
  const { rows } = await tx.query<ReasonCode>(
    prepared(
      `SELECT code, type, description_ko AS "descriptionKo", description_en AS "descriptionEn", is_active AS "isActive"
       FROM reason_codes WHERE code = $1`,
      [code],
    ),
  );
  return rows[0];
}
