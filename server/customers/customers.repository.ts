import { prepared } from '../db/prepared.js';
import type { Tx } from '../db/transaction.js';

export interface CustomerOrder {
  id: string;
  orderNo: string;
  customerName: string;
  customerPhone: string | null;
  address: unknown;
  vendor: string | null;
  branchId: string;
  branchName: string;
  installerId: string | null;
  status: string;
  appointmentDate: string | null;
  createdAt: Date;
  items: string;
}

/**
 * FR-16: a customer's orders, newest first, by exact name or phone (either of the order's two:
 * idx_orders_customer_phone and idx_orders_customer_phone2). By name, `branchId` (a branch manager's own branch,
 * the one row-level security keeps anyway) narrows the index range to that branch's namesakes
 * (idx_orders_customer_branch, 0142), so the rows read are the page, not every branch's namesakes; without it
 * (HQ) idx_orders_customer_date_covering gives every branch's in date order.
 */
export async function customerOrders(
  tx: Tx,
  by: { name?: string; phone?: string; branchId?: string },
  limit: number,
): Promise<CustomerOrder[]> {
  // by phone: either of the order's numbers (a second phone, 0052, may be the one the customer gave this time)
  const [match, value] =
    by.name !== undefined
      ? [by.branchId !== undefined ? 'o.customer_name = $1 AND o.branch_id = $3' : 'o.customer_name = $1', by.name]
      : ['(o.customer_phone = $1 OR o.customer_phone2 = $1)', by.phone];
  const params = by.name !== undefined && by.branchId !== undefined ? [value, limit, by.branchId] : [value, limit];
  // Named (three texts): planning this over every partition under RLS costs several times its run, and the
  // generic plan (a merge of the partitions' index scans in created_at order) is right for any customer.
  const columns = `o.id, o.order_no AS "orderNo", o.customer_name AS "customerName", o.customer_phone AS "customerPhone",
            o.address, o.vendor, o.branch_id AS "branchId", b.name AS "branchName", o.installer_id AS "installerId",
            o.status, o.appointment_date AS "appointmentDate", o.created_at AS "createdAt"`;
  const page = `FROM orders o JOIN branches b ON b.id = o.branch_id
      WHERE ${match} AND o.deleted_at IS NULL
      ORDER BY o.created_at DESC, o.id DESC
      LIMIT $2`;
  // A branch manager's page first, then the item summaries of all its orders in one call (0130, as the order
  // list does): a sub-select per order reads order_lines under its policy, which looks the order up again for
  // every line. HQ's policy on order_lines looks nothing up (0043), and the call's own probe of each order would
  // cost more than it saves (measured: twice the buffers), so HQ keeps the sub-select.
  const text =
    by.branchId !== undefined
      ? `WITH p AS MATERIALIZED (SELECT ${columns} ${page})
         SELECT p.*, coalesce(s.items, '') AS items
           FROM p LEFT JOIN order_items_summaries(ARRAY(SELECT p.id FROM p), ARRAY(SELECT p."createdAt" FROM p)) s
             ON s.order_id = p.id
          ORDER BY p."createdAt" DESC, p.id DESC`
      : `SELECT ${columns},
            coalesce((SELECT string_agg(l.item_name || ' ' || l.item_code || ' ×' || l.quantity, ', '
                                        ORDER BY l.created_at, l.id)
                        FROM order_lines l WHERE l.order_id = o.id AND l.order_created_at = o.created_at), '') AS items
       ${page}`;
  const { rows } = await tx.query<CustomerOrder>(prepared(text, params));
  return rows;
}
