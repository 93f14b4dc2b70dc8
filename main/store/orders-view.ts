// The orders grid's view of the mirror: OrderRow (camelCase, installer name, item summary, pending op count).
import type { OrderRow } from '../../domain/client-api.js';
import type { OrderStatus } from '../../domain/order-status.js';
import type { Db } from './database.js';
import { parseTimeWindow } from './order-ops.js';

export interface OrderFilter {
  statuses?: OrderStatus[];
  appointmentDate?: string;
  installerId?: string | null;
  text?: string;
}

interface Record_ {
  id: string;
  order_no: string;
  customer_name: string;
  customer_phone: string | null;
  address: string | null;
  vendor: string | null;
  branch_id: string;
  partner_id: string | null;
  installer_id: string | null;
  installer_name: string | null;
  status: OrderStatus;
  appointment_date: string | null;
  appointment_time_window: string | null;
  promised_date: string | null;
  remarks: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  pending_ops: number;
  items: string | null;
}

const ITEMS = `(SELECT group_concat(l.item_name || ' ' || l.item_code || ' ×' || l.quantity, ', ')
            FROM order_lines l WHERE l.order_id = o.id)`;

const select = (items: string) => `
  SELECT o.rowid AS ref, o.id, o.order_no, o.customer_name, o.customer_phone, o.address, o.vendor, o.branch_id, o.partner_id,
         o.installer_id, i.name AS installer_name, o.status, o.appointment_date, o.appointment_time_window,
         o.promised_date, o.remarks, o.version, o.created_at, o.updated_at,
         coalesce(p.n, 0) AS pending_ops,
         ${items} AS items
    FROM orders o
    LEFT JOIN installers i ON i.id = o.installer_id
    LEFT JOIN (SELECT entity_id, count(*) AS n FROM
                 (SELECT entity_id FROM outbox WHERE entity = 'orders'
                  UNION ALL SELECT entity_id FROM conflicts WHERE entity = 'orders'
                  -- ops of other entities that change the order (a split's child) or belong to it (its pick-ups)
                  UNION ALL SELECT r.entity_id FROM op_rows r WHERE r.entity = 'orders'
                     AND (r.seq IN (SELECT seq FROM outbox) OR r.seq IN (SELECT seq FROM conflicts)))
               GROUP BY entity_id) p ON p.entity_id = o.id`;
const SELECT = select(ITEMS);

/** The grid's row order (ties between equal sort keys in the grid and in an export fall back to it). */
const ROW_ORDER = 'ORDER BY o.appointment_date, o.order_no, o.id';

function toRow(r: Record_): OrderRow {
  return {
    id: r.id,
    orderNo: r.order_no,
    customerName: r.customer_name,
    customerPhone: r.customer_phone,
    address: r.address ? JSON.parse(r.address) : { line1: '', city: '' },
    vendor: r.vendor,
    branchId: r.branch_id,
    partnerId: r.partner_id,
    installerId: r.installer_id,
    installerName: r.installer_name,
    status: r.status,
    appointmentDate: r.appointment_date,
    appointmentTimeWindow: parseTimeWindow(r.appointment_time_window),
    promisedDate: r.promised_date,
    remarks: r.remarks,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    pendingOps: r.pending_ops,
    items: r.items ?? '',
  };
}

export class OrdersView {
  private byRefs: import('better-sqlite3').Statement | null = null;
  constructor(private readonly db: Db) {}

  list(filter: OrderFilter): OrderRow[] {
    const where = ['o.deleted_at IS NULL'];
    const params: unknown[] = [];
    if (filter.statuses?.length) {
      where.push(`o.status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter.appointmentDate) {
      where.push('o.appointment_date = ?');
      params.push(filter.appointmentDate);
    }
    if (filter.installerId === null) where.push('o.installer_id IS NULL');
    else if (filter.installerId) {
      where.push('o.installer_id = ?');
      params.push(filter.installerId);
    }
    if (filter.text) {
      where.push(
        "(o.order_no LIKE ? ESCAPE '\\' OR o.customer_name LIKE ? ESCAPE '\\' OR o.customer_phone LIKE ? ESCAPE '\\')",
      );
      const like = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      params.push(like, like, like);
    }
    const rows = this.db.prepare(`${SELECT} WHERE ${where.join(' AND ')} ${ROW_ORDER}`).all(...params) as Record_[];
    return rows.map(toRow);
  }

  /**
   * Every order the grid lists, in its row order, one at a time (better-sqlite3's iterate: only the current row is
   * in memory), each with a handle that fetch() takes. A caller keeping handles across writes must read from one
   * snapshot (main/store/order-snapshot.ts). Without `items` the rows' item summaries are left empty: building them
   * is half the cost of the scan, and a view that neither filters nor sorts by them does not read them.
   */
  scan(each: (row: OrderRow, ref: number) => void, o: { items: boolean } = { items: true }): void {
    const sql = `${select(o.items ? ITEMS : 'NULL')} WHERE o.deleted_at IS NULL ${ROW_ORDER}`;
    for (const r of this.db.prepare(sql).iterate() as Iterable<Record_ & { ref: number }>) each(toRow(r), r.ref);
  }

  /** The orders of these scan() handles, in the order given. */
  fetch(refs: readonly number[]): OrderRow[] {
    this.byRefs ??= this.db.prepare(`${SELECT} WHERE o.rowid IN (SELECT value FROM json_each(?))`);
    const got = new Map<number, OrderRow>();
    for (const r of this.byRefs.all(JSON.stringify(refs)) as (Record_ & { ref: number })[]) got.set(r.ref, toRow(r));
    return refs.map((ref) => got.get(ref)).filter((r): r is OrderRow => r !== undefined);
  }

  get(id: string): OrderRow | null {
    const r = this.db.prepare(`${SELECT} WHERE o.id = ?`).get(id) as Record_ | undefined;
    return r ? toRow(r) : null;
  }
}
