// What the sender needs of a messaging provider: send one message, hear "accepted" (it will report delivery
// later) or "rejected" with the provider's reason. A provider that does not answer (time-out, network, 5xx, 429)
// throws ProviderUnavailable: the job retries. One adapter ships: SOLAPI (solapi-provider.ts).
import type { NoticeValues } from '../../domain/notices.js';

export type ProviderResult = { kind: 'accepted'; messageId: string } | { kind: 'rejected'; reason: string };

/** What is sent: an approved 알림톡 template with its variables, or a text (SMS/LMS). */
export type NoticeTemplate =
  | { channel: 'ALIMTALK'; kakaoTemplateId: string }
  | { channel: 'SMS' | 'LMS'; text: string; subject?: string };

export interface NoticeProvider {
  send(template: NoticeTemplate, to: string, variables: NoticeValues): Promise<ProviderResult>;
}

/** The provider did not answer in time or answered that it cannot now: try again later. */
export class ProviderUnavailable extends Error {
  override readonly name = 'ProviderUnavailable';
}

/**
 * A delivery report as the provider's webhook tells it, in our words: DELIVERED, or FAILED with the reason;
 * anything still in flight is PENDING (ignored).
 */
export interface DeliveryReport {
  messageId: string;
  outcome: 'DELIVERED' | 'FAILED' | 'PENDING';
  reason?: string;
}
