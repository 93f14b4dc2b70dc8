// The sheet's words come from the UI's message catalogue, so the PDF and the preview say the same thing.
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';

export type PrintLabels = typeof ko.print;

export function printLabels(locale: 'ko' | 'en'): PrintLabels {
  return locale === 'en' ? en.print : ko.print;
}

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(values[k] ?? ''));
}
