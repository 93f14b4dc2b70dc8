import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatStamp } from '../../domain/order-view.js';
import { Unavailable } from '../components/Unavailable.js';
import { useChannel } from '../components/useChannel.js';
import { errorText, i18next } from '../i18n/index.js';
import { api, tryCall } from '../platform/api.js';
import { useUi } from '../stores/ui.js';

/** The facts a notification carries (customer, status, installer, day), in one calm line. */
function describe(p: Record<string, unknown>): string {
  const s = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);
  const status = s('status');
  return [
    s('customerName'),
    status ? i18next.t(`status.${status}`, { defaultValue: status }) : null,
    s('installer'),
    s('appointmentDate'),
    s('message'),
  ]
    .filter(Boolean)
    .join(' · ');
}

export function Notifications() {
  const { t } = useTranslation();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const { data, error, reload } = useChannel('notifications:list', { unreadOnly });
  useEffect(
    () =>
      api().onEvent((e) => {
        if (e.type === 'notifications-changed') void reload();
      }),
    [reload],
  );
  async function read(n?: { id: string; version: number }) {
    const r = await tryCall('notifications:read', n ? { id: n.id, version: n.version } : {});
    if (!r.ok) useUi.getState().toast('error', errorText(r.error));
    void reload();
  }
  return (
    <section className="screen padded" aria-label={t('notifications.title')}>
      <header className="screen-head">
        <h1>{t('notifications.title')}</h1>
        <label className="inline check">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
          <span>{t('notifications.unreadOnly')}</span>
        </label>
        <button type="button" className="btn" onClick={() => void read()}>
          {t('notifications.markAllRead')}
        </button>
      </header>
      {error && <Unavailable error={error} onRetry={() => void reload()} />}
      {data && data.length === 0 && <p className="muted">{t('notifications.empty')}</p>}
      <ul className="notifications">
        {(data ?? []).map((n) => (
          <li key={n.id} className={n.status === 'UNREAD' ? 'unread' : ''}>
            <span className="tag">{t(`notifications.categories.${n.category}`, { defaultValue: n.category })}</span>
            <span className="grow notification-text">
              {typeof n.payload.orderNo === 'string' && (
                <button
                  type="button"
                  className="btn link"
                  onClick={() => n.orderId && useUi.getState().openDetail(n.orderId)}
                >
                  {n.payload.orderNo}
                </button>
              )}
              <span>{describe(n.payload)}</span>
            </span>
            <span className="muted small">{formatStamp(n.createdAt)}</span>
            {n.status === 'UNREAD' && (
              <button type="button" className="btn ghost tiny" onClick={() => void read(n)}>
                {t('notifications.markRead')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
