// Progress of long work in the services worker (an import, an export, a PDF), as the UI's progress bars show it:
// the step (reading the file, checking rows, writing), its rows done of its total, and the whole task's percentage
// from the steps' shares. Reports are thinned to whole percents, so a 50,000-row file sends ~100 events, not 50,000.
import type { TaskKind, TaskProgress, TaskStep } from '../../domain/client-api.js';

export type ProgressSink = (p: TaskProgress) => void;

export interface TaskReporter {
  /** `done` of `total` rows of `step` (steps in the order given to taskProgress) */
  step(step: Exclude<TaskStep, 'done'>, done: number, total: number): void;
  finish(): void;
}

/** A reporter for one task; `shares`: each step's part of the whole (summing to 1). */
export function taskProgress(
  task: TaskKind,
  shares: Partial<Record<Exclude<TaskStep, 'done'>, number>>,
  sink: ProgressSink | undefined,
): TaskReporter {
  const order = Object.keys(shares) as Exclude<TaskStep, 'done'>[];
  let last = { step: '', percent: -1 };
  const send = (p: TaskProgress) => {
    // a step's last row is always said (the bar shows "400 / 400 rows" before it moves on)
    if (!sink || (p.step === last.step && p.percent === last.percent && p.done < p.total)) return;
    last = { step: p.step, percent: p.percent };
    sink(p);
  };
  return {
    step(step, done, total) {
      const before = order.slice(0, order.indexOf(step)).reduce((n, s) => n + (shares[s] ?? 0), 0);
      const within = total > 0 ? Math.min(1, done / total) : 1;
      const percent = Math.floor((before + within * (shares[step] ?? 0)) * 100);
      send({ task, step, done, total, percent: Math.min(99, percent) });
    },
    finish() {
      send({ task, step: 'done', done: 1, total: 1, percent: 100 });
    },
  };
}
