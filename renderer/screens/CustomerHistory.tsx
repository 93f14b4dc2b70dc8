import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatAddress, formatStamp } from '../../domain/order-view.js';
import { OlderOrders } from '../components/OlderOrders.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { customerHistory } from '../reports/progress.js';
import { useOrders } from '../stores/orders.js';
import { useUi } from '../stores/ui.js';

export function CustomerHistory() {
  const { t } = useTranslation();
  const rows = useOrders((s) => s.rows);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [query, setQuery] = useState<{ name?: string; phone?: string } | null>(null);
  const found = useMemo(() => (query ? customerHistory(rows, query) : []), [rows, query]);
  function submit(e: FormEvent) {
    e.preventDefault();
    setQuery({ name: name.trim() || undefined, phone: phone.trim() || undefined });
  }
  return (
    <section className="screen padded" aria-label={t('customers.title')}>
      <header className="screen-head">
        <h1>{t('customers.title')}</h1>
      </header>
      <form className="toolbar plain" onSubmit={submit}>
        <label className="inline">
          <span>{t('customers.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="customer-name" />
        </label>
        <label className="inline">
          <span>{t('customers.phone')}</span>
          <input value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" />
        </label>
        <button type="submit" className="btn primary">
          {t('common.search')}
        </button>
        <span className="muted small">{t('customers.hint')}</span>
      </form>
      {query && (
        <>
          <p>
            <b>{t('customers.found', { count: found.length })}</b>
          </p>
          {found.length === 0 ? (
            <p className="muted">{t('customers.noResult')}</p>
          ) : (
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
                {found.map((o) => (
                  <tr key={o.id}>
                    <td>{formatStamp(o.createdAt)}</td>
                    <td>
                      <button type="button" className="btn link" onClick={() => useUi.getState().openDetail(o.id)}>
                        {o.orderNo}
                      </button>
                    </td>
                    <td>
                      <StatusBadge status={o.status} />
                    </td>
                    <td>{o.customerName}</td>
                    <td>{o.customerPhone}</td>
                    <td>{formatAddress(o.address)}</td>
                    <td className="small">{o.items}</td>
                    <td>{o.appointmentDate}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {/* the copy holds the window only (issue 16): older orders of the customer come from the head office */}
          {(query.name ?? query.phone) && (
            <OlderOrders query={query.name ? { name: query.name } : { phone: query.phone! }} />
          )}
        </>
      )}
    </section>
  );
}
