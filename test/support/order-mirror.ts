// OrderRow values as the pull pages that would put them in a client's mirror: orders, one order line per order
// (its item summary) and the installers they name. Lets tests and benches fill a real client store.
import type { OrderRow } from '../../domain/order-row.js';
import type { Change, PullResponse } from '../../domain/sync-protocol.js';
import { formatTimeWindow } from '../../main/store/mirror-order-row.js';

function up(entity: Change['entity'], row: Record<string, unknown>): Change {
  return { entity, id: row.id as string, op: 'upsert', version: (row.version as number) ?? null, row };
}

export function* mirrorPages(rows: readonly OrderRow[], pageSize = 5000): Generator<PullResponse> {
  const installers = new Map<string, string>();
  let changes: Change[] = [];
  const page = (hasMore: boolean): PullResponse => ({ changes, cursor: 'bench', hasMore, reset: false });
  for (const r of rows) {
    if (r.installerId) installers.set(r.installerId, r.installerName ?? '');
    changes.push(
      up('orders', {
        id: r.id,
        order_no: r.orderNo,
        customer_name: r.customerName,
        customer_phone: r.customerPhone,
        address: r.address,
        vendor: r.vendor,
        branch_id: r.branchId,
        partner_id: r.partnerId,
        installer_id: r.installerId,
        status: r.status,
        appointment_date: r.appointmentDate,
        appointment_time_window: formatTimeWindow(r.appointmentTimeWindow),
        promised_date: r.promisedDate,
        remarks: r.remarks,
        version: r.version,
        deleted_at: null,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
      }),
    );
    // "스탠드 에어컨 AC-P900 ×2": the mirror builds this summary from the order's lines
    const m = /^(.*) (\S+) ×(\d+)$/.exec(r.items);
    if (m)
      changes.push(
        up('order_lines', {
          id: `${r.id}:line`,
          order_id: r.id,
          order_created_at: r.createdAt,
          item_name: m[1],
          item_code: m[2],
          quantity: Number(m[3]),
          weight: null,
          version: 1,
          created_at: r.createdAt,
          updated_at: r.createdAt,
        }),
      );
    if (changes.length >= pageSize) {
      yield page(true);
      changes = [];
    }
  }
  for (const [id, name] of installers)
    changes.push(up('installers', { id, name, branch_id: rows[0]?.branchId ?? null, is_active: true, version: 1 }));
  yield page(false);
}
