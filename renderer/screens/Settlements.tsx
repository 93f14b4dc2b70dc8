import { useTranslation } from 'react-i18next';
import { formatStamp } from '../../domain/order-view.js';
import { can } from '../../domain/roles.js';
import { Unavailable } from '../components/Unavailable.js';
import { useChannel } from '../components/useChannel.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useSession } from '../stores/session.js';
import { useUi } from '../stores/ui.js';

export function Settlements() {
  const { t } = useTranslation();
  const role = useSession((s) => s.session?.user.role) ?? 'INSTALLER';
  const { data, error, reload } = useChannel('settlements:list', {});
  async function act(kind: 'lock' | 'unlock', id: string, version: number, week: string) {
    if (kind === 'lock' && !window.confirm(t('settlements.confirmLock', { week }))) return;
    const r = await tryCall(kind === 'lock' ? 'settlements:lock' : 'settlements:unlock', { id, version });
    if (!r.ok) useUi.getState().toast('error', errorText(r.error));
    void reload();
  }
  return (
    <section className="screen padded" aria-label={t('settlements.title')}>
      <header className="screen-head">
        <h1>{t('settlements.title')}</h1>
      </header>
      {error && <Unavailable error={error} onRetry={() => void reload()} />}
      {data && data.length === 0 && <p className="muted">{t('settlements.empty')}</p>}
      {data && data.length > 0 && (
        <table className="table narrow">
          <thead>
            <tr>
              <th>{t('settlements.week')}</th>
              <th>{t('settlements.status')}</th>
              <th>{t('settlements.lockedAt')}</th>
              <th>{t('settlements.unlockedAt')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((w) => {
              const week = `${w.periodStart} ~ ${w.periodEnd}`;
              return (
                <tr key={w.id}>
                  <td>{week}</td>
                  <td>
                    <span className={`tag ${w.status === 'LOCKED' ? 'locked' : ''}`}>
                      {t(`settlements.${w.status}`)}
                    </span>
                  </td>
                  <td>{formatStamp(w.lockedAt)}</td>
                  <td>{formatStamp(w.unlockedAt)}</td>
                  <td>
                    {w.status === 'OPEN' && can(role, 'settlements.lock') && (
                      <button type="button" className="btn" onClick={() => void act('lock', w.id, w.version, week)}>
                        {t('settlements.lock')}
                      </button>
                    )}
                    {w.status === 'LOCKED' && can(role, 'settlements.unlock') && (
                      <button type="button" className="btn" onClick={() => void act('unlock', w.id, w.version, week)}>
                        {t('settlements.unlock')}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
