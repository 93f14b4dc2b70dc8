import { useTranslation } from 'react-i18next';
import { formatStamp } from '../../domain/order-view.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';

export function SyncIndicator() {
  const { t } = useTranslation();
  const state = useSync((s) => s.state);
  if (!state) return null;
  const label =
    state.status === 'online'
      ? t('sync.online')
      : state.status === 'syncing'
        ? t('sync.syncing')
        : state.status === 'signedOut'
          ? t('sync.signedOut')
          : t('sync.offlineSince', { since: formatStamp(state.offlineSince).slice(5) || '—' });
  const title = state.lastSyncAt ? t('sync.lastSync', { at: formatStamp(state.lastSyncAt) }) : t('sync.never');
  return (
    <button
      type="button"
      className={`sync-indicator ${state.status}`}
      data-testid="sync-indicator"
      data-status={state.status}
      title={state.lastError ? `${title}\n${state.lastError}` : title}
      onClick={() => useUi.getState().go('sync')}
    >
      <span className="dot" aria-hidden />
      <span>{label}</span>
      {state.pending > 0 && (
        <span className="count pending" data-testid="sync-pending">
          {t('sync.pending', { count: state.pending })}
        </span>
      )}
      {state.conflicts > 0 && (
        <span className="count conflicts" data-testid="sync-conflicts">
          {t('sync.conflicts', { count: state.conflicts })}
        </span>
      )}
      {state.failed > 0 && <span className="count failed">{t('sync.failed', { count: state.failed })}</span>}
    </button>
  );
}
