import { CAPACITY_STATUSES } from '../../domain/order-status.js';
import { prepared } from '../db/prepared.js';
import type { Tx } from '../db/transaction.js';

export interface InstallerRecord {
  id: string;
  name: string;
  branchId: string;
  partnerId: string | null;
  skillTags: string[];
  capacityPerDay: number;
  isActive: boolean;
}

/**
 * The installer (if the caller may see it), locked against concurrent assignments: two clerks filling the last
 * slot of one installer's day are decided one after the other. NO KEY UPDATE leaves foreign-key checks alone.
 */
export async function lockInstaller(tx: Tx, id: string): Promise<InstallerRecord | undefined> {
  const { rows } = await tx.query<InstallerRecord>(
    prepared(
      `SELECT id, name, branch_id AS "branchId", partner_id AS "partnerId", skill_tags AS "skillTags",
            capacity_per_day AS "capacityPerDay", is_active AS "isActive"
       FROM installers WHERE id = $1 FOR NO KEY UPDATE`,
      [id],
    ),
  );
  return rows[0];
}

/** Skill tags the order's items need: per line, the rule with the longest matching item-code prefix. */
export async function requiredSkills(tx: Tx, orderId: string): Promise<string[]> {
  const { rows } = await tx.query<{ skill: string }>(
    prepared(
      `SELECT DISTINCT r.skill_tag AS skill
       FROM order_lines l
       CROSS JOIN LATERAL (
         SELECT skill_tag FROM item_skill_rules
          WHERE upper(left(l.item_code, length(item_prefix))) = upper(item_prefix)
          ORDER BY length(item_prefix) DESC LIMIT 1) r
      WHERE l.order_id = $1
      ORDER BY 1`,
      [orderId],
    ),
  );
  return rows.map((r) => r.skill);
}

/** Orders of the installer on `date` that take a slot of its daily capacity, other than `exceptOrderId`. */
export async function dayLoad(tx: Tx, installerId: string, date: string, exceptOrderId?: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    prepared(
      `SELECT count(*)::int AS n FROM orders
      WHERE installer_id = $1 AND appointment_date = $2 AND status = ANY($3::text[]) AND deleted_at IS NULL
        AND id IS DISTINCT FROM $4::uuid`,
      [installerId, date, CAPACITY_STATUSES, exceptOrderId ?? null],
    ),
  );
  return rows[0]!.n;
}

export interface InstallerDay {
  id: string;
  name: string;
  phone: string | null;
  partnerId: string | null;
  partnerName: string | null;
  skillTags: string[];
  regions: string[];
  capacityPerDay: number;
  assigned: number;
  remaining: number;
}

/** Active installers of the branch with their load on `date`. */
export async function installersWithLoad(tx: Tx, branchId: string, date: string): Promise<InstallerDay[]> {
  const { rows } = await tx.query<InstallerDay>(
    `SELECT i.id, i.name, i.phone, i.partner_id AS "partnerId", p.name AS "partnerName", i.skill_tags AS "skillTags",
            i.regions, i.capacity_per_day AS "capacityPerDay", d.assigned,
            greatest(i.capacity_per_day - d.assigned, 0) AS remaining
       FROM installers i
       LEFT JOIN partners p ON p.id = i.partner_id
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS assigned FROM orders o
          WHERE o.installer_id = i.id AND o.appointment_date = $2 AND o.status = ANY($3::text[])
            AND o.deleted_at IS NULL) d
      WHERE i.branch_id = $1 AND i.is_active
      ORDER BY i.name, i.id`,
    [branchId, date, CAPACITY_STATUSES],
  );
  return rows;
}
