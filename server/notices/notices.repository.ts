// All SQL of the appointment notices: order_notices (its progress written by the jobs as SYSTEM), the templates
// and the branch phones. Inserts happen only in the database (0106: the orders trigger, order_notice_enqueue).
import type { NoticeChannel, NoticeEvent, NoticeStatus, NoticeValues } from '../../domain/notices.js';
import { queryParams } from '../db/query-params.js';
import type { Tx } from '../db/transaction.js';

export interface NoticeRow {
  id: string;
  orderId: string;
  orderNo: string;
  branchId: string;
  event: NoticeEvent;
  status: NoticeStatus;
  channel: NoticeChannel | null;
  recipient: string | null;
  variables: NoticeValues & { orderNo?: string };
  attempts: number;
  jobId: string | null;
  providerMessageId: string | null;
  reason: string | null;
  holdUntil: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `n.id, n.order_id AS "orderId", coalesce(n.variables->>'orderNo', '') AS "orderNo",
  n.branch_id AS "branchId", n.event, n.status, n.channel, n.recipient, n.variables, n.attempts, n.job_id AS "jobId",
  n.provider_message_id AS "providerMessageId", n.reason, n.hold_until AS "holdUntil", n.sent_at AS "sentAt",
  n.delivered_at AS "deliveredAt", n.failed_at AS "failedAt", n.created_at AS "createdAt", n.updated_at AS "updatedAt"`;

export async function enqueue(tx: Tx, orderId: string, event: NoticeEvent, eventKey: string): Promise<string | null> {
  const { rows } = await tx.query<{ id: string | null }>('SELECT order_notice_enqueue($1, $2, $3) AS id', [
    orderId,
    event,
    eventKey,
  ]);
  return rows[0]?.id ?? null;
}

export async function byEventKey(tx: Tx, eventKey: string): Promise<NoticeRow | undefined> {
  const { rows } = await tx.query<NoticeRow>(`SELECT ${COLUMNS} FROM order_notices n WHERE n.event_key = $1`, [
    eventKey,
  ]);
  return rows[0];
}

export async function ofOrder(tx: Tx, orderId: string): Promise<NoticeRow[]> {
  const { rows } = await tx.query<NoticeRow>(
    `SELECT ${COLUMNS} FROM order_notices n WHERE n.order_id = $1 ORDER BY n.created_at DESC, n.id DESC`,
    [orderId],
  );
  return rows;
}

export interface ListFilter {
  status?: NoticeStatus;
  event?: NoticeEvent;
  branchId?: string;
  /** Korean calendar days of created_at, inclusive */
  from?: string;
  to?: string;
  before?: { createdAt: string; id: string };
  limit: number;
}

export async function list(tx: Tx, f: ListFilter): Promise<(NoticeRow & { createdKey: string })[]> {
  const q = queryParams();
  const where: string[] = [];
  if (f.status) where.push(`n.status = ${q.p(f.status)}`);
  if (f.event) where.push(`n.event = ${q.p(f.event)}`);
  if (f.branchId) where.push(`n.branch_id = ${q.p(f.branchId)}::uuid`);
  // sessions run in Asia/Seoul (0045): a date is a Korean day
  if (f.from) where.push(`n.created_at >= ${q.p(f.from)}::date`);
  if (f.to) where.push(`n.created_at < ${q.p(f.to)}::date + 1`);
  if (f.before) {
    where.push(`(n.created_at, n.id) < (${q.p(f.before.createdAt)}::timestamptz, ${q.p(f.before.id)}::uuid)`);
  }
  const { rows } = await tx.query<NoticeRow & { createdKey: string }>(
    `SELECT ${COLUMNS}, to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey"
       FROM order_notices n ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY n.created_at DESC, n.id DESC LIMIT ${q.p(f.limit)}`,
    q.values,
  );
  return rows;
}

// ── the jobs (SYSTEM) ──────────────────────────────────────────────────────────────────────────────────────

/** Queued notices without a job yet, and held ones whose hold is over; locked for this dispatcher run. */
export async function lockDue(
  tx: Tx,
  now: Date,
  limit: number,
  coalesceSeconds: number,
): Promise<Pick<NoticeRow, 'id' | 'status'>[]> {
  // the coalescing delay is measured on the database's clock, as created_at is (`now` is the quiet hours' clock)
  const { rows } = await tx.query<Pick<NoticeRow, 'id' | 'status'>>(
    `SELECT n.id, n.status FROM order_notices n
      WHERE (n.status = 'QUEUED' AND n.job_id IS NULL AND n.created_at <= now() - make_interval(secs => $3))
         OR (n.status = 'HELD' AND n.hold_until <= $1)
      ORDER BY n.created_at, n.id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit, coalesceSeconds],
  );
  return rows;
}

export async function lockOne(tx: Tx, id: string): Promise<NoticeRow | undefined> {
  const { rows } = await tx.query<NoticeRow>(`SELECT ${COLUMNS} FROM order_notices n WHERE n.id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

export async function byProviderMessage(tx: Tx, messageId: string): Promise<NoticeRow | undefined> {
  const { rows } = await tx.query<NoticeRow>(
    `SELECT ${COLUMNS} FROM order_notices n WHERE n.provider_message_id = $1 FOR UPDATE`,
    [messageId],
  );
  return rows[0];
}

export interface NoticeUpdate {
  status?: NoticeStatus;
  channel?: NoticeChannel | null;
  jobId?: string | null;
  providerMessageId?: string | null;
  reason?: string | null;
  holdUntil?: Date | null;
  attempts?: number;
  sentAt?: Date;
  deliveredAt?: Date;
  failedAt?: Date;
}

const UPDATE_COLUMNS: Record<keyof NoticeUpdate, string> = {
  status: 'status',
  channel: 'channel',
  jobId: 'job_id',
  providerMessageId: 'provider_message_id',
  reason: 'reason',
  holdUntil: 'hold_until',
  attempts: 'attempts',
  sentAt: 'sent_at',
  deliveredAt: 'delivered_at',
  failedAt: 'failed_at',
};

export async function update(tx: Tx, id: string, u: NoticeUpdate): Promise<void> {
  const q = queryParams();
  const sets = (Object.keys(u) as (keyof NoticeUpdate)[])
    .filter((k) => u[k] !== undefined)
    .map((k) => `${UPDATE_COLUMNS[k]} = ${q.p(u[k])}`);
  await tx.query(
    `UPDATE order_notices SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = ${q.p(id)}`,
    q.values,
  );
}

export async function optedOut(tx: Tx, orderId: string): Promise<boolean> {
  const { rows } = await tx.query<{ out: boolean }>('SELECT order_notice_opted_out($1) AS out', [orderId]);
  return rows[0]?.out === true;
}

// ── templates ──────────────────────────────────────────────────────────────────────────────────────────────

export interface TemplateRow {
  id: string;
  event: NoticeEvent;
  kakaoTemplateId: string;
  body: string;
  /** the SMS/LMS text of the fallback; null: the 알림톡 text */
  smsBody: string | null;
  updatedBy: string | null;
  version: number;
  updatedAt: Date;
}

const TEMPLATE_COLUMNS = `t.id, t.event, t.kakao_template_id AS "kakaoTemplateId", t.body, t.sms_body AS "smsBody", t.updated_by AS "updatedBy",
  t.version, t.updated_at AS "updatedAt"`;

export async function templates(tx: Tx): Promise<TemplateRow[]> {
  const { rows } = await tx.query<TemplateRow>(
    `SELECT ${TEMPLATE_COLUMNS} FROM notice_templates t
      ORDER BY array_position(ARRAY['ASSIGNED','HAPPY_CALL_CONFIRMED','POSTPONED','CANCELLED'], t.event::text)`,
  );
  return rows;
}

export async function template(tx: Tx, event: NoticeEvent): Promise<TemplateRow | undefined> {
  const { rows } = await tx.query<TemplateRow>(
    `SELECT ${TEMPLATE_COLUMNS} FROM notice_templates t WHERE t.event = $1`,
    [event],
  );
  return rows[0];
}

export async function updateTemplate(
  tx: Tx,
  event: NoticeEvent,
  version: number,
  change: { body: string; kakaoTemplateId?: string; smsBody?: string | null },
): Promise<TemplateRow | undefined> {
  const { rows } = await tx.query<TemplateRow>(
    `UPDATE notice_templates t SET body = $3, kakao_template_id = coalesce($4, t.kakao_template_id),
            sms_body = CASE WHEN $5 THEN $6 ELSE t.sms_body END, updated_by = app_user_id()
      WHERE t.event = $1 AND t.version = $2 RETURNING ${TEMPLATE_COLUMNS}`,
    [event, version, change.body, change.kakaoTemplateId ?? null, change.smsBody !== undefined, change.smsBody ?? null],
  );
  return rows[0];
}

// ── branch phones (#{지점전화}) ──────────────────────────────────────────────────────────────────────────────

export async function branchPhones(tx: Tx): Promise<{ branchId: string; phone: string; updatedAt: Date }[]> {
  const { rows } = await tx.query<{ branchId: string; phone: string; updatedAt: Date }>(
    `SELECT p.branch_id AS "branchId", p.phone, p.updated_at AS "updatedAt" FROM notice_branch_phones p
      JOIN branches b ON b.id = p.branch_id ORDER BY b.code`,
  );
  return rows;
}

export async function setBranchPhone(
  tx: Tx,
  branchId: string,
  phone: string,
): Promise<{ branchId: string; phone: string; updatedAt: Date } | undefined> {
  const { rows } = await tx.query<{ branchId: string; phone: string; updatedAt: Date }>(
    `INSERT INTO notice_branch_phones(branch_id, phone)
     SELECT b.id, $2 FROM branches b WHERE b.id = $1
     ON CONFLICT (branch_id) DO UPDATE SET phone = excluded.phone, updated_at = now()
     RETURNING branch_id AS "branchId", phone, updated_at AS "updatedAt"`,
    [branchId, phone],
  );
  return rows[0];
}
