import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { formatStamp } from '../../domain/order-view.js';
import { ConflictResolver } from '../components/ConflictResolver.js';
import { FailuresList } from '../components/FailuresList.js';
import { useSync } from '../stores/sync.js';

export function SyncScreen() {
  const { t } = useTranslation();
  const state = useSync((s) => s.state);
  const conflicts = useSync((s) => s.conflicts);
  useEffect(() => {
    void useSync.getState().loadIssues();
  }, []);
  return (
    <section className="screen padded" aria-label={t('sync.title')}>
      <header className="screen-head">
        <h1>{t('sync.title')}</h1>
        <button type="button" className="btn primary" onClick={() => void useSync.getState().syncNow()}>
          {t('sync.syncNow')}
        </button>
      </header>
      {state && (
        <div className="cards">
          <div className="card stat">
            <span className="muted">{t('sync.status')}</span>
            <b>
              {state.status === 'offline'
                ? t('sync.offlineSince', { since: formatStamp(state.offlineSince) })
                : t(
                    state.status === 'online'
                      ? 'sync.online'
                      : state.status === 'signedOut'
                        ? 'sync.signedOut'
                        : 'sync.syncing',
                  )}
            </b>
          </div>
          <div className="card stat">
            <span className="muted">{t('sync.pendingBadge')}</span>
            <b>{state.pending}</b>
          </div>
          <div className="card stat">
            <span className="muted">{t('sync.conflictsTitle')}</span>
            <b>{state.conflicts}</b>
          </div>
          <div className="card stat">
            <span className="muted">{t('sync.failedTitle')}</span>
            <b>{state.failed}</b>
          </div>
          <div className="card stat">
            <span className="muted">{state.lastSyncAt ? t('sync.lastSync', { at: '' }) : ''}</span>
            <b>{state.lastSyncAt ? formatStamp(state.lastSyncAt) : t('sync.never')}</b>
          </div>
        </div>
      )}
      <h2>{t('sync.conflictsTitle')}</h2>
      {conflicts.length === 0 && <p className="muted">{t('sync.noConflicts')}</p>}
      {conflicts.map((c) => (
        <div key={c.id} className="card">
          <ConflictResolver conflict={c} />
        </div>
      ))}
      <h2>{t('failures.title')}</h2>
      <FailuresList />
    </section>
  );
}
