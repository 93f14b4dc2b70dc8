// The order's customer notices (알림톡 / SMS) in the detail drawer: their states as the head office has them.
// Online only — the notices are not mirrored — so offline the section says it cannot answer; the opt-out flag is
// the order's own field and shows from the mirror.
import { useTranslation } from 'react-i18next';
import type { OrderNoticeItem } from '../../domain/notices.js';
import { formatStamp } from '../../domain/order-view.js';
import { Unavailable } from './Unavailable.js';
import { useChannel } from './useChannel.js';

function stateNote(n: OrderNoticeItem, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (n.status === 'HELD' && n.holdUntil) return t('notices.heldUntil', { time: formatStamp(n.holdUntil) });
  return n.reason ?? '';
}

export function OrderNotices({ orderId, optedOut }: { orderId: string; optedOut: boolean }) {
  const { t } = useTranslation();
  const { data, error, reload } = useChannel('notices:order', { orderId });
  return (
    <section className="order-notices" aria-label={t('notices.section')} data-testid="order-notices">
      <h3>
        {t('notices.section')}{' '}
        <button type="button" className="btn ghost small" onClick={() => void reload()}>
          {t('common.refresh')}
        </button>
      </h3>
      {optedOut && <p className="muted">{t('notices.optedOut')}</p>}
      {error && <Unavailable error={error} onRetry={() => void reload()} />}
      {data && data.length === 0 && <p className="muted">{t('notices.empty')}</p>}
      {data && data.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th>{t('notices.event')}</th>
              <th>{t('notices.status')}</th>
              <th>{t('notices.channel')}</th>
              <th>{t('notices.created')}</th>
              <th>{t('notices.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((n) => (
              <tr key={n.id} data-status={n.status}>
                <td>{t(`notices.events.${n.event}`)}</td>
                <td>{t(`notices.statuses.${n.status}`)}</td>
                <td>{n.channel ? t(`notices.channels.${n.channel}`) : ''}</td>
                <td>{formatStamp(n.deliveredAt ?? n.sentAt ?? n.createdAt)}</td>
                <td>{stateNote(n, t)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
