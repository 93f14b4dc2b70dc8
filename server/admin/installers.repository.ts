import { queryParams } from '../db/query-params.js';
import type { Tx } from '../db/transaction.js';
import { likeEscape } from '../orders/order-search.js';

export interface InstallerRow {
  id: string;
  branchId: string;
  partnerId: string | null;
  partnerName: string | null;
  userId: string | null;
  username: string | null;
  name: string;
  phone: string | null;
  skillTags: string[];
  regions: string[];
  capacityPerDay: number;
  isActive: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `i.id, i.branch_id AS "branchId", i.partner_id AS "partnerId", p.name AS "partnerName",
  i.user_id AS "userId", u.username, i.name, i.phone, i.skill_tags AS "skillTags", i.regions,
  i.capacity_per_day AS "capacityPerDay", i.is_active AS "isActive", i.version,
  i.created_at AS "createdAt", i.updated_at AS "updatedAt"`;
const FROM = 'installers i LEFT JOIN partners p ON p.id = i.partner_id LEFT JOIN users u ON u.id = i.user_id';

export async function findInstaller(tx: Tx, id: string, lock = false): Promise<InstallerRow | undefined> {
  const { rows } = await tx.query<InstallerRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE i.id = $1 ${lock ? 'FOR UPDATE OF i' : ''}`,
    [id],
  );
  return rows[0];
}

export interface InstallerFilter {
  branchId?: string;
  partnerId?: string;
  active?: boolean;
  skill?: string;
  /** part of the name */
  q?: string;
}

/** Installers by name (row-level security narrows them to the caller's scope). */
export async function listInstallers(tx: Tx, f: InstallerFilter): Promise<InstallerRow[]> {
  const { values, p } = queryParams();
  const where: string[] = [];
  if (f.branchId) where.push(`i.branch_id = ${p(f.branchId)}`);
  if (f.partnerId) where.push(`i.partner_id = ${p(f.partnerId)}`);
  if (f.active !== undefined) where.push(`i.is_active = ${p(f.active)}`);
  if (f.skill) where.push(`${p(f.skill)} = ANY(i.skill_tags)`);
  if (f.q) where.push(`i.name ILIKE ${p(`%${likeEscape(f.q)}%`)}`);
  const { rows } = await tx.query<InstallerRow>(
    `SELECT ${COLUMNS} FROM ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.name, i.id`,
    values,
  );
  return rows;
}

/** What linking a login to an installer depends on; undefined when there is no such user. */
export async function findUserLink(
  tx: Tx,
  userId: string,
): Promise<{ branchId: string | null; installer: boolean } | undefined> {
  const { rows } = await tx.query<{ branchId: string | null; installer: boolean }>(
    `SELECT u.branch_id AS "branchId",
            EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_code = 'INSTALLER') AS installer
       FROM users u WHERE u.id = $1`,
    [userId],
  );
  return rows[0];
}

export interface InstallerValues {
  branchId: string;
  partnerId: string | null;
  userId: string | null;
  name: string;
  phone: string | null;
  skillTags: string[];
  regions: string[];
  capacityPerDay: number;
}

/** Answers the new id. */
export async function insertInstaller(tx: Tx, v: InstallerValues): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO installers(branch_id, partner_id, user_id, name, phone, skill_tags, regions, capacity_per_day)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [v.branchId, v.partnerId, v.userId, v.name, v.phone, v.skillTags, v.regions, v.capacityPerDay],
  );
  return rows[0]!.id;
}

const PATCH_COLUMNS: Record<keyof InstallerValues, string> = {
  branchId: 'branch_id',
  partnerId: 'partner_id',
  userId: 'user_id',
  name: 'name',
  phone: 'phone',
  skillTags: 'skill_tags',
  regions: 'regions',
  capacityPerDay: 'capacity_per_day',
};

/** The fields given, written at `version`. */
export async function updateInstaller(
  tx: Tx,
  id: string,
  version: number,
  changes: Partial<InstallerValues>,
): Promise<void> {
  const fields = (Object.keys(changes) as (keyof InstallerValues)[]).filter((f) => changes[f] !== undefined);
  await tx.query(
    `UPDATE installers SET ${fields.map((f, i) => `${PATCH_COLUMNS[f]} = $${i + 3}`).join(', ')}
      WHERE id = $1 AND version = $2`,
    [id, version, ...fields.map((f) => changes[f])],
  );
}

export async function setInstallerActive(tx: Tx, id: string, version: number, active: boolean): Promise<void> {
  await tx.query('UPDATE installers SET is_active = $3 WHERE id = $1 AND version = $2', [id, version, active]);
}
