import type { CellRefusal } from '../../domain/order-cell-edit.js';
import { i18next } from '../i18n/index.js';

/** A refused cell value, in the user's language. */
export function cellProblemText(r: Pick<CellRefusal, 'problem' | 'max'>): string {
  if (r.problem === 'readOnly') return i18next.t('grid.readOnly');
  return i18next.t(`excel.problems.${r.problem}`, { max: r.max ?? '' });
}
