import { create } from 'zustand';
import type { ApiError, Session } from '../../domain/client-api.js';
import { tryCall } from '../platform/api.js';

interface SessionState {
  session: Session | null;
  checked: boolean;
  busy: boolean;
  error: ApiError | null;
  restore(): Promise<void>;
  login(serverUrl: string, username: string, password: string): Promise<boolean>;
  logout(): Promise<void>;
}

export const useSession = create<SessionState>((set) => ({
  session: null,
  checked: false,
  busy: false,
  error: null,
  async restore() {
    const r = await tryCall('auth:session', {});
    set({ session: r.ok ? r.value : null, checked: true });
  },
  async login(serverUrl, username, password) {
    set({ busy: true, error: null });
    const r = await tryCall('auth:login', { serverUrl, username, password });
    if (r.ok) {
      set({ session: r.value, busy: false });
      globalThis.localStorage?.setItem('dispatch.serverUrl', serverUrl);
      globalThis.localStorage?.setItem('dispatch.username', username);
      return true;
    }
    set({ error: r.error, busy: false });
    return false;
  },
  async logout() {
    await tryCall('auth:logout', {});
    set({ session: null });
  },
}));
