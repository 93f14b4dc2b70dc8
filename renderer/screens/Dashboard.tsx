import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ORDER_STATUSES, STATUS_TONE } from '../../domain/order-status.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { progressByDay, totalsByStatus } from '../reports/progress.js';
import { useOrders } from '../stores/orders.js';
import { todayIso } from './AssignmentBoard.js';

const TONE_COLOR = {
  idle: '#9aa5b1',
  active: '#3b6fd4',
  moving: '#2a9d8f',
  warn: '#e0a030',
  done: '#3f9b52',
  partial: '#7e57c2',
  closed: '#c0c4ca',
} as const;

function addDays(date: string, n: number) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function Dashboard() {
  const { t } = useTranslation();
  const rows = useOrders((s) => s.rows);
  const [from, setFrom] = useState(() => addDays(todayIso(), -6));
  const [to, setTo] = useState(() => addDays(todayIso(), 7));
  const days = useMemo(() => progressByDay(rows, from, to), [rows, from, to]);
  const totals = useMemo(() => totalsByStatus(days), [days]);
  const total = days.reduce((n, d) => n + d.total, 0);
  const chartData = days.map((d) => ({ date: d.date.slice(5), ...d.counts }));
  return (
    <section className="screen padded" aria-label={t('dashboard.title')}>
      <header className="screen-head">
        <h1>{t('dashboard.title')}</h1>
        <label className="inline">
          <span>{t('common.from')}</span>
          <input type="date" value={from} onChange={(e) => e.target.value && setFrom(e.target.value)} />
        </label>
        <label className="inline">
          <span>{t('common.to')}</span>
          <input type="date" value={to} onChange={(e) => e.target.value && setTo(e.target.value)} />
        </label>
        <span className="muted small">{t('dashboard.source')}</span>
      </header>
      <div className="cards status-cards" data-testid="progress-totals">
        <div className="card stat">
          <span className="muted">{t('dashboard.total')}</span>
          <b>{total.toLocaleString()}</b>
        </div>
        {ORDER_STATUSES.filter((s) => totals[s] > 0).map((s) => (
          <div key={s} className="card stat">
            <StatusBadge status={s} />
            <b>{totals[s].toLocaleString()}</b>
          </div>
        ))}
      </div>
      <h2>{t('dashboard.byDay')}</h2>
      <div className="chart card" data-testid="progress-chart">
        <ResponsiveContainer width="100%" height={340}>
          <BarChart data={chartData} margin={{ top: 8, right: 16, left: 0, bottom: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e5e8ec" />
            <XAxis dataKey="date" tick={{ fontSize: 12 }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {ORDER_STATUSES.filter((s) => totals[s] > 0).map((s) => (
              <Bar
                key={s}
                dataKey={s}
                name={t(`status.${s}`)}
                stackId="s"
                fill={TONE_COLOR[STATUS_TONE[s]]}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
