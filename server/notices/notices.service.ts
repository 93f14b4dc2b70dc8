// Appointment notices (issue 15): what the routes and other services call. Queuing is the database's (0106):
// the orders trigger for assignment, 연기 and 취소; enqueueOrderNotice() for events no column of the order tells
// (the 해피콜 confirmation), called inside the caller's transaction. Sending is server/notices/notice-sender.ts.
import { z } from 'zod';
import { phone } from '../../domain/field-types.js';
import {
  NOTICE_EVENTS,
  NOTICE_STATUSES,
  NOTICE_VARIABLES,
  type NoticeEvent,
  noticeTemplateUpdate,
  unknownNoticeVariables,
} from '../../domain/notices.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import * as repo from './notices.repository.js';

export interface EnqueueInput {
  orderId: string;
  event: NoticeEvent;
  /** the idempotency key of this event (e.g. the 해피콜 outcome's id): the same key never queues twice */
  eventKey: string;
}

/**
 * Queues the notice of an order event in the caller's transaction (it exists exactly when the caller's change
 * commits). The caller must see the order under its own row-level security. Returns the new notice's id, or null
 * when this event key was queued before. Called by the 해피콜 write path with event HAPPY_CALL_CONFIRMED.
 */
export async function enqueueOrderNotice(tx: Tx, input: EnqueueInput): Promise<string | null> {
  const i = parse(
    z.object({ orderId: z.uuid(), event: z.enum(NOTICE_EVENTS), eventKey: z.string().min(1).max(200) }).strict(),
    input,
  );
  try {
    return await repo.enqueue(tx, i.orderId, i.event, i.eventKey);
  } catch (err) {
    if ((err as { code?: string }).code === 'P0002') throw new NotFoundError('order');
    throw err;
  }
}

export interface NoticeView {
  id: string;
  orderId: string;
  orderNo: string;
  branchId: string;
  event: NoticeEvent;
  status: repo.NoticeRow['status'];
  channel: repo.NoticeRow['channel'];
  reason: string | null;
  attempts: number;
  holdUntil: string | null;
  sentAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A notice as the API shows it: the recipient's number and the message's facts stay at the head office. */
function toView(n: repo.NoticeRow): NoticeView {
  return {
    id: n.id,
    orderId: n.orderId,
    orderNo: n.orderNo,
    branchId: n.branchId,
    event: n.event,
    status: n.status,
    channel: n.channel,
    reason: n.reason,
    attempts: n.attempts,
    holdUntil: iso(n.holdUntil),
    sentAt: iso(n.sentAt),
    deliveredAt: iso(n.deliveredAt),
    failedAt: iso(n.failedAt),
    createdAt: n.createdAt.toISOString(),
    updatedAt: n.updatedAt.toISOString(),
  };
}

/** GET /api/orders/:id/notices — the order's notices, newest first (RLS: HQ, the order's branch). */
export async function orderNotices(tx: Tx, actor: Actor, orderId: unknown): Promise<{ items: NoticeView[] }> {
  authorize(actor, 'notices.read');
  const id = parseId(orderId);
  return { items: (await repo.ofOrder(tx, id)).map(toView) };
}

export const noticeListQuery = z
  .object({
    status: z.enum(NOTICE_STATUSES).optional(),
    event: z.enum(NOTICE_EVENTS).optional(),
    branchId: z.uuid().optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

function encodeCursor(n: { createdKey: string; id: string }): string {
  return Buffer.from(JSON.stringify({ k: n.createdKey, i: n.id })).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; i?: unknown };
    if (typeof v.k === 'string' && z.iso.datetime().safeParse(v.k).success && z.uuid().safeParse(v.i).success) {
      return { createdAt: v.k, id: v.i as string };
    }
  } catch {
    // the 400 below
  }
  throw new ValidationError('cursor', 'errors.badCursor');
}

/** GET /api/notices — the head office's list with filters, newest first, keyset-paged. */
export async function listNotices(
  tx: Tx,
  actor: Actor,
  query: unknown,
): Promise<{ items: NoticeView[]; nextCursor: string | null }> {
  authorize(actor, 'notices.read');
  const q = parse(noticeListQuery, query);
  if (q.from && q.to && q.from > q.to) throw new ValidationError('from');
  const rows = await repo.list(tx, {
    status: q.status,
    event: q.event,
    branchId: q.branchId,
    from: q.from,
    to: q.to,
    before: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: page.map(toView), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

export interface TemplateView {
  event: NoticeEvent;
  kakaoTemplateId: string;
  body: string;
  /** the SMS/LMS text when 알림톡 is refused; null: the 알림톡 text goes as SMS/LMS */
  smsBody: string | null;
  version: number;
  updatedAt: string;
  /** the variables a body may use, as written in it */
  variables: string[];
}

const VARIABLE_NAMES = Object.values(NOTICE_VARIABLES).map((n) => `#{${n}}`);

function templateView(t: repo.TemplateRow): TemplateView {
  return {
    event: t.event,
    kakaoTemplateId: t.kakaoTemplateId,
    body: t.body,
    smsBody: t.smsBody,
    version: t.version,
    updatedAt: t.updatedAt.toISOString(),
    variables: VARIABLE_NAMES,
  };
}

/** GET /api/notice-templates */
export async function listTemplates(tx: Tx, actor: Actor): Promise<{ items: TemplateView[] }> {
  authorize(actor, 'notices.read');
  return { items: (await repo.templates(tx)).map(templateView) };
}

/** PUT /api/notice-templates/:event (HQ_ADMIN): a new text; an unknown #{variable} is refused naming `body`. */
export async function updateTemplate(tx: Tx, actor: Actor, eventParam: unknown, body: unknown): Promise<TemplateView> {
  authorize(actor, 'notices.templates');
  const event = parse(z.enum(NOTICE_EVENTS), eventParam, 'event');
  const raw = (body ?? {}) as Record<string, unknown>;
  for (const field of ['body', 'smsBody'] as const) {
    const text = raw[field];
    if (typeof text !== 'string') continue;
    const unknown = unknownNoticeVariables(text);
    if (unknown.length) {
      throw new ValidationError(field, 'errors.notices.unknownVariable', {
        params: { names: unknown.map((u) => `#{${u}}`).join(', '), known: VARIABLE_NAMES.join(', ') },
      });
    }
  }
  const input = parse(noticeTemplateUpdate, body);
  const updated = await repo.updateTemplate(tx, event, input.version, {
    body: input.body,
    kakaoTemplateId: input.kakaoTemplateId,
    smsBody: input.smsBody,
  });
  if (updated) return templateView(updated);
  const current = await repo.template(tx, event);
  if (!current) throw new NotFoundError('noticeTemplate');
  throw new VersionConflictError(templateView(current));
}

export interface BranchPhoneView {
  branchId: string;
  phone: string;
  updatedAt: string;
}

const branchPhoneView = (r: { branchId: string; phone: string; updatedAt: Date }): BranchPhoneView => ({
  branchId: r.branchId,
  phone: r.phone,
  updatedAt: r.updatedAt.toISOString(),
});

/** GET /api/notice-branch-phones — the number each branch's notices give the customer (#{지점전화}). */
export async function listBranchPhones(tx: Tx, actor: Actor): Promise<{ items: BranchPhoneView[] }> {
  authorize(actor, 'notices.read');
  return { items: (await repo.branchPhones(tx)).map(branchPhoneView) };
}

export const branchPhoneBody = z.object({ phone }).strict();

/** PUT /api/notice-branch-phones/:branchId (HQ_ADMIN) */
export async function setBranchPhone(tx: Tx, actor: Actor, branchId: unknown, body: unknown): Promise<BranchPhoneView> {
  authorize(actor, 'notices.templates');
  const id = parseId(branchId, 'branchId');
  const input = parse(branchPhoneBody, body);
  const saved = await repo.setBranchPhone(tx, id, input.phone);
  if (!saved) throw new NotFoundError('branch');
  return branchPhoneView(saved);
}
