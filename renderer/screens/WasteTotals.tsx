import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Unavailable } from '../components/Unavailable.js';
import { useChannel } from '../components/useChannel.js';
import { errorText } from '../i18n/index.js';
import { call, saveFile } from '../platform/api.js';
import { useUi } from '../stores/ui.js';
import { todayIso } from './AssignmentBoard.js';

export function WasteTotals() {
  const { t } = useTranslation();
  const today = todayIso();
  const [from, setFrom] = useState(`${today.slice(0, 7)}-01`);
  const [to, setTo] = useState(today);
  const [groupBy, setGroupBy] = useState<'code' | 'day' | 'partner'>('code');
  const [month, setMonth] = useState(today.slice(0, 7));
  const { data, error, reload } = useChannel('waste:summary', { from, to, groupBy });
  const totalQty = (data ?? []).reduce((n, r) => n + r.quantity, 0);
  const totalPickups = (data ?? []).reduce((n, r) => n + r.pickups, 0);

  async function ecoas(format: 'xlsx' | 'csv') {
    try {
      const f = await call('waste:ecoas', { month, format });
      await saveFile(f.fileId, f.fileName);
    } catch (e) {
      useUi
        .getState()
        .toast('error', errorText((e as { error: never }).error ?? { code: 'INTERNAL', message: String(e) }));
    }
  }

  return (
    <section className="screen padded" aria-label={t('waste.title')}>
      <header className="screen-head">
        <h1>{t('waste.title')}</h1>
      </header>
      <div className="toolbar plain">
        <label className="inline">
          <span>{t('common.from')}</span>
          <input type="date" value={from} onChange={(e) => e.target.value && setFrom(e.target.value)} />
        </label>
        <label className="inline">
          <span>{t('common.to')}</span>
          <input type="date" value={to} onChange={(e) => e.target.value && setTo(e.target.value)} />
        </label>
        <label className="inline">
          <span>{t('waste.groupBy')}</span>
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as typeof groupBy)}>
            <option value="code">{t('waste.byCode')}</option>
            <option value="day">{t('waste.byDay')}</option>
            <option value="partner">{t('waste.byPartner')}</option>
          </select>
        </label>
        <div className="spacer" />
        <span>{t('waste.ecoas')}</span>
        <input type="month" value={month} aria-label={t('waste.month')} onChange={(e) => setMonth(e.target.value)} />
        <button type="button" className="btn" onClick={() => void ecoas('xlsx')}>
          xlsx
        </button>
        <button type="button" className="btn" onClick={() => void ecoas('csv')}>
          csv
        </button>
      </div>
      {error ? (
        <Unavailable error={error} onRetry={() => void reload()} />
      ) : (
        <table className="table narrow" data-testid="waste-table">
          <thead>
            <tr>
              <th>{t('waste.key')}</th>
              <th className="num">{t('waste.quantity')}</th>
              <th className="num">{t('waste.pickups')}</th>
            </tr>
          </thead>
          <tbody>
            {(data ?? []).map((r) => (
              <tr key={r.key}>
                <td>{r.label}</td>
                <td className="num">{r.quantity.toLocaleString()}</td>
                <td className="num">{r.pickups.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th>{t('dashboard.total')}</th>
              <th className="num">{totalQty.toLocaleString()}</th>
              <th className="num">{totalPickups.toLocaleString()}</th>
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
