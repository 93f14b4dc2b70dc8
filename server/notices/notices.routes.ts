import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { NOTICE_CHANNELS, NOTICE_EVENTS, NOTICE_STATUSES, noticeTemplateUpdate } from '../../domain/notices.js';
import type { ServerConfig } from '../config.js';
import { ForbiddenError, ValidationError } from '../http/errors.js';
import { guarded, open, type RouteDeps } from '../http/handler.js';
import { describeRoutes, idParams } from '../openapi/registry.js';
import { applyDeliveryReports } from './notice-sender.js';
import {
  branchPhoneBody,
  listBranchPhones,
  listNotices,
  listTemplates,
  noticeListQuery,
  orderNotices,
  setBranchPhone,
  updateTemplate,
} from './notices.service.js';
import { parseSolapiReports } from './solapi-provider.js';

export const WEBHOOK_SECRET_HEADER = 'x-webhook-secret';

function secretMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function noticesRoutes(deps: RouteDeps & { notices: ServerConfig['notices'] }): Router {
  const r = Router();
  r.get(
    '/orders/:id/notices',
    guarded(deps, 'notices.read', ({ tx, actor, req }) => orderNotices(tx, actor, req.params.id)),
  );
  r.get(
    '/notices',
    guarded(deps, 'notices.read', ({ tx, actor, req }) => listNotices(tx, actor, req.query)),
  );
  r.get(
    '/notice-templates',
    guarded(deps, 'notices.read', ({ tx, actor }) => listTemplates(tx, actor)),
  );
  r.put(
    '/notice-templates/:event',
    guarded(deps, 'notices.templates', ({ tx, actor, req }) => updateTemplate(tx, actor, req.params.event, req.body)),
  );
  r.get(
    '/notice-branch-phones',
    guarded(deps, 'notices.read', ({ tx, actor }) => listBranchPhones(tx, actor)),
  );
  r.put(
    '/notice-branch-phones/:branchId',
    guarded(deps, 'notices.templates', ({ tx, actor, req }) =>
      setBranchPhone(tx, actor, req.params.branchId, req.body),
    ),
  );
  // The provider's delivery reports: no user (no bearer token, so no 401), a shared secret in a header compared in
  // constant time; a wrong one is 403.
  r.post(
    '/notices/provider-reports',
    open(async (req) => {
      if (!secretMatches(req.get(WEBHOOK_SECRET_HEADER), deps.notices.webhookSecret)) {
        throw new ForbiddenError('errors.notices.badWebhookSecret');
      }
      const reports = parseSolapiReports(req.body);
      if (!reports) throw new ValidationError('body', 'errors.notices.badReport');
      const applied = await applyDeliveryReports({ pool: deps.pool, now: deps.notices.now }, reports);
      return { received: reports.length, applied };
    }),
  );
  return r;
}

const noticeView = z
  .object({
    id: z.uuid(),
    orderId: z.uuid(),
    orderNo: z.string(),
    branchId: z.uuid(),
    event: z.enum(NOTICE_EVENTS),
    status: z.enum(NOTICE_STATUSES),
    channel: z.enum(NOTICE_CHANNELS).nullable(),
    reason: z
      .string()
      .nullable()
      .meta({ description: 'why it failed or was skipped; after a fallback, why 알림톡 was refused' }),
    attempts: z.number().int(),
    holdUntil: z.string().nullable().meta({ description: 'held in the quiet hours (21:00–08:00 KST) until then' }),
    sentAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    failedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'OrderNotice' });

const templateView = z
  .object({
    event: z.enum(NOTICE_EVENTS),
    kakaoTemplateId: z.string(),
    body: z.string(),
    smsBody: z
      .string()
      .nullable()
      .meta({ description: 'the SMS/LMS text when 알림톡 is refused; null: the 알림톡 text' }),
    version: z.number().int(),
    updatedAt: z.string(),
    variables: z.array(z.string()),
  })
  .meta({ id: 'NoticeTemplate' });

const branchPhoneView = z
  .object({ branchId: z.uuid(), phone: z.string(), updatedAt: z.string() })
  .meta({ id: 'NoticeBranchPhone' });

export const noticeRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/orders/:id/notices',
    action: 'notices.read',
    tag: 'notices',
    summary: 'The customer notices (알림톡/SMS) of one order, newest first',
    description: 'HQ sees every order’s, a branch manager its own branch’s (row-level security).',
    params: idParams,
    responses: { 200: { description: 'the notices', schema: z.object({ items: z.array(noticeView) }) } },
  },
  {
    method: 'get',
    path: '/api/notices',
    action: 'notices.read',
    tag: 'notices',
    summary: 'Customer notices with filters (status, event, branch, created day), newest first',
    query: noticeListQuery,
    responses: {
      200: {
        description: 'a page of notices',
        schema: z.object({ items: z.array(noticeView), nextCursor: z.string().nullable() }),
      },
    },
  },
  {
    method: 'get',
    path: '/api/notice-templates',
    action: 'notices.read',
    tag: 'notices',
    summary: 'The notice templates, one per event',
    responses: { 200: { description: 'the templates', schema: z.object({ items: z.array(templateView) }) } },
  },
  {
    method: 'put',
    path: '/api/notice-templates/:event',
    action: 'notices.templates',
    tag: 'notices',
    summary: 'Change a notice template’s text (HQ)',
    description:
      'Variables are written #{name}; a name that is not a variable is refused (400 naming `body` or `smsBody`). ' +
      'The 알림톡 text must match the template registered at Kakao under kakaoTemplateId; smsBody (null: the ' +
      '알림톡 text) is what goes as SMS/LMS when 알림톡 is refused.',
    params: z.object({ event: z.enum(NOTICE_EVENTS) }),
    body: noticeTemplateUpdate,
    responses: {
      200: { description: 'the template as saved', schema: templateView },
      409: { description: 'the version is stale; details.current is the template now' },
    },
  },
  {
    method: 'get',
    path: '/api/notice-branch-phones',
    action: 'notices.read',
    tag: 'notices',
    summary: 'The phone number each branch’s notices give the customer (#{지점전화})',
    responses: {
      200: {
        description: 'one per branch that has one',
        schema: z.object({ items: z.array(branchPhoneView) }),
      },
    },
  },
  {
    method: 'put',
    path: '/api/notice-branch-phones/:branchId',
    action: 'notices.templates',
    tag: 'notices',
    summary: 'Set a branch’s phone number for the notices (HQ)',
    description: 'Notices queued from then on carry it; earlier ones keep the number they were queued with.',
    params: z.object({ branchId: z.uuid() }),
    body: branchPhoneBody,
    responses: {
      200: { description: 'the number as saved (written form of domain/phone.ts)', schema: branchPhoneView },
      404: { description: 'no such branch' },
    },
  },
  {
    method: 'post',
    path: '/api/notices/provider-reports',
    action: 'public',
    tag: 'notices',
    summary: 'Delivery reports of the messaging provider (SOLAPI message report webhook)',
    description: `Authenticated by the shared secret NOTICE_WEBHOOK_SECRET in the ${WEBHOOK_SECRET_HEADER} header.`,
    body: z.array(
      z.object({ messageId: z.string(), statusCode: z.string(), statusMessage: z.string().optional() }).loose(),
    ),
    responses: {
      200: {
        description: 'reports received and applied',
        schema: z.object({ received: z.number().int(), applied: z.number().int() }),
      },
      403: { description: 'the shared secret is missing or wrong' },
    },
  },
);
