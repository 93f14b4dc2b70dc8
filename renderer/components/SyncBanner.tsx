// What the clerk must know about the link to the head office, under the top bar: while it is down, since when, how
// many changes wait on this PC and that work goes on; once it is back, a short report of what was sent, what
// conflicted and what was refused (it goes by itself unless something needs the clerk); and the first sync's
// progress while the copy fills.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutageReport } from '../../domain/client-api.js';
import { formatStamp } from '../../domain/order-view.js';
import { useSync } from '../stores/sync.js';
import { useUi } from '../stores/ui.js';
import { ProgressBar } from './ProgressBar.js';

/** A report with nothing to deal with leaves after this long. */
const REPORT_MS = 15_000;

function duration(t: (k: string, o?: Record<string, unknown>) => string, r: OutageReport): string {
  const s = Math.max(0, Math.round((Date.parse(r.until) - Date.parse(r.since)) / 1000));
  return s >= 60 ? t('offline.minutes', { count: Math.round(s / 60) }) : t('offline.seconds', { count: s });
}

export function SyncBanner() {
  const { t } = useTranslation();
  const state = useSync((s) => s.state);
  const [closed, setClosed] = useState<string | null>(null);
  const report = state?.recovered ?? null;
  // it stays while a conflict or refusal is still open; once they are dealt with it goes like any other
  const needsClerk =
    !!report && report.conflicts + report.failed > 0 && (state?.conflicts ?? 0) + (state?.failed ?? 0) > 0;
  // keyed by the outage's end: every new state carries a new report object, which must not restart the clock
  const until = report?.until ?? null;
  useEffect(() => {
    if (!until || needsClerk) return;
    const timer = setTimeout(() => setClosed(until), REPORT_MS);
    return () => clearTimeout(timer);
  }, [until, needsClerk]);
  if (!state) return null;

  // offline after a failed attempt (not the moment before the first cycle of a start)
  if (state.status === 'offline' && state.offlineSince && state.lastError) {
    return (
      <div className="sync-banner offline" role="status" data-testid="offline-banner">
        <b>{t('offline.banner', { since: formatStamp(state.offlineSince) })}</b>
        <span>{state.pending > 0 ? t('offline.waiting', { count: state.pending }) : t('offline.nothingWaiting')}</span>
      </div>
    );
  }
  if (state.firstSync) {
    const { done, total } = state.firstSync;
    return (
      <div className="sync-banner syncing" data-testid="first-sync">
        <ProgressBar
          progress={
            total
              ? {
                  task: 'import',
                  step: 'reading',
                  done,
                  total,
                  percent: Math.min(100, Math.floor((done / total) * 100)),
                }
              : null
          }
          label={
            total
              ? t('progress.firstSync', { done: done.toLocaleString('en-US'), total: total.toLocaleString('en-US') })
              : t('progress.firstSyncUnknown', { done: done.toLocaleString('en-US') })
          }
          unit="none"
          testId="first-sync-progress"
        />
      </div>
    );
  }
  if (report && closed !== report.until) {
    return (
      <div
        className={`sync-banner back${needsClerk ? ' attention' : ''}`}
        role="status"
        data-testid="back-online-report"
      >
        <b>{t('offline.back', { duration: duration(t, report) })}</b>
        <span>{t('offline.report', { sent: report.sent, conflicts: report.conflicts, failed: report.failed })}</span>
        {needsClerk && (
          <button type="button" className="btn" onClick={() => useUi.getState().go('sync')}>
            {t('offline.showIssues')}
          </button>
        )}
        <button type="button" className="btn ghost" onClick={() => setClosed(report.until)}>
          {t('offline.dismiss')}
        </button>
      </div>
    );
  }
  return null;
}
