// The SOLAPI adapter (docs.solapi.com, messages v4): POST /messages/v4/send with one message; 알림톡 is type ATA
// with kakaoOptions {pfId, templateId, variables}, and the provider's own SMS substitution switched off
// (disableSms) because the head office does the fallback itself and records the channel. Authentication is the
// documented HMAC-SHA256 header: signature = HMAC(apiSecret, date + salt), hex. An answer with statusCode 2000
// is "accepted"; delivery comes later through the message report webhook (statusCode 4000 = delivered).
import { createHmac, randomBytes } from 'node:crypto';
import { maskPhones, noticeVariableMap } from '../../domain/notices.js';
import type { Logger } from '../logger.js';
import {
  type DeliveryReport,
  type NoticeProvider,
  type NoticeTemplate,
  type ProviderResult,
  ProviderUnavailable,
} from './notice-provider.js';

export interface SolapiOptions {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  pfId: string;
  /** the registered sender number (발신번호) */
  sender: string;
  timeoutMs: number;
  logger: Logger;
}

/** The Authorization header of one request (a fresh salt each time: SOLAPI refuses a signature seen before). */
export function solapiAuthorization(apiKey: string, apiSecret: string, date = new Date()): string {
  const iso = date.toISOString();
  const salt = randomBytes(16).toString('hex');
  const signature = createHmac('sha256', apiSecret)
    .update(iso + salt)
    .digest('hex');
  return `HMAC-SHA256 apiKey=${apiKey}, date=${iso}, salt=${salt}, signature=${signature}`;
}

/** digits only: SOLAPI takes numbers as 01012345678 */
function digits(phone: string): string {
  return phone.replace(/[^0-9]/g, '');
}

export function createSolapiProvider(o: SolapiOptions): NoticeProvider {
  const url = `${o.baseUrl.replace(/\/$/, '')}/messages/v4/send`;
  return {
    async send(template: NoticeTemplate, to: string, variables): Promise<ProviderResult> {
      const message =
        template.channel === 'ALIMTALK'
          ? {
              to: digits(to),
              from: digits(o.sender),
              type: 'ATA',
              kakaoOptions: {
                pfId: o.pfId,
                templateId: template.kakaoTemplateId,
                variables: noticeVariableMap(variables),
                disableSms: true,
              },
            }
          : {
              to: digits(to),
              from: digits(o.sender),
              type: template.channel,
              text: template.text,
              ...(template.channel === 'LMS' && template.subject ? { subject: template.subject } : {}),
            };
      const logged = { provider: 'solapi', type: message.type, to: maskPhones(to) };
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            Authorization: solapiAuthorization(o.apiKey, o.apiSecret),
            'Content-Type': 'application/json; charset=utf-8',
          },
          body: JSON.stringify({ message }),
          signal: AbortSignal.timeout(o.timeoutMs),
        });
      } catch (err) {
        o.logger.warn({ ...logged, err: (err as Error).message }, 'notice provider did not answer');
        throw new ProviderUnavailable(`no answer from the provider: ${(err as Error).message}`);
      }
      let body: Record<string, unknown> = {};
      try {
        body = (await res.json()) as Record<string, unknown>;
      } catch {
        // not JSON: judged by the status alone
      }
      if (res.status === 429 || res.status >= 500) {
        o.logger.warn({ ...logged, status: res.status }, 'notice provider unavailable');
        throw new ProviderUnavailable(`provider answered HTTP ${res.status}`);
      }
      if (!res.ok) {
        const reason = `${String(body.errorCode ?? `HTTP ${res.status}`)}: ${String(body.errorMessage ?? '')}`.trim();
        o.logger.info({ ...logged, status: res.status, reason }, 'notice rejected by the provider');
        return { kind: 'rejected', reason };
      }
      if (String(body.statusCode) !== '2000' || typeof body.messageId !== 'string') {
        const reason = `${String(body.statusCode ?? '?')}: ${String(body.statusMessage ?? '')}`.trim();
        o.logger.info({ ...logged, reason }, 'notice rejected by the provider');
        return { kind: 'rejected', reason };
      }
      o.logger.info({ ...logged, messageId: body.messageId }, 'notice accepted by the provider');
      return { kind: 'accepted', messageId: body.messageId };
    },
  };
}

/**
 * SOLAPI's message report webhook posts an array of message objects ({messageId, statusCode, statusMessage,
 * type, …}); 4000 is 수신완료 (delivered), 2000/3000 still on its way, any other code a failure.
 */
export function parseSolapiReports(body: unknown): DeliveryReport[] | undefined {
  const list = Array.isArray(body) ? body : undefined;
  if (!list) return undefined;
  const out: DeliveryReport[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) return undefined;
    const r = item as Record<string, unknown>;
    if (typeof r.messageId !== 'string' || r.messageId.length > 80) return undefined;
    const code = String(r.statusCode ?? '');
    if (!/^\d{4}$/.test(code)) return undefined;
    const outcome = code === '4000' ? 'DELIVERED' : code === '2000' || code === '3000' ? 'PENDING' : 'FAILED';
    out.push({
      messageId: r.messageId,
      outcome,
      ...(outcome === 'FAILED' ? { reason: `${code}: ${String(r.statusMessage ?? '').slice(0, 200)}` } : {}),
    });
  }
  return out;
}
