import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportJob, TaskProgress } from '../../domain/client-api.js';
import { formatStamp } from '../../domain/order-view.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { Unavailable } from '../components/Unavailable.js';
import { useChannel } from '../components/useChannel.js';
import { errorText } from '../i18n/index.js';
import { api, saveFile, tryCall } from '../platform/api.js';
import { useUi } from '../stores/ui.js';
import { todayIso } from './AssignmentBoard.js';

// waste and ECOAS reports have their own screen (waste totals); these are the head office's background exports
const TYPES = ['orders', 'settlement', 'audit'] as const;

/** The head office's count of rows written of the file's rows as a bar; none (indeterminate) before it counted. */
function barProgress(x: ExportJob): TaskProgress | null {
  const p = x.status === 'RUNNING' ? x.progress : null;
  if (!p || p.total === null) return null;
  // 100% is the finished file, which DONE says
  const percent = p.total === 0 ? 0 : Math.min(99, Math.floor((p.done * 100) / p.total));
  return { task: 'export', step: 'writing', done: p.done, total: p.total, percent };
}

export function ExportsScreen() {
  const { t } = useTranslation();
  const { data, error, reload } = useChannel('exports:list', {});
  const [type, setType] = useState<(typeof TYPES)[number]>('orders');
  const [from, setFrom] = useState(() => `${todayIso().slice(0, 7)}-01`);
  const [to, setTo] = useState(todayIso);
  // the list follows the jobs by itself: the head office's notification of a finished export arrives on the live
  // stream; while a job is waiting or running, a slow poll covers a stream that is down
  const working = (data ?? []).some((x) => x.status === 'PENDING' || x.status === 'RUNNING');
  useEffect(
    () =>
      api().onEvent((e) => {
        if (e.type === 'notifications-changed') void reload();
      }),
    [reload],
  );
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void reload(), 2000);
    return () => clearInterval(timer);
  }, [working, reload]);
  async function create() {
    const r = await tryCall('exports:create', type === 'orders' ? { type } : { type, filters: { from, to } });
    if (!r.ok) useUi.getState().toast('error', errorText(r.error));
    void reload();
  }
  async function download(id: string) {
    const r = await tryCall('exports:download', { id });
    if (!r.ok) useUi.getState().toast('error', errorText(r.error));
    else await saveFile(r.value.fileId, r.value.fileName);
  }
  return (
    <section className="screen padded" aria-label={t('exports.title')}>
      <header className="screen-head">
        <h1>{t('exports.title')}</h1>
        <select value={type} onChange={(e) => setType(e.target.value as typeof type)} aria-label={t('exports.type')}>
          {TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`exports.types.${x}`)}
            </option>
          ))}
        </select>
        {type !== 'orders' && (
          <>
            <label className="inline">
              <span>{t('common.from')}</span>
              <input type="date" value={from} onChange={(e) => e.target.value && setFrom(e.target.value)} />
            </label>
            <label className="inline">
              <span>{t('common.to')}</span>
              <input type="date" value={to} onChange={(e) => e.target.value && setTo(e.target.value)} />
            </label>
          </>
        )}
        <button type="button" className="btn primary" onClick={() => void create()} data-testid="export-create">
          {t('exports.create')}
        </button>
        <button type="button" className="btn ghost" onClick={() => void reload()}>
          {t('common.refresh')}
        </button>
      </header>
      {error && <Unavailable error={error} onRetry={() => void reload()} />}
      {data && data.length === 0 && <p className="muted">{t('exports.empty')}</p>}
      {data && data.length > 0 && (
        <table className="table narrow">
          <thead>
            <tr>
              <th>{t('exports.created')}</th>
              <th>{t('exports.type')}</th>
              <th>{t('exports.status')}</th>
              <th className="num">{t('exports.rows')}</th>
              <th>{t('exports.expires')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((x) => (
              <tr key={x.id}>
                <td>{formatStamp(x.createdAt)}</td>
                <td>{t(`exports.types.${x.type}`)}</td>
                <td title={x.lastError ?? undefined} data-testid="export-status" data-status={x.status}>
                  {x.status === 'PENDING' || x.status === 'RUNNING' ? (
                    <ProgressBar
                      progress={barProgress(x)}
                      label={t(`exports.statuses.${x.status}`)}
                      testId="export-progress"
                    />
                  ) : (
                    t(`exports.statuses.${x.status}`)
                  )}
                </td>
                <td className="num">{x.rowCount ?? ''}</td>
                <td>{formatStamp(x.expiresAt)}</td>
                <td>
                  {x.status === 'DONE' && (
                    <button type="button" className="btn" onClick={() => void download(x.id)}>
                      {t('exports.download')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
