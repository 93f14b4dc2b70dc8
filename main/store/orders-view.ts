// The orders grid's view of the mirror: OrderRow (camelCase, installer name, item summary, pending op count).

import { fieldDef, fieldsWhere, type MirrorComputedField } from '../../domain/order-fields.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderStatus } from '../../domain/order-status.js';
import type { Db } from './database.js';
import { parseTimeWindow } from './mirror-order-row.js';

export interface OrderFilter {
  statuses?: OrderStatus[];
  appointmentDate?: string;
  installerId?: string | null;
  text?: string;
}

type Record_ = Record<string, unknown> & { pending_ops: number };

const ITEMS = `(SELECT group_concat(l.item_name || ' ' || l.item_code || ' ×' || l.quantity, ', ')
            FROM order_lines l WHERE l.order_id = o.id)`;

/** The client's order fields (domain/order-fields.ts), read from the mirror under their own names. */
const CLIENT_FIELDS = fieldsWhere((d) => !d.serverOnly);

/** How the mirror reads the fields no column holds. */
const COMPUTED: Record<MirrorComputedField, (items: string) => string> = {
  installerName: () => 'i.name',
  items: (items) => items,
};

const select = (items: string) => `
  SELECT o.rowid AS ref, ${CLIENT_FIELDS.map((f) => {
    const column = fieldDef(f).sqlite;
    return `${column ? `o.${column}` : COMPUTED[f as MirrorComputedField](items)} AS "${f}"`;
  }).join(', ')},
         coalesce(p.n, 0) AS pending_ops
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

// the fields whose mirror text is not the value itself
const JSON_FIELDS = fieldsWhere((d) => d.sql === 'jsonb');
const WINDOW_FIELDS = fieldsWhere((d) => d.sql === 'tstzrange');
const FLAG_FIELDS = fieldsWhere((d) => d.sql === 'boolean');

function toRow(r: Record_): OrderRow {
  const row: Record<string, unknown> = {};
  for (const f of CLIENT_FIELDS) row[f] = r[f];
  for (const f of JSON_FIELDS) row[f] = typeof r[f] === 'string' ? JSON.parse(r[f] as string) : { line1: '', city: '' };
  for (const f of WINDOW_FIELDS) row[f] = parseTimeWindow(r[f]);
  // SQLite keeps a flag as 1/0 (or NULL in rows mirrored before the column existed: off)
  for (const f of FLAG_FIELDS) row[f] = r[f] === 1 || r[f] === true;
  row.items = r.items ?? '';
  row.pendingOps = r.pending_ops;
  return row as OrderRow;
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
