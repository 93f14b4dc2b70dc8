// The long work of the services as it goes (ClientEvent 'progress'): the latest report per task, cleared a moment
// after it is done so a finished bar does not linger.
import { create } from 'zustand';
import type { TaskKind, TaskProgress } from '../../domain/client-api.js';

interface ProgressStore {
  tasks: Partial<Record<TaskKind, TaskProgress>>;
  report(p: TaskProgress): void;
}

const timers = new Map<TaskKind, ReturnType<typeof setTimeout>>();

export const useProgress = create<ProgressStore>((set, get) => ({
  tasks: {},
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
