// FR-11 notifications. Events call notify(tx, …) — or one of the event helpers below — inside the transaction of
// the change they report, so a notification exists exactly when its change committed. Texts are not stored: the
// payload keeps the facts (order number, reason code with both labels, dates) and each reader gets them rendered
// in their language (the list in the request's, the e-mail in the user's own).
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { type OrderStatus, statusRule } from '../../domain/order-status.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { type Locale, t } from '../i18n/index.js';
import { announce } from './notification-bus.js';
import * as repo from './notifications.repository.js';
import {
  NOTIFICATION_CATEGORIES,
  type NotificationCategory,
  type NotificationRecord,
} from './notifications.repository.js';

export { NOTIFICATION_CATEGORIES, type NotificationCategory };

export interface NotificationInput {
  /** recipients; duplicates are dropped */
  userIds: readonly (string | null | undefined)[];
  category: NotificationCategory;
  orderId?: string | null;
  /** the facts the texts are rendered from (JSON) */
  payload?: Record<string, unknown>;
  /** also notify the user whose transaction this is (default false: nobody is told what they just did) */
  includeActor?: boolean;
}

/**
 * Creates one notification per recipient in the caller's transaction and announces them to the live streams of
 * every server instance once (and only if) that transaction commits. Returns the new ids.
 */
export async function notify(tx: Tx, input: NotificationInput): Promise<string[]> {
  let userIds = [...new Set(input.userIds.filter((u): u is string => typeof u === 'string' && u !== ''))];
  if (!input.includeActor && userIds.length) {
    const { rows } = await tx.query<{ id: string | null }>('SELECT app_user_id() AS id');
    const actorId = rows[0]?.id;
    userIds = userIds.filter((u) => u !== actorId);
  }
  if (userIds.length === 0) return [];
  const rows = userIds.map((userId) => ({ id: uuidv7(), userId }));
  await repo.insertNotifications(tx, rows, {
    category: input.category,
    orderId: input.orderId ?? null,
    payload: input.payload ?? {},
  });
  await announce(tx, rows);
  return rows.map((r) => r.id);
}

// ── event helpers (called by the order, settlement and sync services) ──────────────────────────────────────

/** The facts of an order the event helpers need (the orders service's Order has them all). */
export interface OrderFacts {
  id: string;
  orderNo: string;
  branchId: string;
  partnerId: string | null;
  installerId: string | null;
  appointmentDate: string | null;
  status: OrderStatus;
}

/** An order was assigned (배정): the installer's login and the coordinators of the order's partner. */
export async function notifyOrderAssigned(tx: Tx, order: OrderFacts): Promise<string[]> {
  if (!order.installerId) return [];
  const installer = await repo.installerLogin(tx, order.installerId);
  const coordinators = order.partnerId
    ? await repo.usersOfPartnerWithRole(tx, order.partnerId, 'PARTNER_COORDINATOR')
    : [];
  return notify(tx, {
    userIds: [installer?.userId, ...coordinators],
    category: 'ASSIGNMENT',
    orderId: order.id,
    payload: {
      orderNo: order.orderNo,
      installerId: order.installerId,
      installerName: installer?.name ?? '',
      appointmentDate: order.appointmentDate ?? '',
    },
  });
}

/**
 * An order's status changed. The statuses whose rule names a notice (domain/order-status.ts: 부재, 연기, 취소,
 * 의뢰취소) tell the branch managers of the order's branch; other statuses notify nobody (returns []). `order`
 * is the order after the change.
 */
export async function notifyOrderStatusChanged(
  tx: Tx,
  order: OrderFacts,
  change: { from: OrderStatus; reasonCode?: string | null },
): Promise<string[]> {
  const category: NotificationCategory | undefined = statusRule(order.status).notice;
  if (!category || change.from === order.status) return [];
  const reason = change.reasonCode ? await repo.reasonLabels(tx, change.reasonCode) : undefined;
  return notify(tx, {
    userIds: await repo.usersOfBranchWithRole(tx, order.branchId, 'BRANCH_MANAGER'),
    category,
    orderId: order.id,
    payload: {
      orderNo: order.orderNo,
      status: order.status,
      previousStatus: change.from,
      reasonCode: change.reasonCode ?? null,
      reasonKo: reason?.ko ?? null,
      reasonEn: reason?.en ?? null,
      appointmentDate: order.appointmentDate ?? '',
    },
  });
}

/** A settlement week was locked or unlocked: every active user of its branch. */
export async function notifySettlementChanged(
  tx: Tx,
  period: { id: string; branchId: string; periodStart: string; periodEnd: string },
  event: 'LOCKED' | 'UNLOCKED',
): Promise<string[]> {
  return notify(tx, {
    userIds: await repo.usersOfBranch(tx, period.branchId),
    category: event === 'LOCKED' ? 'SETTLEMENT_LOCK' : 'SETTLEMENT_UNLOCK',
    payload: {
      periodId: period.id,
      branchId: period.branchId,
      branchName: (await repo.branchName(tx, period.branchId)) ?? '',
      periodStart: period.periodStart,
      periodEnd: period.periodEnd,
    },
  });
}

/**
 * FOR THE SYNC ENGINE: a pushed op of `userId` ended in CONFLICT. Call it in the transaction that records the
 * op's answer; the user is told even though it is their own transaction.
 */
export async function notifySyncConflict(
  tx: Tx,
  conflict: { userId: string; opId: string; entity: string; entityId: string; kind: string; orderId?: string | null },
): Promise<string[]> {
  return notify(tx, {
    userIds: [conflict.userId],
    category: 'SYNC_CONFLICT',
    orderId: conflict.orderId ?? (conflict.entity === 'orders' ? conflict.entityId : null),
    payload: { opId: conflict.opId, entity: conflict.entity, entityId: conflict.entityId, kind: conflict.kind },
    includeActor: true,
  });
}

// ── reading ────────────────────────────────────────────────────────────────────────────────────────────────

export interface NotificationView {
  id: string;
  category: NotificationCategory;
  orderId: string | null;
  payload: Record<string, unknown>;
  status: 'UNREAD' | 'READ';
  readAt: string | null;
  createdAt: string;
  version: number;
  /** rendered in the reader's language */
  title: string;
  message: string;
}

function textParams(payload: Record<string, unknown>, locale: Locale): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (typeof v === 'string' || typeof v === 'number') params[k] = v;
  }
  const label = locale === 'ko' ? payload.reasonKo : payload.reasonEn;
  params.reason = [payload.reasonCode, label].filter((x) => typeof x === 'string' && x).join(' ') || '—';
  return params;
}

export function renderNotification(n: Pick<NotificationRecord, 'category' | 'payload'>, locale: Locale) {
  const params = textParams(n.payload, locale);
  return {
    title: t(locale, `notifications.${n.category}.title`, params),
    message: t(locale, `notifications.${n.category}.body`, params),
  };
}

export function toView(n: NotificationRecord, locale: Locale): NotificationView {
  return {
    id: n.id,
    category: n.category,
    orderId: n.orderId,
    payload: n.payload,
    status: n.status,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdKey,
    version: n.version,
    ...renderNotification(n, locale),
  };
}

export const MAX_PAGE = 100;

export const notificationListQuery = z
  .object({
    status: z.enum(['UNREAD', 'READ']).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

export const notificationReadBody = z.object({ version: z.number().int().positive() }).strict();
export const notificationReadAllBody = z
  .object({
    /** only those created up to this moment (what the user saw), default now */
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

function encodeCursor(p: repo.ListPosition): string {
  return Buffer.from(JSON.stringify({ k: p.createdKey, i: p.id })).toString('base64url');
}

function decodeCursor(cursor: string): repo.ListPosition {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; i?: unknown };
    if (
      typeof v.k === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(v.k) &&
      typeof v.i === 'string' &&
      z.uuid().safeParse(v.i).success
    ) {
      return { createdKey: v.k, id: v.i };
    }
  } catch {
    // the 400 below
  }
  throw new ValidationError('cursor', 'errors.badCursor');
}

export interface NotificationPage {
  items: NotificationView[];
  /** pass as `cursor` for the next (older) page; null on the last page */
  nextCursor: string | null;
  unreadCount: number;
}

/** GET /api/notifications?status&limit&cursor — the caller's own, newest first. */
export async function listNotifications(
  tx: Tx,
  actor: Actor,
  query: unknown,
  locale: Locale,
): Promise<NotificationPage> {
  authorize(actor, 'notifications.read');
  const q = parse(notificationListQuery, query);
  const rows = await repo.listForUser(tx, actor.userId, {
    status: q.status,
    before: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((n) => toView(n, locale)),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
    unreadCount: await repo.countUnread(tx, actor.userId),
  };
}

/** POST /api/notifications/:id/read {version}. Reading one that is already read changes nothing and is fine. */
export async function markNotificationRead(
  tx: Tx,
  actor: Actor,
  id: unknown,
  body: unknown,
  locale: Locale,
): Promise<NotificationView> {
  authorize(actor, 'notifications.read');
  const notificationId = parseId(id);
  const input = parse(notificationReadBody, body);
  const [current] = await repo.findForUser(tx, actor.userId, [notificationId], { lock: true });
  if (!current) throw new NotFoundError('notification');
  if (current.status === 'READ') return toView(current, locale);
  if (current.version !== input.version) throw new VersionConflictError(toView(current, locale));
  return toView((await repo.markRead(tx, current.id, input.version))!, locale);
}

/**
 * POST /api/notifications/read-all {until?}. A bulk change of the caller's own rows: it takes no version (there is
 * no single row to hold one); `until` keeps notifications that arrived after the user looked unread.
 */
export async function markAllNotificationsRead(tx: Tx, actor: Actor, body: unknown) {
  authorize(actor, 'notifications.read');
  const input = parse(notificationReadAllBody, body ?? {});
  const updated = await repo.markAllRead(tx, actor.userId, input.until ?? null);
  return { updated, unreadCount: await repo.countUnread(tx, actor.userId) };
}

/** The caller's notifications by id (the SSE hub reads what it was told about). */
export function findOwnNotifications(tx: Tx, userId: string, ids: string[]): Promise<NotificationRecord[]> {
  return repo.findForUser(tx, userId, ids);
}

/** The caller's notifications after `lastId` (SSE reconnect with Last-Event-ID). */
export function notificationsAfter(tx: Tx, userId: string, lastId: string, limit: number) {
  return repo.listAfter(tx, userId, lastId, limit);
}

export function unreadCount(tx: Tx, userId: string): Promise<number> {
  return repo.countUnread(tx, userId);
}
