// The long work of the services as it goes (ClientEvent 'progress'): the latest report per task, cleared a moment
// after it is done so a finished bar does not linger.
import { create } from 'zustand';
import type { TaskKind, TaskProgress } from '../../domain/client-api.js';

interface ProgressStore {
  tasks: Partial<Record<TaskKind, TaskProgress>>;
  report(p: TaskProgress): void;
  /** a new run of the task starts: the last one's bar is not shown for it */
  clear(task: TaskKind): void;
}

const timers = new Map<TaskKind, ReturnType<typeof setTimeout>>();

export const useProgress = create<ProgressStore>((set, get) => ({
  tasks: {},
  clear(task) {
    const { [task]: _last, ...rest } = get().tasks;
    set({ tasks: rest });
  },
  report(p) {
    const t = timers.get(p.task);
    if (t) clearTimeout(t);
    set({ tasks: { ...get().tasks, [p.task]: p } });
    if (p.step === 'done')
      timers.set(
        p.task,
        setTimeout(() => {
          const { [p.task]: _done, ...rest } = get().tasks;
          set({ tasks: rest });
        }, 1500),
      );
  },
}));
