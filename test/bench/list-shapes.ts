// Every filter shape GET /api/orders can send (server/orders/orders.schemas.ts: branch, one or several statuses,
// free text, a created or appointment date range, installer, partner, vendor, the six sorts, a cursor), each as
// the role that sends it, with values drawn from the data set. npm run bench:plans measures them;
// test/api/list-plans.test.ts asserts their plans.
import type pg from 'pg';
import type { Actor } from '../../server/http/context.js';
import { openSession } from '../support/session.js';

export type Who = 'hq' | 'manager' | 'coordinator' | 'installer';

export interface PlanWorld {
  today: string;
  actors: Record<Who, Actor>;
  /** the manager's branch (the generator's largest, 서울) */
  branchId: string;
  partnerId: string;
  /** an installer of the manager's branch with orders, and the installer login's own record */
  installerId: string;
  vendor: string;
  /** a full customer name with several orders, a name fragment, an order number prefix, phone digits */
  name: string;
  fragment: string;
  orderNoPrefix: string;
  phoneDigits: string;
  phone: string;
}

export interface ListShape {
  id: string;
  title: string;
  as: Who;
  query: Record<string, string>;
  /** the second page: the first page's cursor is added */
  page2?: boolean;
  endpoint?: 'list' | 'history';
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The logins and values the shapes use, read as the owner (a session is opened for each login). */
export async function readPlanWorld(owner: pg.ClientBase | pg.Pool, now = new Date()): Promise<PlanWorld> {
  const one = async <T>(sql: string, values: unknown[] = []): Promise<T> => {
    const { rows } = await owner.query(sql, values);
    if (!rows[0]) throw new Error(`no row for ${sql}`);
    return rows[0] as T;
  };
  const actor = async (username: string): Promise<Actor> => {
    const u = await one<{ id: string; role: Actor['role']; branch_id: string | null; partner_id: string | null }>(
      `SELECT u.id, r.role_code AS role, u.branch_id, u.partner_id FROM users u JOIN user_roles r ON r.user_id = u.id
        WHERE u.username = $1`,
      [username],
    );
    return {
      userId: u.id,
      role: u.role,
      branchId: u.branch_id,
      partnerId: u.partner_id,
      username,
      locale: 'ko',
      sessionId: await openSession(owner, u.id),
    };
  };
  const manager = await actor('mgr.seoul');
  const branchId = manager.branchId!;
  const coordinator = await actor('coord');
  const installer = await actor('inst1');
  const inst = await one<{ id: string }>(
    `SELECT o.installer_id AS id FROM orders o JOIN installers i ON i.id = o.installer_id
      WHERE o.branch_id = $1 AND o.deleted_at IS NULL AND i.user_id IS NULL
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    [branchId],
  );
  const customer = await one<{ name: string; phone: string; order_no: string }>(
    `SELECT customer_name AS name, min(customer_phone) AS phone, min(order_no) AS order_no FROM orders
      WHERE branch_id = $1 AND deleted_at IS NULL AND customer_phone IS NOT NULL
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    [branchId],
  );
  const vendor = await one<{ vendor: string }>(
    'SELECT vendor FROM orders WHERE vendor IS NOT NULL GROUP BY 1 ORDER BY count(*), 1 LIMIT 1',
  );
  const digits = customer.phone.replace(/[^0-9]/g, '');
  return {
    today: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(now),
    actors: { hq: await actor('hq'), manager, coordinator, installer },
    branchId,
    partnerId: coordinator.partnerId!,
    installerId: inst.id,
    vendor: vendor.vendor,
    name: customer.name,
    // the given name without the surname: found anywhere in the name (ILIKE '%…%')
    fragment: [...customer.name].slice(1).join(''),
    orderNoPrefix: customer.order_no.slice(0, 8),
    phoneDigits: digits.slice(-4),
    phone: customer.phone,
  };
}

export function listShapes(w: PlanWorld): ListShape[] {
  const today = w.today;
  const b = w.branchId;
  const s: ListShape[] = [
    // no filter: the newest orders the caller may see
    { id: 'L01', title: 'HQ, no filter', as: 'hq', query: {} },
    { id: 'L02', title: 'manager, no filter', as: 'manager', query: {} },
    { id: 'L03', title: 'HQ, a branch', as: 'hq', query: { branchId: b } },
    // statuses (FR-03 is one status of a branch)
    { id: 'L04', title: 'HQ, branch + 미배정 (FR-03)', as: 'hq', query: { branchId: b, status: '미배정' } },
    { id: 'L05', title: 'manager, 미배정 (no branchId)', as: 'manager', query: { status: '미배정' } },
    { id: 'L06', title: 'manager, 인수 (frequent)', as: 'manager', query: { status: '인수' } },
    { id: 'L07', title: 'HQ, branch + 미배정,배정 (rare)', as: 'hq', query: { branchId: b, status: '미배정,배정' } },
    {
      id: 'L08',
      title: 'HQ, branch + 인수,부분인수 (frequent)',
      as: 'hq',
      query: { branchId: b, status: '인수,부분인수' },
    },
    { id: 'L09', title: 'HQ, 미배정,배정,배정확정, every branch', as: 'hq', query: { status: '미배정,배정,배정확정' } },
    {
      id: 'L10',
      title: 'manager, 6 open statuses',
      as: 'manager',
      query: { status: '미배정,배정,배정확정,출고확정,출문,연기' },
    },
    // free text
    { id: 'L11', title: 'manager, q = a full name', as: 'manager', query: { q: w.name } },
    { id: 'L12', title: 'manager, q = a given name', as: 'manager', query: { q: w.fragment } },
    { id: 'L13', title: 'manager, q = order-no prefix', as: 'manager', query: { q: w.orderNoPrefix } },
    { id: 'L14', title: 'manager, q = 4 phone digits', as: 'manager', query: { q: w.phoneDigits } },
    { id: 'L15', title: 'HQ, q = a full name, every branch', as: 'hq', query: { q: w.name } },
    // created ranges
    { id: 'L16', title: 'manager, created last 7 days', as: 'manager', query: { from: addDays(today, -6), to: today } },
    {
      id: 'L17',
      title: 'manager, created a month a year ago',
      as: 'manager',
      query: { from: addDays(today, -395), to: addDays(today, -365) },
    },
    { id: 'L18', title: 'HQ, created last 7 days', as: 'hq', query: { from: addDays(today, -6), to: today } },
    {
      id: 'L19',
      title: 'manager, created last 30 days + 미배정,배정',
      as: 'manager',
      query: { from: addDays(today, -29), to: today, status: '미배정,배정' },
    },
    // appointment days
    {
      id: 'L20',
      title: 'manager, appointment today, by appointment',
      as: 'manager',
      query: { dateField: 'appointment', from: today, to: today, sort: 'appointmentDate' },
    },
    {
      id: 'L21',
      title: 'manager, appointment next 7 days, by appointment',
      as: 'manager',
      query: { dateField: 'appointment', from: today, to: addDays(today, 6), sort: 'appointmentDate' },
    },
    {
      id: 'L22',
      title: 'HQ, appointment today, newest first',
      as: 'hq',
      query: { dateField: 'appointment', from: today, to: today },
    },
    {
      id: 'L23',
      title: 'manager, appointment a day a year ago',
      as: 'manager',
      query: { dateField: 'appointment', from: addDays(today, -365), to: addDays(today, -365) },
    },
    // installer, partner, vendor
    { id: 'L24', title: 'manager, an installer', as: 'manager', query: { installerId: w.installerId } },
    {
      id: 'L25',
      title: "manager, an installer's day",
      as: 'manager',
      query: { installerId: w.installerId, dateField: 'appointment', from: today, to: today, sort: 'appointmentDate' },
    },
    { id: 'L26', title: 'HQ, a partner', as: 'hq', query: { partnerId: w.partnerId } },
    { id: 'L27', title: 'manager, a vendor (the rarest)', as: 'manager', query: { vendor: w.vendor } },
    // other roles
    { id: 'L28', title: 'coordinator, no filter', as: 'coordinator', query: {} },
    { id: 'L29', title: 'coordinator, 배정', as: 'coordinator', query: { status: '배정' } },
    { id: 'L30', title: 'installer, no filter', as: 'installer', query: {} },
    {
      id: 'L31',
      title: 'installer, appointment today',
      as: 'installer',
      query: { dateField: 'appointment', from: today, to: today, sort: 'appointmentDate' },
    },
    // sorts
    { id: 'L32', title: 'manager, by appointment', as: 'manager', query: { sort: 'appointmentDate' } },
    { id: 'L33', title: 'manager, by appointment, latest first', as: 'manager', query: { sort: '-appointmentDate' } },
    { id: 'L34', title: 'manager, by order no', as: 'manager', query: { sort: 'orderNo' } },
    { id: 'L35', title: 'HQ, by order no, latest first', as: 'hq', query: { sort: '-orderNo' } },
    { id: 'L36', title: 'manager, oldest first', as: 'manager', query: { sort: 'createdAt' } },
    // second pages (keyset cursors)
    { id: 'L37', title: 'manager, no filter, page 2', as: 'manager', query: {}, page2: true },
    { id: 'L38', title: 'HQ, FR-03, page 2', as: 'hq', query: { branchId: b, status: '미배정' }, page2: true },
    {
      id: 'L39',
      title: 'manager, appointment next 7 days, page 2',
      as: 'manager',
      query: { dateField: 'appointment', from: today, to: addDays(today, 6), sort: 'appointmentDate' },
      page2: true,
    },
    { id: 'L40', title: 'manager, by order no, page 2', as: 'manager', query: { sort: 'orderNo' }, page2: true },
    // FR-16, for the partition counts (named statements already)
    { id: 'H1', title: 'FR-16 by name (HQ)', as: 'hq', query: { name: w.name }, endpoint: 'history' },
    { id: 'H2', title: 'FR-16 by phone (manager)', as: 'manager', query: { phone: w.phone }, endpoint: 'history' },
  ];
  return s;
}
