// Appointment notices to customers (알림톡 first, SMS/LMS fallback): the events that raise one, the variables a
// template may use, the states a notice goes through, and the one check of a template's text. The head office
// queues and sends them (server/notices); the client shows their states (renderer, online only).
import { z } from 'zod';

/** The order events that queue a notice (db/migrations/0106: the trigger and order_notice_enqueue). */
export const NOTICE_EVENTS = ['ASSIGNED', 'HAPPY_CALL_CONFIRMED', 'POSTPONED', 'CANCELLED'] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

/** SUPERSEDED: a newer notice of the same order was queued before this one went out (0118): only the newest is sent. */
export const NOTICE_STATUSES = ['QUEUED', 'HELD', 'SENT', 'DELIVERED', 'FAILED', 'SKIPPED', 'SUPERSEDED'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const NOTICE_CHANNELS = ['ALIMTALK', 'SMS', 'LMS'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];

/**
 * The variables of a template: the key the head office fills (order_notice_variables in 0106) → the name written
 * in the text as #{name}. Korean names, as 알림톡 templates registered at Kakao write them.
 */
export const NOTICE_VARIABLES = {
  customer: '고객명',
  date: '방문일',
  timeWindow: '방문시간',
  installer: '기사명',
  branchPhone: '지점전화',
} as const;
export type NoticeVariable = keyof typeof NOTICE_VARIABLES;
export type NoticeValues = Partial<Record<NoticeVariable, string>>;

const PLACEHOLDER = /#\{([^}]*)\}/g;
const NAME_TO_KEY = new Map<string, NoticeVariable>(
  (Object.entries(NOTICE_VARIABLES) as [NoticeVariable, string][]).map(([k, name]) => [name, k]),
);

/** The #{…} names a text uses that are not variables (empty when the text is fine). */
export function unknownNoticeVariables(body: string): string[] {
  const unknown = new Set<string>();
  for (const m of body.matchAll(PLACEHOLDER)) if (!NAME_TO_KEY.has(m[1] ?? '')) unknown.add(m[1] ?? '');
  return [...unknown];
}

/** A template's text with its variables filled in (a missing value reads as empty). */
export function renderNotice(body: string, values: NoticeValues): string {
  return body.replace(PLACEHOLDER, (_, name: string) => {
    const key = NAME_TO_KEY.get(name);
    return key ? (values[key] ?? '') : '';
  });
}

/** The #{name} → value map a provider fills an approved 알림톡 template with. */
export function noticeVariableMap(values: NoticeValues): Record<string, string> {
  return Object.fromEntries(
    (Object.entries(NOTICE_VARIABLES) as [NoticeVariable, string][]).map(([k, name]) => [
      `#{${name}}`,
      values[k] ?? '',
    ]),
  );
}

/** SMS carries 90 bytes (EUC-KR: a Hangul syllable is 2); a longer text goes as LMS. */
export const SMS_MAX_BYTES = 90;

export function smsBytes(text: string): number {
  let n = 0;
  for (const ch of text) n += ch.charCodeAt(0) < 0x80 ? 1 : 2;
  return n;
}

export function textChannel(text: string): 'SMS' | 'LMS' {
  return smsBytes(text) > SMS_MAX_BYTES ? 'LMS' : 'SMS';
}

/** A notice as the head office shows it (GET /api/orders/:id/notices, GET /api/notices) and the client lists it. */
export interface OrderNoticeItem {
  id: string;
  orderId: string;
  orderNo: string;
  branchId: string;
  event: NoticeEvent;
  status: NoticeStatus;
  channel: NoticeChannel | null;
  reason: string | null;
  attempts: number;
  holdUntil: string | null;
  sentAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A template as the head office answers it (GET /api/notice-templates) and HQ's template screen edits it. */
export interface NoticeTemplateItem {
  event: NoticeEvent;
  kakaoTemplateId: string;
  body: string;
  /** the SMS/LMS text when 알림톡 is refused; null: the 알림톡 text */
  smsBody: string | null;
  version: number;
  updatedAt: string;
  variables: string[];
}

/** The number a branch's notices give the customer (#{지점전화}). */
export interface NoticeBranchPhone {
  branchId: string;
  phone: string;
  updatedAt: string;
}

/** The filters of the head office's notice list (GET /api/notices; the client's notices:list). */
export const noticeFilters = z
  .object({
    status: z.enum(NOTICE_STATUSES).optional(),
    event: z.enum(NOTICE_EVENTS).optional(),
    branchId: z.uuid().optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
  })
  .strict();

/** The body of PUT /api/notice-templates/:event (HQ_ADMIN). */
export const noticeTemplateUpdate = z
  .object({
    version: z.number().int().positive(),
    body: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .superRefine((body, ctx) => {
        const unknown = unknownNoticeVariables(body);
        if (unknown.length) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown variable ${unknown.map((u) => `#{${u}}`).join(', ')}; known: ${Object.values(
              NOTICE_VARIABLES,
            )
              .map((n) => `#{${n}}`)
              .join(', ')}`,
          });
        }
      }),
    kakaoTemplateId: z.string().trim().min(1).max(80).optional(),
    /** the SMS/LMS text when 알림톡 is refused; null: the 알림톡 text; absent: unchanged */
    smsBody: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .refine((text) => unknownNoticeVariables(text).length === 0, { message: 'unknown variable' })
      .nullable()
      .optional(),
  })
  .strict();

/**
 * A phone number as logs may show it: the middle digits hidden (010-****-5678). Anything that looks like a
 * Korean phone number inside `text` is masked.
 */
export function maskPhones(text: string): string {
  return text.replace(
    /(\+?82-?|0)(1[016789]|2|[3-6][1-5]|70)[-. ]?(\d{3,4})[-. ]?(\d{4})(?!\d)/g,
    (_m, p, area, _mid, last) => {
      const prefix = p === '0' ? `0${area}` : `${p}${area}`;
      return `${prefix}-****-${last}`;
    },
  );
}
