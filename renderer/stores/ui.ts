import { create } from 'zustand';

export type Screen =
  | 'orders'
  | 'board'
  | 'happyCalls'
  | 'noticeTemplates'
  | 'branchSlots'
  | 'dashboard'
  | 'customers'
  | 'waste'
  | 'notifications'
  | 'settlements'
  | 'exports'
  | 'notices'
  | 'sync'
  | 'settings';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  text: string;
}

/** What the order drawer opens on: the status form preset to a status (a 해피콜's 연기 요청 / 취소 요청). */
export interface DetailIntent {
  status: import('../../domain/order-status.js').OrderStatus;
}

interface UiState {
  screen: Screen;
  detailId: string | null;
  detailIntent: DetailIntent | null;
  print: { date: string; installerIds?: string[] } | null;
  importOpen: boolean;
  toasts: Toast[];
  /** unread notifications, for the badge on the navigation */
  unread: number;
  setUnread(n: number): void;
  go(screen: Screen): void;
  openDetail(id: string | null, intent?: DetailIntent): void;
  openPrint(p: UiState['print']): void;
  setImportOpen(open: boolean): void;
  toast(kind: Toast['kind'], text: string): void;
  dismiss(id: number): void;
}

let nextToast = 1;
export const useUi = create<UiState>((set, get) => ({
  screen: 'orders',
  detailId: null,
  detailIntent: null,
  print: null,
  importOpen: false,
  toasts: [],
  unread: 0,
  setUnread: (unread) => set({ unread }),
  go: (screen) => set({ screen }),
  openDetail: (detailId, intent) => set({ detailId, detailIntent: intent ?? null }),
  openPrint: (print) => set({ print }),
  setImportOpen: (importOpen) => set({ importOpen }),
  toast(kind, text) {
    const id = nextToast++;
    set({ toasts: [...get().toasts, { id, kind, text }].slice(-4) });
    setTimeout(() => get().dismiss(id), kind === 'error' ? 8000 : 4000);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));
