// A status change's refusal (domain/order-status.ts statusChangeProblem) in the clerk's language, from the
// client's message catalogue: the local check names the same rule, in the same words, as the form.
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
