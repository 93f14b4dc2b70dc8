// Row-level error messages in the user's language, from the UI's message catalogue.
import type { z } from 'zod';
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';
import { fill } from '../print/labels.js';

export type ExcelText = typeof ko.excel;
export type Problem = keyof ExcelText['problems'];

export function excelText(locale: 'ko' | 'en'): ExcelText {
  return locale === 'en' ? en.excel : ko.excel;
}

export function problem(text: ExcelText, key: Problem, values: Record<string, string | number> = {}): string {
  return fill(text.problems[key], values);
}

/** A zod issue as a clerk would say it, given which order field it is about. */
export function issueText(text: ExcelText, issue: z.core.$ZodIssue, field: string): string {
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'number' || issue.origin === 'int'
        ? problem(text, 'positive')
        : problem(text, 'required');
    case 'too_big':
      return issue.origin === 'string'
        ? problem(text, 'tooLong', { max: Number(issue.maximum) })
        : problem(text, 'invalid', { detail: issue.message });
    case 'invalid_type':
      return issue.input === undefined || issue.input === '' ? problem(text, 'required') : problem(text, 'format');
    case 'invalid_format':
      if (field === 'postal') return problem(text, 'postal');
      if (field === 'customerPhone') return problem(text, 'phone');
      if (field.endsWith('Date')) return problem(text, 'date');
      return problem(text, 'format');
    default:
      return problem(text, 'invalid', { detail: issue.message });
  }
}
