import { statusProblemText } from '../../domain/i18n/workflow-text.js';
import type { CellRefusal } from '../../domain/order-cell-edit.js';
import { i18next } from '../i18n/index.js';

/** A refused cell value, in the user's language. */
export function cellProblemText(r: Pick<CellRefusal, 'problem' | 'max' | 'rule'>): string {
  if (r.problem === 'readOnly') return i18next.t('grid.readOnly');
  // the head office's workflow rule, in the words the local services use for it
  if (r.problem === 'rule' && r.rule) return statusProblemText(i18next.language === 'en' ? 'en' : 'ko', r.rule);
  return i18next.t(`excel.problems.${r.problem}`, { max: r.max ?? '' });
}
