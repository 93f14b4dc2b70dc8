// The WHERE of an order search (GET /api/orders and the orders export, which must list the same rows for the same
// filters): soft-deleted orders left out, then each filter given. `p` adds a parameter and answers its placeholder.
import type { OrderStatus } from '../../domain/order-status.js';

/** Days of the company (created-at ranges, "today") are Korean days, like the monthly partitions. */
export const COMPANY_TIME_ZONE = 'Asia/Seoul';

export interface OrderSearch {
  branchId?: string;
  statuses?: readonly (OrderStatus | string)[];
  dateField: 'created' | 'appointment';
  from?: string;
  to?: string;
  installerId?: string;
  /** only the caller's own installer record's orders (an installer's list: what row-level security shows it) */
  ownInstaller?: boolean;
  partnerId?: string;
  vendor?: string;
  q?: string;
}

export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function orderSearchWhere(f: OrderSearch, p: (v: unknown) => string): string[] {
  const where = ['o.deleted_at IS NULL'];
  if (f.branchId) where.push(`o.branch_id = ${p(f.branchId)}`);
  // One status (the FR-03 assignment list) is an equality, so idx_orders_branch_status_created yields the page
  // already in created_at order whatever the plan. As ANY(array), the server's generic plan (pool.ts forces
  // them) cannot tell how many rows the array matches and walks the branch's whole history by created_at.
  if (f.statuses?.length === 1) where.push(`o.status = ${p(f.statuses[0])}`);
  else if (f.statuses?.length) where.push(`o.status = ANY(${p(f.statuses)}::text[])`);
  if (f.installerId) where.push(`o.installer_id = ${p(f.installerId)}`);
  if (f.ownInstaller) where.push('o.installer_id = (SELECT app_installer_id())');
  if (f.partnerId) where.push(`o.partner_id = ${p(f.partnerId)}`);
  if (f.vendor) where.push(`o.vendor = ${p(f.vendor)}`);
  if (f.dateField === 'created') {
    if (f.from) where.push(`o.created_at >= (${p(f.from)}::date::timestamp AT TIME ZONE '${COMPANY_TIME_ZONE}')`);
    if (f.to) where.push(`o.created_at < ((${p(f.to)}::date + 1)::timestamp AT TIME ZONE '${COMPANY_TIME_ZONE}')`);
  } else {
    if (f.from) where.push(`o.appointment_date >= ${p(f.from)}::date`);
    if (f.to) {
      where.push(`o.appointment_date <= ${p(f.to)}::date`);
      // implied by chk_appointment_date (appointment_date >= created_at::date, in any session time zone: two days
      // cover every offset): a bound on the partition key, so a plan for these values leaves later months out
      where.push(`o.created_at < ((${p(f.to)}::date + 2)::timestamp AT TIME ZONE '${COMPANY_TIME_ZONE}')`);
    }
  }
  if (f.q) {
    // The definition of the free text. Each alternative is a column (or expression) of idx_orders_text_search
    // (0126) as the index has it; under RLS an ILIKE is no index condition, so the list of a term of three
    // characters or more first asks order_text_matches (0126: the same alternatives) for the keys, and this
    // condition then decides the rows again (orders.repository.ts). A shorter term has no trigram and is read
    // as before, newest first until the page is full (docs/performance.md, Round 4).
    const text = p(likeEscape(f.q));
    const alternatives = [`o.order_no ILIKE ${text} || '%'`, `o.customer_name ILIKE '%' || ${text} || '%'`];
    const digits = f.q.replace(/[^0-9]/g, '');
    if (digits.length >= 3) {
      const d = p(digits);
      // both numbers of the order, as FR-16 (customer history) finds them
      alternatives.push(`regexp_replace(o.customer_phone, '[^0-9]', '', 'g') LIKE '%' || ${d} || '%'`);
      alternatives.push(`regexp_replace(o.customer_phone2, '[^0-9]', '', 'g') LIKE '%' || ${d} || '%'`);
    }
    where.push(`(${alternatives.join(' OR ')})`);
  }
  return where;
}
