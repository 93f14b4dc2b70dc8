// Rows for tests, written through the owner connection (a superuser, so row-level security does not filter
// them). Each call makes new rows with unique codes and names: every test builds the world it needs.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { OrderStatus } from '../../domain/order-status.js';
import type { Role } from '../../domain/roles.js';
import { hashPassword } from '../../server/auth/passwords.js';

export const DEFAULT_PASSWORD = 'correct horse battery';

type Db = Pick<pg.Pool, 'query'>;

const hashes = new Map<string, Promise<string>>();
/** Argon2id costs ~20 ms a hash: each password is hashed once per test file. */
export function passwordHash(password = DEFAULT_PASSWORD): Promise<string> {
  let h = hashes.get(password);
  if (!h) {
    h = hashPassword(password);
    hashes.set(password, h);
  }
  return h;
}

export function uniq(prefix = '', bytes = 3): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`;
}

/** Today's date in Korea (YYYY-MM-DD), the day the branches work in. */
export function seoulToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date());
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Monday of the ISO week of `date`. */
export function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return addDays(date, -((d.getUTCDay() + 6) % 7));
}

export interface BranchFixture {
  id: string;
  code: string;
  name: string;
  timezone: string;
}

export async function createBranch(db: Db, o: { code?: string; name?: string; timezone?: string } = {}) {
  const code = o.code ?? uniq('B', 4).toUpperCase();
  const { rows } = await db.query<BranchFixture>(
    `INSERT INTO branches(code, name, region, timezone) VALUES ($1, $2, '서울', $3)
     RETURNING id, code, name, timezone`,
    [code, o.name ?? `지점 ${code}`, o.timezone ?? 'Asia/Seoul'],
  );
  return rows[0]!;
}

export interface PartnerFixture {
  id: string;
  code: string;
  name: string;
}

export async function createPartner(db: Db, o: { code?: string; name?: string } = {}): Promise<PartnerFixture> {
  const code = o.code ?? uniq('P', 4).toUpperCase();
  const { rows } = await db.query<PartnerFixture>(
    'INSERT INTO partners(code, name) VALUES ($1, $2) RETURNING id, code, name',
    [code, o.name ?? `협력사 ${code}`],
  );
  return rows[0]!;
}

export interface UserFixture {
  id: string;
  username: string;
  password: string;
  role: Role;
  branchId: string | null;
  partnerId: string | null;
}

export async function createUser(
  db: Db,
  o: {
    role: Role;
    branchId?: string | null;
    partnerId?: string | null;
    username?: string;
    password?: string;
    isActive?: boolean;
    locale?: 'ko' | 'en';
    fullName?: string;
    /** more roles besides `role` */
    extraRoles?: Role[];
  },
): Promise<UserFixture> {
  const username = o.username ?? uniq(`${o.role.toLowerCase()}_`, 4);
  const password = o.password ?? DEFAULT_PASSWORD;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users(username, password_hash, full_name, locale, branch_id, partner_id, is_active)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      username,
      await passwordHash(password),
      o.fullName ?? `사용자 ${username}`,
      o.locale ?? 'ko',
      o.branchId ?? null,
      o.partnerId ?? null,
      o.isActive ?? true,
    ],
  );
  const id = rows[0]!.id;
  for (const role of [o.role, ...(o.extraRoles ?? [])]) {
    await db.query('INSERT INTO user_roles(user_id, role_code) VALUES ($1, $2)', [id, role]);
  }
  return { id, username, password, role: o.role, branchId: o.branchId ?? null, partnerId: o.partnerId ?? null };
}

export interface InstallerFixture {
  id: string;
  name: string;
  branchId: string;
  partnerId: string | null;
  userId: string | null;
  skillTags: string[];
  capacityPerDay: number;
}

export async function createInstaller(
  db: Db,
  o: {
    branchId: string;
    partnerId?: string | null;
    userId?: string | null;
    name?: string;
    skillTags?: string[];
    capacityPerDay?: number;
    isActive?: boolean;
  },
): Promise<InstallerFixture> {
  const { rows } = await db.query<InstallerFixture>(
    `INSERT INTO installers(branch_id, partner_id, user_id, name, phone, skill_tags, capacity_per_day, is_active)
     VALUES ($1, $2, $3, $4, '010-0000-0000', $5, $6, $7)
     RETURNING id, name, branch_id AS "branchId", partner_id AS "partnerId", user_id AS "userId",
               skill_tags AS "skillTags", capacity_per_day AS "capacityPerDay"`,
    [
      o.branchId,
      o.partnerId ?? null,
      o.userId ?? null,
      o.name ?? uniq('기사 '),
      o.skillTags ?? [],
      o.capacityPerDay ?? 8,
      o.isActive ?? true,
    ],
  );
  return rows[0]!;
}

export interface LineInput {
  itemCode: string;
  itemName: string;
  quantity: number;
}

export interface OrderFixture {
  id: string;
  orderNo: string;
  /** millisecond precision (a JS Date): do not use it as a foreign key */
  createdAt: Date;
  /** created_at exactly (microseconds), for the (order_id, order_created_at) foreign keys of child rows */
  createdAtExact: string;
  version: number;
  status: OrderStatus;
  branchId: string;
  lineIds: string[];
}

/** An order as the database holds it, any status, with lines (default: one plain item). */
export async function createOrder(
  db: Db,
  o: {
    branchId: string;
    partnerId?: string | null;
    installerId?: string | null;
    status?: OrderStatus;
    appointmentDate?: string | null;
    orderNo?: string;
    customerName?: string;
    customerPhone?: string | null;
    vendor?: string | null;
    lines?: LineInput[];
    createdAt?: Date;
  },
): Promise<OrderFixture> {
  const orderNo = o.orderNo ?? uniq('ORD-', 5).toUpperCase();
  const { rows } = await db.query<OrderFixture>(
    `INSERT INTO orders(order_no, customer_name, customer_phone, address, vendor, branch_id, partner_id, installer_id,
                        status, appointment_date, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, now()))
     RETURNING id, order_no AS "orderNo", created_at AS "createdAt", created_at::text AS "createdAtExact", version,
               status, branch_id AS "branchId"`,
    [
      orderNo,
      o.customerName ?? '홍길동',
      o.customerPhone === undefined ? '010-1234-5678' : o.customerPhone,
      JSON.stringify({ line1: '테헤란로 1', city: '서울', postal: '06236' }),
      o.vendor === undefined ? '동부대우전자' : o.vendor,
      o.branchId,
      o.partnerId ?? null,
      o.installerId ?? null,
      o.status ?? '미배정',
      o.appointmentDate === undefined ? seoulToday() : o.appointmentDate,
      o.createdAt ?? null,
    ],
  );
  const order = { ...rows[0]!, lineIds: [] as string[] };
  for (const l of o.lines ?? [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 }]) {
    const line = await db.query<{ id: string }>(
      `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [order.id, order.createdAtExact, l.itemCode, l.itemName, l.quantity],
    );
    order.lineIds.push(line.rows[0]!.id);
  }
  return order;
}

export interface World {
  branch: BranchFixture;
  partner: PartnerFixture;
  hq: UserFixture;
  manager: UserFixture;
  coordinator: UserFixture;
  installerUser: UserFixture;
  /** the installer record of installerUser, of `partner`, skills aircon + fridge + washer */
  installer: InstallerFixture;
}

/**
 * A branch with a partner, one user of each role (an HQ admin, the branch's manager, the partner's coordinator,
 * an installer login with its installer record). Call it twice for "another branch".
 */
export async function createWorld(db: Db): Promise<World> {
  const branch = await createBranch(db);
  const partner = await createPartner(db);
  const hq = await createUser(db, { role: 'HQ_ADMIN' });
  const manager = await createUser(db, { role: 'BRANCH_MANAGER', branchId: branch.id });
  const coordinator = await createUser(db, { role: 'PARTNER_COORDINATOR', partnerId: partner.id });
  const installerUser = await createUser(db, { role: 'INSTALLER', branchId: branch.id, partnerId: partner.id });
  const installer = await createInstaller(db, {
    branchId: branch.id,
    partnerId: partner.id,
    userId: installerUser.id,
    skillTags: ['aircon', 'fridge', 'washer'],
  });
  return { branch, partner, hq, manager, coordinator, installerUser, installer };
}

/** Audit rows of one record, oldest first. */
export async function auditRows(db: Db, table: string, recordId: string) {
  const { rows } = await db.query<{
    action: string;
    diff: Record<string, unknown>;
    actor_id: string | null;
    note: string | null;
    branch_id: string | null;
  }>(
    `SELECT action, diff, actor_id, note, branch_id FROM audit_logs
      WHERE table_name = $1 AND record_id = $2 ORDER BY logged_at, id`,
    [table, recordId],
  );
  return rows;
}
