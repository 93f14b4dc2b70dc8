// Reads of the local mirror (db/client/001_mirror.sql) for the screens: order detail, lookups, waste totals,
// notifications, settlement weeks, the lines behind the assignment sheets. Everything here works offline.
import type Database from 'better-sqlite3';
import { slotsOrDefault } from '../../domain/appointment-slots.js';
import type {
  BranchRef,
  InstallerRow,
  NotificationItem,
  OrderDetail,
  OrderLine,
  ReasonCode,
  SettlementWeek,
  SheetPickup,
  SkillRule,
  WasteCode,
  WasteSummaryRow,
} from '../../domain/client-api.js';
import { UNREAD_COUNT_LIMIT } from '../../domain/notifications.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderStatus, ReasonType } from '../../domain/order-status.js';

type R = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown, fallback: T): T => {
  if (typeof v !== 'string') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
};
const bool = (v: unknown) => v === 1 || v === true;

/** A mirrored branch row; a row pulled before the slots existed (or a bad one) reads with the default slots. */
export function branchRef(r: R): BranchRef {
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    timezone: str(r.timezone) ?? 'Asia/Seoul',
    appointmentSlots: slotsOrDefault(r.appointment_slots),
  };
}

export class MirrorReads {
  constructor(private readonly db: Database.Database) {}

  private all(sql: string, ...params: unknown[]): R[] {
    return this.db.prepare(sql).all(...params) as R[];
  }

  lines(orderId: string): OrderLine[] {
    return this.all(
      'SELECT id, item_code, item_name, quantity, weight FROM order_lines WHERE order_id = ? ORDER BY created_at, id',
      orderId,
    ).map((r) => ({
      id: String(r.id),
      itemCode: String(r.item_code),
      itemName: String(r.item_name),
      quantity: Number(r.quantity),
      weight: r.weight === null ? null : Number(r.weight),
    }));
  }

  /** The waste appliances to collect at these orders (폐가전: code, name in both languages, quantity). */
  pickupsOf(orderIds: readonly string[]): Map<string, SheetPickup[]> {
    const out = new Map<string, SheetPickup[]>();
    if (orderIds.length === 0) return out;
    const rows = this.all(
      `SELECT w.order_id, w.code, c.name_ko, c.name_en, w.quantity, w.status FROM waste_pickups w
         LEFT JOIN waste_codes c ON c.code = w.code
        WHERE w.order_id IN (SELECT value FROM json_each(?)) ORDER BY w.code`,
      JSON.stringify(orderIds),
    );
    for (const r of rows) {
      const list = out.get(String(r.order_id)) ?? [];
      list.push({
        code: String(r.code),
        nameKo: String(r.name_ko ?? r.code),
        nameEn: String(r.name_en ?? r.code),
        quantity: Number(r.quantity),
        status: String(r.status),
      });
      out.set(String(r.order_id), list);
    }
    return out;
  }

  linesOf(orderIds: readonly string[]): Map<string, OrderLine[]> {
    const out = new Map<string, OrderLine[]>();
    if (orderIds.length === 0) return out;
    const rows = this.all(
      `SELECT order_id, id, item_code, item_name, quantity, weight FROM order_lines
        WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id`,
      JSON.stringify(orderIds),
    );
    for (const r of rows) {
      const list = out.get(String(r.order_id)) ?? [];
      list.push({
        id: String(r.id),
        itemCode: String(r.item_code),
        itemName: String(r.item_name),
        quantity: Number(r.quantity),
        weight: r.weight === null ? null : Number(r.weight),
      });
      out.set(String(r.order_id), list);
    }
    return out;
  }

  detail(order: OrderRow): OrderDetail {
    const id = order.id;
    return {
      order,
      lines: this.lines(id),
      history: this.all(
        'SELECT * FROM order_status_history WHERE order_id = ? ORDER BY changed_at DESC, id DESC',
        id,
      ).map((r) => ({
        id: String(r.id),
        previousStatus: (str(r.previous_status) as OrderStatus | null) ?? null,
        newStatus: String(r.new_status) as OrderStatus,
        changedBy: str(r.changed_by),
        changedAt: String(r.changed_at),
        reasonCode: str(r.reason_code),
        notes: str(r.notes),
      })),
      appointments: this.all('SELECT * FROM appointments WHERE order_id = ? ORDER BY changed_at DESC', id).map((r) => ({
        id: String(r.id),
        oldDate: str(r.old_date),
        newDate: str(r.new_date),
        reason: str(r.reason),
        changedBy: str(r.changed_by),
        changedAt: String(r.changed_at),
      })),
      serials: this.all('SELECT * FROM serial_numbers WHERE order_id = ? ORDER BY recorded_at', id).map((r) => ({
        id: String(r.id),
        orderLineId: String(r.order_line_id),
        serial: String(r.serial),
        recordedAt: String(r.recorded_at),
      })),
      waste: this.all('SELECT * FROM waste_pickups WHERE order_id = ? ORDER BY code', id).map((r) => ({
        id: String(r.id),
        code: String(r.code),
        quantity: Number(r.quantity),
        status: String(r.status) as 'PLANNED' | 'COLLECTED' | 'REPORTED',
        collectedAt: str(r.collected_at),
        version: Number(r.version),
      })),
      // the mirror holds no users: an uploader is named when they are an installer with a login
      attachments: this.all(
        `SELECT a.*, (SELECT i.name FROM installers i WHERE i.user_id = a.uploaded_by LIMIT 1) AS uploader_name
           FROM attachments a WHERE a.order_id = ? ORDER BY a.uploaded_at, a.id`,
        id,
      ).map((r) => ({
        id: String(r.id),
        fileName: String(r.file_name),
        fileType: String(r.file_type),
        fileSize: Number(r.file_size),
        uploadedAt: String(r.uploaded_at),
        uploadedBy: str(r.uploaded_by),
        uploadedByName: str(r.uploader_name),
      })),
      splits: this.all(
        `SELECT s.*, p.order_no AS parent_no, c.order_no AS child_no FROM split_orders s
           LEFT JOIN orders p ON p.id = s.parent_order_id LEFT JOIN orders c ON c.id = s.child_order_id
          WHERE s.parent_order_id = ? OR s.child_order_id = ? ORDER BY s.created_at`,
        id,
        id,
      ).map((r) => ({
        parentOrderId: String(r.parent_order_id),
        parentOrderNo: str(r.parent_no),
        childOrderId: String(r.child_order_id),
        childOrderNo: str(r.child_no),
        lineId: String(r.line_id),
        quantity: Number(r.quantity),
        createdAt: String(r.created_at),
      })),
    };
  }

  installers(): InstallerRow[] {
    return this.all('SELECT * FROM installers ORDER BY name').map((r) => ({
      id: String(r.id),
      name: String(r.name),
      phone: str(r.phone),
      branchId: String(r.branch_id),
      partnerId: str(r.partner_id),
      skillTags: json<string[]>(r.skill_tags, []),
      regions: json<string[]>(r.regions, []),
      capacityPerDay: Number(r.capacity_per_day ?? 0),
      isActive: bool(r.is_active),
    }));
  }

  reasonCodes(): ReasonCode[] {
    return this.all('SELECT * FROM reason_codes ORDER BY code').map((r) => ({
      code: String(r.code),
      type: String(r.type) as ReasonType,
      descriptionKo: String(r.description_ko),
      descriptionEn: String(r.description_en),
      isActive: bool(r.is_active),
    }));
  }

  wasteCodes(): WasteCode[] {
    return this.all('SELECT * FROM waste_codes WHERE is_active ORDER BY code').map((r) => ({
      code: String(r.code),
      nameKo: String(r.name_ko),
      nameEn: String(r.name_en),
    }));
  }

  skillRules(): SkillRule[] {
    return this.all('SELECT * FROM item_skill_rules ORDER BY item_prefix').map((r) => ({
      itemPrefix: String(r.item_prefix),
      skillTag: String(r.skill_tag),
      skillNameKo: r.skill_name_ko == null ? null : String(r.skill_name_ko),
      skillNameEn: r.skill_name_en == null ? null : String(r.skill_name_en),
      requiresSerial: bool(r.requires_serial),
    }));
  }

  branches(): BranchRef[] {
    return this.all('SELECT id, code, name, timezone, appointment_slots FROM branches ORDER BY code').map((r) =>
      branchRef(r),
    );
  }

  names(table: 'branches' | 'partners'): Map<string, string> {
    return new Map(this.all(`SELECT id, name FROM ${table}`).map((r) => [String(r.id), String(r.name)]));
  }

  /** FR-07: pick-ups collected in [from, to] (Korean days), grouped by waste code, day or partner. */
  wasteSummary(
    args: { from: string; to: string; groupBy: 'code' | 'day' | 'partner'; branchId?: string },
    locale: 'ko' | 'en',
  ): WasteSummaryRow[] {
    const day = "date(coalesce(w.collected_at, w.created_at), '+9 hours')";
    const key = args.groupBy === 'code' ? 'w.code' : args.groupBy === 'day' ? day : "coalesce(w.partner_id, '')";
    const label =
      args.groupBy === 'code'
        ? `w.code || ' ' || coalesce(c.${locale === 'en' ? 'name_en' : 'name_ko'}, '')`
        : args.groupBy === 'day'
          ? day
          : "coalesce(p.name, '—')";
    return this.all(
      `SELECT ${key} AS k, ${label} AS label, sum(w.quantity) AS quantity, count(*) AS pickups
         FROM waste_pickups w
         LEFT JOIN waste_codes c ON c.code = w.code
         LEFT JOIN partners p ON p.id = w.partner_id
        WHERE ${day} BETWEEN ? AND ? AND (? IS NULL OR w.branch_id = ?)
        GROUP BY k ORDER BY k`,
      args.from,
      args.to,
      args.branchId ?? null,
      args.branchId ?? null,
    ).map((r) => ({
      key: String(r.k),
      label: String(r.label),
      quantity: Number(r.quantity),
      pickups: Number(r.pickups),
    }));
  }

  notifications(unreadOnly: boolean): NotificationItem[] {
    return this.all(
      `SELECT * FROM notifications ${unreadOnly ? "WHERE status = 'UNREAD'" : ''} ORDER BY created_at DESC LIMIT 300`,
    ).map((r) => ({
      id: String(r.id),
      category: String(r.category),
      orderId: str(r.order_id),
      payload: json<Record<string, unknown>>(r.payload, {}),
      status: String(r.status) as 'UNREAD' | 'READ',
      createdAt: String(r.created_at),
      version: Number(r.version ?? 1),
    }));
  }

  unreadCount(): number {
    const sql = "SELECT count(*) AS n FROM (SELECT 1 FROM notifications WHERE status = 'UNREAD' LIMIT ?)";
    return Number((this.db.prepare(sql).get(UNREAD_COUNT_LIMIT) as R).n);
  }

  markRead(id: string | undefined): void {
    if (id) this.db.prepare("UPDATE notifications SET status = 'READ' WHERE id = ?").run(id);
    else this.db.prepare("UPDATE notifications SET status = 'READ' WHERE status = 'UNREAD'").run();
  }

  settlements(branchId?: string): SettlementWeek[] {
    return this.all(
      'SELECT * FROM settlement_periods WHERE (? IS NULL OR branch_id = ?) ORDER BY period_start DESC LIMIT 60',
      branchId ?? null,
      branchId ?? null,
    ).map(toWeek);
  }
}

export function toWeek(r: R): SettlementWeek {
  const g = (snake: string, camel: string) => r[camel] ?? r[snake];
  return {
    id: String(r.id),
    branchId: String(g('branch_id', 'branchId') ?? ''),
    periodStart: String(g('period_start', 'periodStart')),
    periodEnd: String(g('period_end', 'periodEnd')),
    status: String(r.status) as 'OPEN' | 'LOCKED',
    lockedAt: str(g('locked_at', 'lockedAt')),
    unlockedAt: str(g('unlocked_at', 'unlockedAt')),
    version: Number(r.version),
  };
}
