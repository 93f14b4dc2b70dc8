// The head office's list of customer notices (알림톡 / SMS) with filters: status, event, branch, created days.
// Online only (the head office keeps the notices); a branch manager sees its own branch's (row-level security).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NOTICE_EVENTS, NOTICE_STATUSES, type NoticeEvent, type NoticeStatus } from '../../domain/notices.js';
import { formatStamp } from '../../domain/order-view.js';
import { Unavailable } from '../components/Unavailable.js';
import { useChannel } from '../components/useChannel.js';
import { useUi } from '../stores/ui.js';

export function NoticesScreen() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<NoticeStatus | ''>('');
  const [event, setEvent] = useState<NoticeEvent | ''>('');
  const [branchId, setBranchId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const branches = useChannel('lookups:branches', {});
  const filters = {
    ...(status ? { status } : {}),
    ...(event ? { event } : {}),
    ...(branchId ? { branchId } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  const { data, error, reload } = useChannel('notices:list', filters);
  const branchName = new Map((branches.data ?? []).map((b) => [b.id, b.name]));
  return (
    <section className="screen padded" aria-label={t('notices.title')}>
      <header className="screen-head">
        <h1>{t('notices.title')}</h1>
        <label className="inline">
          <span>{t('notices.status')}</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as NoticeStatus | '')}>
            <option value="">{t('notices.all')}</option>
            {NOTICE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`notices.statuses.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <span>{t('notices.event')}</span>
          <select value={event} onChange={(e) => setEvent(e.target.value as NoticeEvent | '')}>
            <option value="">{t('notices.all')}</option>
            {NOTICE_EVENTS.map((x) => (
              <option key={x} value={x}>
                {t(`notices.events.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <span>{t('notices.branch')}</span>
          <select value={branchId} onChange={(e) => setBranchId(e.target.value)}>
            <option value="">{t('notices.all')}</option>
            {(branches.data ?? []).map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <span>{t('common.from')}</span>
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="inline">
          <span>{t('common.to')}</span>
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="button" className="btn ghost" onClick={() => void reload()}>
          {t('common.refresh')}
        </button>
      </header>
      {error && <Unavailable error={error} onRetry={() => void reload()} />}
      {data && data.length === 0 && <p className="muted">{t('notices.empty')}</p>}
      {data && data.length > 0 && (
        <table className="table" data-testid="notices-table">
          <thead>
            <tr>
              <th>{t('notices.created')}</th>
              <th>{t('notices.orderNo')}</th>
              <th>{t('notices.branch')}</th>
              <th>{t('notices.event')}</th>
              <th>{t('notices.status')}</th>
              <th>{t('notices.channel')}</th>
              <th>{t('notices.sent')}</th>
              <th>{t('notices.delivered')}</th>
              <th>{t('notices.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((n) => (
              <tr key={n.id} data-status={n.status}>
                <td>{formatStamp(n.createdAt)}</td>
                <td>
                  <button type="button" className="link" onClick={() => useUi.getState().openDetail(n.orderId)}>
                    {n.orderNo}
                  </button>
                </td>
                <td>{branchName.get(n.branchId) ?? ''}</td>
                <td>{t(`notices.events.${n.event}`)}</td>
                <td>{t(`notices.statuses.${n.status}`)}</td>
                <td>{n.channel ? t(`notices.channels.${n.channel}`) : ''}</td>
                <td>{formatStamp(n.sentAt)}</td>
                <td>{formatStamp(n.deliveredAt)}</td>
                <td>
                  {n.status === 'HELD' && n.holdUntil
                    ? t('notices.heldUntil', { time: formatStamp(n.holdUntil) })
                    : (n.reason ?? '')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
