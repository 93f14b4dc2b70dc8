// Opens by itself when a conflict arrives, so an edit that lost a race is never silently dropped; the clerk can
// close it and find the same list on the sync screen.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSync } from '../stores/sync.js';
import { ConflictResolver } from './ConflictResolver.js';

export function ConflictDialog() {
  const { t } = useTranslation();
  const conflicts = useSync((s) => s.conflicts);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(() => new Set());
  const next = conflicts.find((c) => !dismissed.has(c.id));
  if (!next) return null;
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="conflict-title"
        data-testid="conflict-dialog"
      >
        <h2 id="conflict-title">{t('sync.conflictDialogTitle')}</h2>
        {next.order && (
          <p data-testid="conflict-order">
            <b>{next.order.orderNo ?? t('failures.unknownOrder')}</b> · {next.order.customerName ?? '—'}
          </p>
        )}
        <p>{t('sync.conflictDialogText')}</p>
        <ConflictResolver key={next.id} conflict={next} />
        <div className="actions">
          <button type="button" className="btn ghost" onClick={() => setDismissed(new Set([...dismissed, next.id]))}>
            {t('common.close')}
          </button>
        </div>
      </div>
    </div>
  );
}
