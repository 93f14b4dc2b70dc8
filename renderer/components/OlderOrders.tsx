// Orders outside the copy's window (issue 16), asked of the head office on demand: the customer history and the
// grid's search show them under their own heading, never in the grid itself — they are not kept on this PC, so
// nothing of them can be edited offline. Offline the panel says so instead of showing nothing.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OlderOrders as OlderResult } from '../../domain/client-api.js';
import { formatAddress, formatStamp } from '../../domain/order-view.js';
import { tryCall } from '../platform/api.js';
import { StatusBadge } from './StatusBadge.js';

export type OlderQuery = { text: string } | { name: string } | { phone: string };

export function OlderOrders({ query }: { query: OlderQuery }) {
  const { t } = useTranslation();
  const [result, setResult] = useState<OlderResult | 'loading' | { error: string }>('loading');
  const key = JSON.stringify(query);
  useEffect(() => {
    let live = true;
    setResult('loading');
    void tryCall('older:search', JSON.parse(key) as OlderQuery).then((r) => {
      if (live) setResult(r.ok ? r.value : { error: r.error.message });
    });
    return () => {
      live = false;
    };
  }, [key]);
  return (
    <section className="older-orders" aria-label={t('older.title')} data-testid="older-orders">
      <h2>{t('older.title')}</h2>
      {result === 'loading' ? (
        <p className="muted">{t('older.loading')}</p>
      ) : 'error' in result ? (
        <p className="error">{result.error}</p>
      ) : !result.available ? (
        <p className="muted">{t('older.offline')}</p>
      ) : result.items.length === 0 ? (
        <p className="muted">{t('older.none')}</p>
      ) : (
        <>
          <p className="muted small">{t('older.notKept', { count: result.items.length })}</p>
          <table className="table">
            <thead>
              <tr>
                <th>{t('columns.createdAt')}</th>
                <th>{t('columns.orderNo')}</th>
                <th>{t('columns.status')}</th>
                <th>{t('columns.customerName')}</th>
                <th>{t('columns.customerPhone')}</th>
                <th>{t('columns.address')}</th>
                <th>{t('columns.items')}</th>
                <th>{t('columns.appointmentDate')}</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((o) => (
                <tr key={o.id}>
                  <td>{formatStamp(o.createdAt)}</td>
                  <td>{o.orderNo}</td>
                  <td>
                    <StatusBadge status={o.status} />
                  </td>
                  <td>{o.customerName}</td>
                  <td>{o.customerPhone}</td>
                  <td>{formatAddress(o.address as Parameters<typeof formatAddress>[0])}</td>
                  <td className="small">{o.items}</td>
                  <td>{o.appointmentDate}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
