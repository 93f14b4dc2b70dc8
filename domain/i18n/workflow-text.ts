// A status change's refusal (domain/order-status.ts statusChangeProblem) in the clerk's language, from the
// client's message catalogue: the local check names the same rule, in the same words, as the form.

import type { MissingSerials } from '../order-part-rules.js';
import type { StatusProblem } from '../order-status.js';
import { en } from './en.js';
import { ko } from './ko.js';

export function statusProblemText(locale: 'ko' | 'en', p: StatusProblem): string {
  const text = locale === 'en' ? en.workflow : ko.workflow;
  const template = p.key.startsWith('split.')
    ? text.split[p.key.slice('split.'.length) as keyof typeof text.split]
    : (text[p.key as Exclude<keyof typeof text, 'split' | 'reasonType'>] ?? p.key);
  const params: Record<string, string> = { ...p.params };
  if (params.type) params.type = text.reasonType[params.type as keyof typeof text.reasonType] ?? params.type;
  return (template ?? p.key).replace(/\{\{(\w+)\}\}/g, (_, k: string) => params[k] ?? '');
}

/** 인수 / 부분인수 refused for want of serials (order-part-rules.ts linesMissingSerials), naming the field and lines. */
export function serialsMissingText(locale: 'ko' | 'en', status: string, missing: readonly MissingSerials[]): string {
  const text = locale === 'en' ? en.workflow : ko.workflow;
  const fill = (template: string, params: Record<string, string | number>) =>
    template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(params[k] ?? ''));
  const lines = missing
    .map((m) =>
      fill(text.serialLine, { item: m.itemName, code: m.itemCode, recorded: m.recorded, quantity: m.quantity }),
    )
    .join(', ');
  return fill(text.serialsMissing, { status, lines });
}
