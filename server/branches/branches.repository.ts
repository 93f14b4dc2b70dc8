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
