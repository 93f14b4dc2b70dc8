// The order's customer notices (알림톡 / SMS) in the detail drawer: their states as the head office has them.
// Online only — the notices are not mirrored — so offline the section says it cannot answer. The customer's
// opt-out is the order's own field (noticesOptOut): read from the mirror and changed like any order edit, through
// the outbox, so it works offline too.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OrderNoticeItem } from '../../domain/notices.js';
import { formatStamp } from '../../domain/order-view.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { useUi } from '../stores/ui.js';
import { Unavailable } from './Unavailable.js';
import { useChannel } from './useChannel.js';

function stateNote(n: OrderNoticeItem, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (n.status === 'HELD' && n.holdUntil) return t('notices.heldUntil', { time: formatStamp(n.holdUntil) });
  return n.reason ?? '';
}

export function OrderNotices({
  order,
  mayEdit,
  onChanged,
}: {
  order: { id: string; version: number; noticesOptOut: boolean };
  mayEdit: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const { data, error, reload } = useChannel('notices:order', { orderId: order.id });
  const [saving, setSaving] = useState(false);
  async function setOptOut(noticesOptOut: boolean) {
    setSaving(true);
    const r = await tryCall('orders:update', { id: order.id, patch: { version: order.version, noticesOptOut } });
    setSaving(false);
    if (!r.ok) useUi.getState().toast('error', errorText(r.error));
    else onChanged();
  }
  return (
    <section className="order-notices" aria-label={t('notices.section')} data-testid="order-notices">
      <h3>
        {t('notices.section')}{' '}
        <button type="button" className="btn ghost small" onClick={() => void reload()}>
          {t('common.refresh')}
        </button>
      </h3>
      <label className="inline">
        <input
          type="checkbox"
          data-testid="notices-opt-out"
          checked={order.noticesOptOut}
          disabled={!mayEdit || saving}
          onChange={(e) => void setOptOut(e.target.checked)}
        />
        <span>{t('notices.optOut')}</span>
      </label>
      {order.noticesOptOut && <p className="muted">{t('notices.optedOut')}</p>}
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
