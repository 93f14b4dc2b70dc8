import { UNREAD_COUNT_LIMIT } from '../../domain/notifications.js';
import type { Tx } from '../db/transaction.js';
import type { Locale } from '../i18n/index.js';

export const NOTIFICATION_CATEGORIES = [
  'ASSIGNMENT',
  'ABSENCE',
  'POSTPONE',
  'CANCEL',
  'SETTLEMENT_LOCK',
  'SETTLEMENT_UNLOCK',
  'SYNC_CONFLICT',
  /** a customer notice (알림톡/SMS) could not be sent: the branch managers (server/notices) */
  'NOTICE_FAILED',
] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

export interface NotificationRecord {
  id: string;
  userId: string;
  category: NotificationCategory;
  orderId: string | null;
  payload: Record<string, unknown>;
  status: 'UNREAD' | 'READ';
  readAt: Date | null;
  emailedAt: Date | null;
  version: number;
  createdAt: Date;
  /** created_at to the microsecond, for keyset cursors (a JS Date keeps milliseconds only) */
  createdKey: string;
}

const COLUMNS = `n.id, n.user_id AS "userId", n.category, n.order_id AS "orderId", n.payload, n.status,
  n.read_at AS "readAt", n.emailed_at AS "emailedAt", n.version, n.created_at AS "createdAt",
  to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey"`;

export interface NewNotification {
  id: string;
  userId: string;
}

/**
 * One row per recipient. No RETURNING: the writer usually may not read the rows it creates for others (the
 * notifications policies let a user read only their own), so the ids come from the caller.
 */
export async function insertNotifications(
  tx: Tx,
  rows: NewNotification[],
  n: { category: NotificationCategory; orderId: string | null; payload: Record<string, unknown> },
): Promise<void> {
  await tx.query(
    `INSERT INTO notifications(id, user_id, category, order_id, payload)
     SELECT x.id, x.user_id, $3, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS x(id, user_id)`,
    [rows.map((r) => r.id), rows.map((r) => r.userId), n.category, n.orderId, JSON.stringify(n.payload)],
  );
}

export interface ListPosition {
  createdKey: string;
  id: string;
}

/** The user's notifications, newest first, after `before` (keyset); reads idx_notifications_user_read_date. */
export async function listForUser(
  tx: Tx,
  userId: string,
  q: { status?: 'UNREAD' | 'READ'; before?: ListPosition; limit: number },
): Promise<NotificationRecord[]> {
  const params: unknown[] = [userId, q.limit];
  const where = ['n.user_id = $1'];
  if (q.status) {
    params.push(q.status);
    where.push(`n.status = $${params.length}`);
  }
  if (q.before) {
    params.push(q.before.createdKey, q.before.id);
    where.push(`(n.created_at, n.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const { rows } = await tx.query<NotificationRecord>(
    `SELECT ${COLUMNS} FROM notifications n WHERE ${where.join(' AND ')}
      ORDER BY n.created_at DESC, n.id DESC LIMIT $2`,
    params,
  );
  return rows;
}

/** The user's notifications created after the one with id `afterId` (oldest first), for an SSE reconnect. */
export async function listAfter(tx: Tx, userId: string, afterId: string, limit: number): Promise<NotificationRecord[]> {
  const { rows } = await tx.query<NotificationRecord>(
    `SELECT ${COLUMNS} FROM notifications n, notifications last
      WHERE last.id = $2 AND last.user_id = $1 AND n.user_id = $1
        AND (n.created_at, n.id) > (last.created_at, last.id)
      ORDER BY n.created_at, n.id LIMIT $3`,
    [userId, afterId, limit],
  );
  return rows;
}

/** The user's unread notifications, counted up to UNREAD_COUNT_LIMIT (domain/notifications.ts). */
export async function countUnread(tx: Tx, userId: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n
       FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND status = 'UNREAD' LIMIT $2) u`,
    [userId, UNREAD_COUNT_LIMIT],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Notifications of `userId` by id. The user filter is explicit because HQ's policy reaches every row: HQ sees
 * only its own notifications through this API, like everyone else.
 */
export async function findForUser(
  tx: Tx,
  userId: string,
  ids: string[],
  opts: { lock?: boolean } = {},
): Promise<NotificationRecord[]> {
  const { rows } = await tx.query<NotificationRecord>(
    `SELECT ${COLUMNS} FROM notifications n WHERE n.id = ANY($2::uuid[]) AND n.user_id = $1
      ORDER BY n.created_at, n.id ${opts.lock ? 'FOR UPDATE' : ''}`,
    [userId, ids],
  );
  return rows;
}

export async function markRead(tx: Tx, id: string, version: number): Promise<NotificationRecord | undefined> {
  const { rows } = await tx.query<NotificationRecord>(
    `UPDATE notifications n SET status = 'READ', read_at = now()
      WHERE n.id = $1 AND n.version = $2 AND n.status = 'UNREAD'
      RETURNING ${COLUMNS}`,
    [id, version],
  );
  return rows[0];
}

/** Marks the user's unread notifications created up to `until` as read; returns how many. */
export async function markAllRead(tx: Tx, userId: string, until: string | null): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE notifications SET status = 'READ', read_at = now()
      WHERE user_id = $1 AND status = 'UNREAD' AND created_at <= coalesce($2::timestamptz, now())`,
    [userId, until],
  );
  return rowCount ?? 0;
}

// ── recipients ──────────────────────────────────────────────────────────────────────────────────────────────

async function ids(tx: Tx, sql: string, params: unknown[]): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(sql, params);
  return rows.map((r) => r.id);
}

/** Active users holding `role` in the branch. */
export function usersOfBranchWithRole(tx: Tx, branchId: string, role: string): Promise<string[]> {
  return ids(
    tx,
    `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role_code = $2
      WHERE u.branch_id = $1 AND u.is_active`,
    [branchId, role],
  );
}

/** Active users holding `role` at the partner. */
export function usersOfPartnerWithRole(tx: Tx, partnerId: string, role: string): Promise<string[]> {
  return ids(
    tx,
    `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role_code = $2
      WHERE u.partner_id = $1 AND u.is_active`,
    [partnerId, role],
  );
}

/** Every active user of the branch, whatever the role. */
export function usersOfBranch(tx: Tx, branchId: string): Promise<string[]> {
  return ids(tx, 'SELECT u.id FROM users u WHERE u.branch_id = $1 AND u.is_active', [branchId]);
}

/** The login of an installer record (installers is under RLS: whoever assigns an installer can see it). */
export async function installerLogin(
  tx: Tx,
  installerId: string,
): Promise<{ userId: string | null; name: string } | undefined> {
  const { rows } = await tx.query<{ userId: string | null; name: string }>(
    `SELECT CASE WHEN u.is_active THEN i.user_id END AS "userId", i.name
       FROM installers i LEFT JOIN users u ON u.id = i.user_id WHERE i.id = $1`,
    [installerId],
  );
  return rows[0];
}

export async function reasonLabels(tx: Tx, code: string): Promise<{ ko: string; en: string } | undefined> {
  const { rows } = await tx.query<{ ko: string; en: string }>(
    'SELECT description_ko AS ko, description_en AS en FROM reason_codes WHERE code = $1',
    [code],
  );
  return rows[0];
}

export async function branchName(tx: Tx, branchId: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ name: string }>('SELECT name FROM branches WHERE id = $1', [branchId]);
  return rows[0]?.name;
}

// ── e-mail fallback (runs in a SYSTEM transaction) ──────────────────────────────────────────────────────────

export interface DueMail extends NotificationRecord {
  email: string;
  locale: Locale;
  fullName: string;
}

/**
 * Unread, unmailed notifications older than `afterMinutes` (and not older than `maxAgeHours`) of active users with
 * an e-mail address, oldest first, locked so that two instances never mail the same one (SKIP LOCKED).
 */
export async function lockDueForEmail(
  tx: Tx,
  q: { afterMinutes: number; maxAgeHours: number; limit: number },
): Promise<DueMail[]> {
  const { rows } = await tx.query<DueMail>(
    `SELECT ${COLUMNS}, u.email, u.locale, u.full_name AS "fullName"
       FROM notifications n JOIN users u ON u.id = n.user_id
      WHERE n.status = 'UNREAD' AND n.emailed_at IS NULL
        AND n.created_at <= now() - make_interval(mins => $1)
        AND n.created_at > now() - make_interval(hours => $2)
        AND u.is_active AND u.email IS NOT NULL AND u.email <> ''
      ORDER BY n.created_at
      LIMIT $3
        FOR UPDATE OF n SKIP LOCKED`,
    [q.afterMinutes, q.maxAgeHours, q.limit],
  );
  return rows;
}

export async function markEmailed(tx: Tx, ids: string[]): Promise<void> {
  if (ids.length) await tx.query('UPDATE notifications SET emailed_at = now() WHERE id = ANY($1::uuid[])', [ids]);
}
