import { create } from 'zustand';
import type { Conflict, FailedOp, SyncState } from '../../domain/client-api.js';
import { tryCall } from '../platform/api.js';

interface SyncStore {
  state: SyncState | null;
  conflicts: Conflict[];
  failed: FailedOp[];
  setState(state: SyncState): void;
  refresh(): Promise<void>;
  syncNow(): Promise<void>;
  loadIssues(): Promise<void>;
}

export const useSync = create<SyncStore>((set, get) => ({
  state: null,
  conflicts: [],
  failed: [],
  setState(state) {
    const prev = get().state;
    // an older state arriving late (an answer overtaken by an event) is dropped; the signed-out state (rev 0,
    // sent when a session ends) always passes, so a new session's engine counts from there
    if (prev && state.rev !== 0 && state.rev < prev.rev) return;
    set({ state });
    // a change in the counts means the lists on screen are stale
    if (!prev || prev.conflicts !== state.conflicts || prev.failed !== state.failed) void get().loadIssues();
  },
  async refresh() {
    const r = await tryCall('sync:state', {});
    if (r.ok) get().setState(r.value);
  },
  async syncNow() {
    const r = await tryCall('sync:now', {});
    if (r.ok) get().setState(r.value);
  },
  async loadIssues() {
    const [c, f] = await Promise.all([tryCall('sync:conflicts', {}), tryCall('sync:failed', {})]);
    set({ conflicts: c.ok ? c.value : get().conflicts, failed: f.ok ? f.value : get().failed });
  },
}));
