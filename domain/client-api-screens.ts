// Channels the client's screens need beyond auth/orders/sync: order detail and its sub-records, lookups, printing,
// Excel, per-user preferences and the head-office reports. Spread into `clientApi` (client-api.ts), so preload,
// IPC registration and the browser shell's HTTP transport pick them up like every other channel.
import { z } from 'zod';
import { type AppointmentSlot, appointmentSlots } from './appointment-slots.js';
import { attachmentNameAllowed, base64Bytes, MAX_ATTACHMENT_BYTES } from './attachments.js';
import { type GridViews, gridViewName, gridViewState, type SavedGridView } from './grid-view.js';
import { type HappyCallOutcome, happyCallOutcome } from './happy-calls.js';
import {
  NOTICE_EVENTS,
  type NoticeBranchPhone,
  type NoticeTemplateItem,
  noticeFilters,
  type OrderNoticeItem,
} from './notices.js';
import { serialValue } from './order-parts.js';
import type { OrderRow } from './order-row.js';
import { isoDate, timeWindow, uuid, version } from './order-schemas.js';
import type { OrderStatus, ReasonType } from './order-status.js';
import { orderColumnKey, orderViewSpec } from './order-view.js';
import { syncWindowMonths } from './sync-protocol.js';

function result<T>() {
  return undefined as unknown as T;
}
const none = z.object({}).strict();

export interface InstallerRow {
  id: string;
  name: string;
  phone: string | null;
  branchId: string;
  partnerId: string | null;
  skillTags: string[];
  regions: string[];
  capacityPerDay: number;
  isActive: boolean;
}
export interface ReasonCode {
  code: string;
  type: ReasonType;
  descriptionKo: string;
  descriptionEn: string;
  isActive: boolean;
}
export interface WasteCode {
  code: string;
  nameKo: string;
  nameEn: string;
}
/** Item-code prefix → the installer skill it needs (longest prefix wins); some items need serials on delivery. */
export interface SkillRule {
  itemPrefix: string;
  skillTag: string;
  /** the skill as the clerk reads it (reference data; null: not named yet, the tag shows) */
  skillNameKo: string | null;
  skillNameEn: string | null;
  requiresSerial: boolean;
}
/** A branch as the client shows it, with the slots its orders' time windows are chosen from. */
export interface BranchRef {
  id: string;
  code: string;
  name: string;
  timezone: string;
  appointmentSlots: AppointmentSlot[];
}
/** A branch as HQ edits its slots: the head office's row, at its version. */
export interface BranchSlotsItem extends BranchRef {
  version: number;
}

export interface OrderLine {
  id: string;
  itemCode: string;
  itemName: string;
  quantity: number;
  weight: number | null;
}
export interface StatusHistoryEntry {
  id: string;
  previousStatus: OrderStatus | null;
  newStatus: OrderStatus;
  changedBy: string | null;
  changedAt: string;
  reasonCode: string | null;
  notes: string | null;
}
export interface AppointmentEntry {
  id: string;
  oldDate: string | null;
  newDate: string | null;
  reason: string | null;
  changedBy: string | null;
  changedAt: string;
}
export interface SerialEntry {
  id: string;
  orderLineId: string;
  serial: string;
  recordedAt: string;
}
export interface WastePickup {
  id: string;
  code: string;
  quantity: number;
  status: 'PLANNED' | 'COLLECTED' | 'REPORTED';
  collectedAt: string | null;
  version: number;
}
export interface AttachmentMeta {
  id: string;
  fileName: string;
  fileType: string;
  fileSize: number;
  uploadedAt: string;
  /** the user id; the name when the mirror knows it (oneself, or an installer's login) */
  uploadedBy: string | null;
  uploadedByName: string | null;
}
export interface SplitLink {
  parentOrderId: string;
  parentOrderNo: string | null;
  childOrderId: string;
  childOrderNo: string | null;
  lineId: string;
  quantity: number;
  createdAt: string;
}
export interface OrderDetail {
  order: OrderRow;
  lines: OrderLine[];
  history: StatusHistoryEntry[];
  appointments: AppointmentEntry[];
  serials: SerialEntry[];
  waste: WastePickup[];
  attachments: AttachmentMeta[];
  /** the split family: the links where this order is parent or child */
  splits: SplitLink[];
}

/** A file produced by main (xlsx, pdf), fetched or saved by the shell that asked for it. */
export interface FileRef {
  fileId: string;
  fileName: string;
  mimeType: string;
  bytes: number;
}

/** The daily assignment sheet of one installer: what print preview shows and what the PDF contains. */
/** A waste appliance to collect at an order (폐가전), as the assignment sheet prints it. */
export interface SheetPickup {
  code: string;
  nameKo: string;
  nameEn: string;
  quantity: number;
  status: string;
}

/** One order on an installer's sheet: everything the installer needs at the door, in visiting order. */
export interface SheetOrder {
  id: string;
  orderNo: string;
  customerName: string;
  customerPhone: string | null;
  customerPhone2: string | null;
  /** city, street and detail */
  address: string;
  /** the city and street only, for the day's list of stops */
  shortAddress: string;
  timeWindow: string;
  items: Array<{ itemCode: string; itemName: string; quantity: number; requiresSerial: boolean }>;
  pickups: SheetPickup[];
  remarks: string | null;
  status: OrderStatus;
}

export interface AssignmentSheet {
  date: string;
  installer: { id: string; name: string; phone: string | null; partnerName: string | null };
  branchName: string | null;
  orders: SheetOrder[];
  generatedAt: string;
}

export const IMPORT_FIELDS = [
  'orderNo',
  'customerName',
  'customerPhone',
  'addressLine1',
  'addressLine2',
  'city',
  'postal',
  'vendor',
  'appointmentDate',
  'appointmentTimeWindow',
  'promisedDate',
  'remarks',
  'itemCode',
  'itemName',
  'quantity',
  'weight',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
/** Sheet header text → order field; one preset per vendor. */
export const columnMapping = z.partialRecord(z.enum(IMPORT_FIELDS), z.string().min(1).max(100));
export type ColumnMapping = z.infer<typeof columnMapping>;

/**
 * What a vendor sheet may be: checked on the zip before anything parses it (main/excel/xlsx-guard.ts), and the
 * file size also in the dialog before it is read. A vendor's day is a few thousand rows of 15–30 columns.
 */
export const IMPORT_LIMITS = {
  fileBytes: 20 * 1024 * 1024,
  /** everything in the zip, inflated: sheet XML, shared strings, styles */
  unzippedBytes: 200 * 1024 * 1024,
  rows: 50_000,
  columns: 200,
  /** files in the zip (a workbook has a few dozen) */
  entries: 2_000,
} as const;

export interface RowError {
  /** 1-based sheet row number, as Excel shows it */
  row: number;
  column: string;
  message: string;
}
export interface ImportSheet {
  name: string;
  /** data rows below its header row */
  rows: number;
}
export interface ImportPreview {
  kind: 'vendor' | 'reimport';
  /** the workbook's visible sheets; `sheet` is the one read (the one with orders, unless the clerk chose) */
  sheets: ImportSheet[];
  sheet: string;
  /** 1-based row of the sheet's header row (title rows above it are skipped) */
  headerRow: number;
  headers: string[];
  /** headers of columns hidden in the sheet: offered, never guessed */
  hiddenHeaders: string[];
  mapping: ColumnMapping;
  /** the vendor whose saved mapping was applied (found by the vendor's name or by the sheet's header texts) */
  preset: string | null;
  /** the first rows as mapped, for the clerk to check the mapping */
  sample: Array<Record<string, string>>;
  rowCount: number;
  /** how many orders the rows make (several rows with one order_no are one order with several lines) */
  orderCount: number;
  errors: RowError[];
  /** what was changed or skipped on the way (a phone's lost leading 0, a totals row): shown, never blocking */
  warnings: RowError[];
  /** re-import of an exported sheet: rows whose order changed at head office since the export */
  conflicts: ImportConflict[];
  /** re-import: rows with edited cells and no conflict */
  updates: number;
}
export interface ImportConflict {
  row: number;
  orderId: string;
  orderNo: string;
  exportedVersion: number;
  currentVersion: number;
  fields: Array<{ field: string; sheet: string; current: string }>;
}
export interface ImportResult {
  created: number;
  updated: number;
  /** rows that went to the outbox because the head office was unreachable */
  queued: number;
  errors: RowError[];
  warnings: RowError[];
  conflicts: ImportConflict[];
}

export interface MappingPreset {
  vendor: string;
  mapping: ColumnMapping;
  /** the header texts of the sheet it was saved from: a later sheet with the same headers is the same vendor's */
  headers?: string[];
  updatedAt: string;
}

export interface WasteSummaryRow {
  key: string;
  label: string;
  quantity: number;
  pickups: number;
}
export interface NotificationItem {
  id: string;
  category: string;
  orderId: string | null;
  payload: Record<string, unknown>;
  status: 'UNREAD' | 'READ';
  createdAt: string;
  version: number;
}
export interface SettlementWeek {
  id: string;
  branchId: string;
  periodStart: string;
  periodEnd: string;
  status: 'OPEN' | 'LOCKED';
  lockedAt: string | null;
  unlockedAt: string | null;
  version: number;
}
export interface ExportJob {
  id: string;
  type: 'orders' | 'waste' | 'ecoas' | 'settlement' | 'audit';
  status: 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED';
  rowCount: number | null;
  /** rows written of the file's total (null: not counted), while RUNNING and once DONE (GET /api/exports) */
  progress: { done: number; total: number | null } | null;
  lastError: string | null;
  createdAt: string;
  expiresAt: string | null;
}

const base64File = z
  .string()
  .min(1)
  .max(40 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/=\s]+$/, 'not base64');
const vendorName = z.string().trim().min(1).max(80);
/** Excel allows 31 characters in a sheet name */
const sheetName = z.string().min(1).max(31);

/** An attachment's bytes as base64: the size is checked first, so a large file is refused for what it is. */
const attachmentFile = z.string().superRefine((s, ctx) => {
  if (s.length === 0) ctx.addIssue({ code: 'custom', message: 'no file content' });
  else if (base64Bytes(s) > MAX_ATTACHMENT_BYTES)
    ctx.addIssue({
      code: 'custom',
      message: `larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB, the limit for attachments`,
      params: { maxBytes: MAX_ATTACHMENT_BYTES },
    });
  else if (!/^[A-Za-z0-9+/=\s]+$/.test(s)) ctx.addIssue({ code: 'custom', message: 'not base64' });
});
const attachmentName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine(attachmentNameAllowed, 'only images (JPEG, PNG, WebP, HEIC) and PDF may be attached');

/** What the shell tells the UI about itself. */
/** Long work in the services worker, reported as it goes (ClientEvent 'progress'). */
export type TaskKind = 'import' | 'export' | 'print';
export type TaskStep = 'reading' | 'checking' | 'writing' | 'done';
export interface TaskProgress {
  task: TaskKind;
  step: TaskStep;
  /** rows (or pages) of this step done, of its total */
  done: number;
  total: number;
  /** the whole task, 0..100 */
  percent: number;
}

export interface AppInfo {
  shell: 'electron' | 'browser';
  version: string;
  /** the head office the shell was started against (pre-filled on the login form) */
  defaultServerUrl: string | null;
}

/** A recorded 해피콜 as the client's copy has it (pending: recorded here, not yet at the head office). */
export interface HappyCallView {
  id: string;
  outcome: HappyCallOutcome;
  attempt: number;
  calledAt: string;
  timeWindow: { start: string; end: string } | null;
  note: string | null;
  calledByName: string | null;
  pending: boolean;
}

/** One order of the 해피콜 list: the order as the grid has it, its pick-ups and its calls (newest last). */
export interface HappyCallRow {
  order: OrderRow;
  pickups: SheetPickup[];
  calls: HappyCallView[];
}

const happyCallDay = z.object({ date: isoDate }).strict();

/**
 * An order outside the client's window (issue 16, docs/sync-protocol.md "The window"), as the head office answered
 * a search or a customer's history: shown, never stored in the copy.
 */
export interface OlderOrder {
  id: string;
  orderNo: string;
  status: OrderStatus;
  customerName: string;
  customerPhone: string | null;
  address: unknown;
  appointmentDate: string | null;
  createdAt: string;
  /** the lines in one text, as the head office summarises them */
  items: string;
}

/** `available: false`: the head office cannot be reached — older orders are not kept on this PC. */
export interface OlderOrders {
  available: boolean;
  items: OlderOrder[];
}

/** The window the copy holds: its months (the setting) and the bound of the last pull (null before one). */
export interface SyncWindowSetting {
  months: number;
  from: string | null;
}

/** What to look for among the orders outside the window: the grid's search text, or a customer (FR-16). */
const olderOrdersQuery = z
  .object({
    text: z.string().trim().min(1).max(100).optional(),
    name: z.string().trim().min(1).max(120).optional(),
    phone: z.string().trim().min(1).max(40).optional(),
  })
  .strict()
  .refine((q) => [q.text, q.name, q.phone].filter((v) => v !== undefined).length === 1, {
    message: 'one of text, name, phone',
    path: ['text'],
  });

export const screenChannels = {
  'app:info': { args: none, result: result<AppInfo>() },

  /** orders outside the window, asked of the head office (online only; offline: `available: false`) */
  'older:search': { args: olderOrdersQuery, result: result<OlderOrders>() },
  /** the window's months: read, or set (1–60; the next pull asks for it) */
  'settings:syncWindow': {
    args: z.object({ months: syncWindowMonths.optional() }).strict(),
    result: result<SyncWindowSetting>(),
  },

  'detail:get': { args: z.object({ id: uuid }).strict(), result: result<OrderDetail>() },
  'detail:split': {
    args: z
      .object({
        id: uuid,
        version,
        lines: z
          .array(z.object({ lineId: uuid, quantity: z.number().int().positive() }).strict())
          .min(1)
          .max(200),
      })
      .strict(),
    result: result<OrderRow>(),
  },
  'detail:serials': {
    args: z
      .object({
        id: uuid,
        lineId: uuid,
        // the REST body's own element and count rules (serialsAdd), so the screen and the head office agree
        serials: z.array(serialValue).min(1).max(500),
      })
      .strict(),
    result: result<OrderDetail>(),
  },
  'detail:waste': {
    args: z
      .object({
        id: uuid,
        code: z.string().regex(/^[A-Z][0-9]{2,3}$/),
        quantity: z.number().int().positive().max(999),
      })
      .strict(),
    result: result<OrderDetail>(),
  },
  /** a pick-up's code, quantity or status; `version` is the pick-up's */
  'detail:wasteEdit': {
    args: z
      .object({
        wasteId: uuid,
        version,
        code: z
          .string()
          .regex(/^[A-Z][0-9]{2,3}$/)
          .optional(),
        quantity: z.number().int().positive().max(999).optional(),
        status: z.enum(['PLANNED', 'COLLECTED', 'REPORTED']).optional(),
      })
      .strict(),
    result: result<OrderDetail>(),
  },
  'detail:wasteRemove': {
    args: z.object({ wasteId: uuid, version }).strict(),
    result: result<OrderDetail>(),
  },

  /** Online only (files up to 20 MB do not go through the outbox); the head office sniffs the content. */
  'attachments:upload': {
    args: z.object({ orderId: uuid, fileName: attachmentName, file: attachmentFile }).strict(),
    result: result<OrderDetail>(),
  },
  /** Fetches the file from the head office into the client's file store, to preview or save. */
  'attachments:open': { args: z.object({ orderId: uuid, attachmentId: uuid }).strict(), result: result<FileRef>() },
  'attachments:delete': {
    args: z.object({ orderId: uuid, attachmentId: uuid }).strict(),
    result: result<OrderDetail>(),
  },

  /** 해피콜: the day's assigned orders of the caller's scope (from the mirror: works offline), in the list's order */
  'happycalls:list': { args: happyCallDay, result: result<HappyCallRow[]>() },
  /**
   * Records an outcome through the outbox (happycall.record). It changes nothing of the order: the screen moves
   * the window first through orders:appointment, and 연기 / 취소 through orders:status (the drawer's form).
   */
  'happycalls:record': {
    args: z
      .object({
        id: uuid,
        outcome: happyCallOutcome,
        /** 확인 at another time: the window the customer agreed to, kept with the call */
        timeWindow: timeWindow.optional(),
        note: z.string().trim().max(500).optional(),
      })
      .strict(),
    result: result<HappyCallRow>(),
  },
  'happycalls:pdf': { args: happyCallDay, result: result<FileRef>() },
  'happycalls:xlsx': { args: happyCallDay, result: result<FileRef & { rows: number }>() },

  'lookups:installers': { args: none, result: result<InstallerRow[]>() },
  'lookups:reasonCodes': { args: none, result: result<ReasonCode[]>() },
  'lookups:wasteCodes': { args: none, result: result<WasteCode[]>() },
  'lookups:skillRules': { args: none, result: result<SkillRule[]>() },
  'lookups:branches': { args: none, result: result<BranchRef[]>() },

  'print:sheets': {
    args: z.object({ date: isoDate, installerIds: z.array(uuid).max(500).optional() }).strict(),
    result: result<AssignmentSheet[]>(),
  },
  'print:pdf': {
    args: z.object({ date: isoDate, installerIds: z.array(uuid).max(500).optional() }).strict(),
    result: result<FileRef>(),
  },

  'excel:export': {
    args: z
      .object({
        view: orderViewSpec,
        columns: z.array(orderColumnKey).min(1),
        headers: z.partialRecord(orderColumnKey, z.string().max(100)).optional(),
      })
      .strict(),
    result: result<FileRef & { rows: number }>(),
  },
  'excel:importPreview': {
    args: z
      .object({
        file: base64File,
        vendor: vendorName.optional(),
        sheet: sheetName.optional(),
        mapping: columnMapping.optional(),
      })
      .strict(),
    result: result<ImportPreview>(),
  },
  'excel:importCommit': {
    args: z
      // a vendor sheet needs its vendor (the service says so, naming the field); a re-import of an export has none
      .object({
        file: base64File,
        vendor: vendorName.optional(),
        sheet: sheetName.optional(),
        mapping: columnMapping.optional(),
      })
      .strict(),
    result: result<ImportResult>(),
  },
  'excel:presets': { args: none, result: result<MappingPreset[]>() },
  'excel:savePreset': {
    args: z
      .object({ vendor: vendorName, mapping: columnMapping, headers: z.array(z.string().max(100)).max(200).optional() })
      .strict(),
    result: result<null>(),
  },

  /** Electron only: a save dialog for a produced file (the browser shell downloads it over HTTP instead). */
  'files:save': { args: z.object({ fileId: uuid }).strict(), result: result<{ savedTo: string | null }>() },

  'prefs:get': {
    args: z.object({ key: z.string().regex(/^[a-z][a-zA-Z0-9.:-]{0,80}$/) }).strict(),
    result: result<unknown>(),
  },
  'prefs:set': {
    args: z
      .object({
        key: z.string().regex(/^[a-z][a-zA-Z0-9.:-]{0,80}$/),
        value: z.json().refine((v) => JSON.stringify(v).length <= 64_000, 'value too large'),
      })
      .strict(),
    result: result<null>(),
  },

  /** The orders grid's saved views (per user, on this PC) and the view the clerk left the grid in. */
  'views:list': { args: none, result: result<GridViews>() },
  'views:save': {
    args: z.object({ name: gridViewName, view: gridViewState }).strict(),
    result: result<SavedGridView[]>(),
  },
  'views:delete': { args: z.object({ name: gridViewName }).strict(), result: result<SavedGridView[]>() },
  /** Remembers the grid's current view, restored when the clerk signs in next. */
  'views:remember': {
    args: z.object({ name: gridViewName.nullable(), view: gridViewState }).strict(),
    result: result<null>(),
  },

  'waste:summary': {
    args: z
      .object({ from: isoDate, to: isoDate, groupBy: z.enum(['code', 'day', 'partner']), branchId: uuid.optional() })
      .strict(),
    result: result<WasteSummaryRow[]>(),
  },
  'waste:ecoas': {
    args: z.object({ month: z.string().regex(/^[0-9]{4}-[0-9]{2}$/), format: z.enum(['xlsx', 'csv']) }).strict(),
    result: result<FileRef>(),
  },
  'notifications:list': {
    args: z.object({ unreadOnly: z.boolean().optional() }).strict(),
    result: result<NotificationItem[]>(),
  },
  /** one notification (its id and version), or all of them (no id) */
  'notifications:read': {
    args: z
      .object({ id: uuid.optional(), version: version.optional() })
      .strict()
      .refine((a) => !a.id || a.version, { message: 'version is required with id', path: ['version'] }),
    result: result<null>(),
  },
  'settlements:list': { args: z.object({ branchId: uuid.optional() }).strict(), result: result<SettlementWeek[]>() },
  'settlements:lock': { args: z.object({ id: uuid, version }).strict(), result: result<SettlementWeek>() },
  'settlements:unlock': { args: z.object({ id: uuid, version }).strict(), result: result<SettlementWeek>() },
  'exports:list': { args: none, result: result<ExportJob[]>() },
  'exports:create': {
    args: z
      .object({
        type: z.enum(['orders', 'waste', 'ecoas', 'settlement', 'audit']),
        filters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      })
      .strict(),
    result: result<ExportJob>(),
  },
  'exports:download': { args: z.object({ id: uuid }).strict(), result: result<FileRef>() },
  /** the customer notices of one order (online only: the head office keeps them, the mirror does not) */
  'notices:order': { args: z.object({ orderId: uuid }).strict(), result: result<OrderNoticeItem[]>() },
  /** the head office's notice list with its filters, newest first (one page of 200) */
  'notices:list': { args: noticeFilters, result: result<OrderNoticeItem[]>() },
  /** the notice templates, one per event (HQ edits them) */
  'notices:templates': { args: none, result: result<NoticeTemplateItem[]>() },
  /**
   * HQ saves a template. The texts are only bounded here: the head office checks their variables and answers
   * 400 naming the field (body, smsBody, kakaoTemplateId), which the screen shows next to it.
   */
  'notices:template-save': {
    args: z
      .object({
        event: z.enum(NOTICE_EVENTS),
        version: z.number().int().positive(),
        kakaoTemplateId: z.string().max(200),
        body: z.string().max(5000),
        smsBody: z.string().max(5000).nullable(),
      })
      .strict(),
    result: result<NoticeTemplateItem>(),
  },
  /** the active branches with their appointment slots, as the head office has them (HQ edits them; online) */
  'slots:branches': { args: none, result: result<BranchSlotsItem[]>() },
  /**
   * HQ replaces a branch's slots, in the order clerks see them; checked by the head office's own rule
   * (domain/appointment-slots.ts) before anything is sent, the field named (slots.<row>.<field>). The branch PCs
   * receive them with their next pull, like all reference data.
   */
  'slots:save': {
    args: z.object({ branchId: uuid, version, slots: appointmentSlots }).strict(),
    result: result<BranchSlotsItem>(),
  },
  /** the branches' numbers for #{지점전화} */
  'notices:branch-phones': { args: none, result: result<NoticeBranchPhone[]>() },
  'notices:branch-phone-save': {
    args: z.object({ branchId: uuid, phone: z.string().max(60) }).strict(),
    result: result<NoticeBranchPhone>(),
  },
} as const;
