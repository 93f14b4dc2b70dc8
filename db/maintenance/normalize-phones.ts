// Customer phone numbers written before the one-written-form rule (domain/phone.ts) are rewritten in that form,
// so the customer-history search (which looks numbers up in that form) finds those orders too. One-off after the
// upgrade, harmless to run again. Orders in a locked settlement week are left as they are: settled records do not
// change (settlement_locked_week, the rule the settlement guard applies); they are counted.
import type pg from 'pg';
import { normalizePhone } from '../../domain/phone.js';

export interface PhoneNormalization {
  /** distinct stored numbers not in their written form */
  forms: number;
  /** orders rewritten */
  rewritten: number;
  /** orders not rewritten because their settlement week is locked */
  lockedLeft: number;
}

const BATCH = 500;

export async function normalizeStoredPhones(owner: pg.Pool): Promise<PhoneNormalization> {
  const { rows } = await owner.query<{ v: string }>(
    'SELECT DISTINCT customer_phone AS v FROM orders WHERE deleted_at IS NULL AND customer_phone IS NOT NULL',
  );
  const pairs = rows.map((r) => [r.v, normalizePhone(r.v)] as const).filter(([from, to]) => from !== to);
  const out: PhoneNormalization = { forms: pairs.length, rewritten: 0, lockedLeft: 0 };
  for (let i = 0; i < pairs.length; i += BATCH) {
    const batch = pairs.slice(i, i + BATCH);
    const client = await owner.connect();
    try {
      await client.query('BEGIN');
      // the audit rows say why the numbers changed
      await client.query(
        "SELECT set_config('app.audit_note', 'phone numbers in their written form (db:maintain phones)', true)",
      );
      const updated = await client.query(
        `UPDATE orders o SET customer_phone = m.to_value
           FROM unnest($1::text[], $2::text[]) AS m(from_value, to_value)
          WHERE o.customer_phone = m.from_value AND o.deleted_at IS NULL
            AND (settlement_locked_week(o.branch_id, o.appointment_date)).id IS NULL`,
        [batch.map((p) => p[0]), batch.map((p) => p[1])],
      );
      const left = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM orders WHERE customer_phone = ANY($1::text[]) AND deleted_at IS NULL',
        [batch.map((p) => p[0])],
      );
      await client.query('COMMIT');
      out.rewritten += updated.rowCount ?? 0;
      out.lockedLeft += left.rows[0]?.n ?? 0;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }
  return out;
}
