// A progress bar for long work: the step in words, rows done of the step's total and the whole task's percentage.
// Without a report yet (or for work the head office does not measure) it is indeterminate.
import { useTranslation } from 'react-i18next';
import type { TaskKind, TaskProgress } from '../../domain/client-api.js';
import { useProgress } from '../stores/progress.js';

export function ProgressBar({
  progress,
  label,
  testId,
  unit = 'rows',
}: {
  progress: TaskProgress | null | undefined;
  label: string;
  testId?: string;
  unit?: 'rows' | 'none';
}) {
  const { t } = useTranslation();
  const p = progress ?? null;
  const step = p ? t(`progress.steps.${p.step}`) : t('progress.preparing');
  const detail =
    p && unit === 'rows' && p.step !== 'done' && p.total > 1
      ? t('progress.rows', { done: p.done.toLocaleString('en-US'), total: p.total.toLocaleString('en-US') })
      : '';
  return (
    <div className="progress" data-testid={testId} data-step={p?.step ?? ''} data-percent={p?.percent ?? ''}>
      <div
        className={`progress-track${p ? '' : ' indeterminate'}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={p?.percent}
        aria-valuetext={p ? `${step} ${p.percent}%` : step}
      >
        <div className="progress-fill" style={p ? { width: `${p.percent}%` } : undefined} />
      </div>
      <span className="progress-text">
        {label} · {step}
        {detail && ` · ${detail}`}
        {p && ` · ${p.percent}%`}
      </span>
    </div>
  );
}

/** Exports and PDFs started anywhere (the grid, the print preview): one bar each at the foot of the window. */
export function TaskProgressDock({ tasks }: { tasks: readonly TaskKind[] }) {
  const { t } = useTranslation();
  const all = useProgress((s) => s.tasks);
  const running = tasks.flatMap((k) => (all[k] ? [all[k]] : []));
  if (running.length === 0) return null;
  return (
    <div className="task-dock" aria-live="polite">
      {running.map((p) => (
        <ProgressBar
          key={p.task}
          progress={p}
          label={t(p.task === 'print' ? 'progress.printing' : 'grid.export')}
          testId={`task-progress-${p.task}`}
          unit={p.task === 'print' ? 'none' : 'rows'}
        />
      ))}
    </div>
  );
}
