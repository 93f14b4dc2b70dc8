// The daily assignment sheets of one day, one per installer with orders that day: what print preview shows and the
// PDF contains. Built from the local mirror only, so it prints while the head office is unreachable.
import type { AssignmentSheet, InstallerRow, OrderLine, SheetPickup } from '../../domain/client-api.js';
import { itemNeedsSerial, type SerialRule } from '../../domain/order-part-rules.js';
import type { OrderRow } from '../../domain/order-row.js';
import { statusRule } from '../../domain/order-status.js';
import { formatAddress, formatTimeWindow } from '../../domain/order-view.js';

export interface SheetSources {
  orders: readonly OrderRow[];
  linesByOrder: ReadonlyMap<string, readonly OrderLine[]>;
  pickupsByOrder?: ReadonlyMap<string, readonly SheetPickup[]>;
  /** the item rules of the reference data: a line whose item needs serials (domain's rule) gets a box per unit */
  serialRules?: readonly SerialRule[];
  installers: readonly InstallerRow[];
  branchNames: ReadonlyMap<string, string>;
  partnerNames: ReadonlyMap<string, string>;
}

export function buildAssignmentSheets(
  date: string,
  installerIds: readonly string[] | undefined,
  src: SheetSources,
  now = new Date(),
): AssignmentSheet[] {
  const wanted = installerIds && installerIds.length > 0 ? new Set(installerIds) : null;
  const byInstaller = new Map<string, OrderRow[]>();
  for (const o of src.orders) {
    if (o.appointmentDate !== date || !o.installerId) continue;
    // cancelled and finished orders are not a visit anymore (domain/order-status.ts onSheet)
    if (!statusRule(o.status).onSheet) continue;
    if (wanted && !wanted.has(o.installerId)) continue;
    const list = byInstaller.get(o.installerId) ?? [];
    list.push(o);
    byInstaller.set(o.installerId, list);
  }
  const installers = src.installers.filter((i) => byInstaller.has(i.id) || wanted?.has(i.id));
  installers.sort((a, b) => a.name.localeCompare(b.name, 'ko'));
  return installers.map((i) => {
    const orders = (byInstaller.get(i.id) ?? []).sort(
      (a, b) =>
        (a.appointmentTimeWindow?.start ?? '~').localeCompare(b.appointmentTimeWindow?.start ?? '~') ||
        a.orderNo.localeCompare(b.orderNo),
    );
    return {
      date,
      installer: {
        id: i.id,
        name: i.name,
        phone: i.phone,
        partnerName: i.partnerId ? (src.partnerNames.get(i.partnerId) ?? null) : null,
      },
      branchName: src.branchNames.get(i.branchId) ?? null,
      orders: orders.map((o) => ({
        id: o.id,
        orderNo: o.orderNo,
        customerName: o.customerName,
        customerPhone: o.customerPhone,
        customerPhone2: o.customerPhone2,
        address: formatAddress(o.address),
        shortAddress: formatAddress({ city: o.address.city, line1: o.address.line1 }),
        timeWindow: formatTimeWindow(o.appointmentTimeWindow),
        items: (src.linesByOrder.get(o.id) ?? []).map((l) => ({
          itemCode: l.itemCode,
          itemName: l.itemName,
          quantity: l.quantity,
          requiresSerial: itemNeedsSerial(l.itemCode, src.serialRules ?? []),
        })),
        pickups: [...(src.pickupsByOrder?.get(o.id) ?? [])],
        remarks: o.remarks,
        status: o.status,
      })),
      generatedAt: now.toISOString(),
    };
  });
}
