// The orders the grid, board and dashboard show: the whole local mirror, loaded once and refreshed when the
// services say orders changed; plus the grid's view (filters, sort, quick filter) and column layout.
import { create } from 'zustand';
import type { ApiError } from '../../domain/client-api.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderPatch } from '../../domain/order-schemas.js';
import type { OrderStatus } from '../../domain/order-status.js';
import type { OrderColumnKey, OrderViewSpec, QuickFilter, SortSpec } from '../../domain/order-view.js';
import { defaultLayout, type GridLayout, LAYOUT_PREF_KEY, normalizeLayout } from '../grid/layout.js';
import { tryCall } from '../platform/api.js';

export interface OrdersState {
  rows: OrderRow[];
  loaded: boolean;
  loading: boolean;
  error: ApiError | null;
  sort: SortSpec[];
  filters: Partial<Record<OrderColumnKey, string>>;
  statuses: OrderStatus[];
  quick: QuickFilter | undefined;
  pendingOnly: boolean;
  layout: GridLayout;
  load(): Promise<void>;
  replaceRow(row: OrderRow): void;
  setSort(sort: SortSpec[]): void;
  setFilter(key: OrderColumnKey, value: string): void;
  setStatuses(statuses: OrderStatus[]): void;
  setQuick(quick: QuickFilter | undefined): void;
  setPendingOnly(on: boolean): void;
  clearFilters(): void;
  setLayout(layout: GridLayout, persist?: boolean): void;
  loadLayout(): Promise<void>;
  update(
    row: OrderRow,
    patch: Omit<OrderPatch, 'version'>,
  ): Promise<{ ok: true; row: OrderRow; opId: string } | { ok: false; error: ApiError }>;
}

export function viewSpec(
  s: Pick<OrdersState, 'sort' | 'filters' | 'statuses' | 'quick' | 'pendingOnly'>,
): OrderViewSpec {
  return {
    sort: s.sort,
    filters: s.filters,
    statuses: s.statuses.length ? s.statuses : undefined,
    quick: s.quick,
    pendingOnly: s.pendingOnly || undefined,
  };
}

let loadSeq = 0;
let layoutTimer: ReturnType<typeof setTimeout> | null = null;

export const useOrders = create<OrdersState>((set, get) => ({
  rows: [],
  loaded: false,
  loading: false,
  error: null,
  sort: [{ key: 'appointmentDate', direction: 'DESC' }],
  filters: {},
  statuses: [],
  quick: undefined,
  pendingOnly: false,
  layout: defaultLayout(),
  async load() {
    const seq = ++loadSeq;
    set({ loading: true });
    const r = await tryCall('orders:list', {});
    if (seq !== loadSeq) return; // a newer load started meanwhile; its answer wins
    if (r.ok) set({ rows: r.value, loaded: true, loading: false, error: null });
    else set({ loading: false, error: r.error, loaded: true });
  },
  replaceRow(row) {
    const rows = get().rows;
    const i = rows.findIndex((r) => r.id === row.id);
    const next = rows.slice();
    if (i >= 0) next[i] = row;
    else next.unshift(row);
    set({ rows: next });
  },
  setSort: (sort) => set({ sort }),
  setFilter: (key, value) => set({ filters: { ...get().filters, [key]: value } }),
  setStatuses: (statuses) => set({ statuses }),
  setQuick: (quick) => set({ quick }),
  setPendingOnly: (pendingOnly) => set({ pendingOnly }),
  clearFilters: () => set({ filters: {}, statuses: [], quick: undefined, pendingOnly: false }),
  setLayout(layout, persist = true) {
    set({ layout });
    if (!persist) return;
    if (layoutTimer) clearTimeout(layoutTimer);
    // column drags and resizes fire many times a second; save once the hand stops
    layoutTimer = setTimeout(() => void tryCall('prefs:set', { key: LAYOUT_PREF_KEY, value: layout as never }), 300);
  },
  async loadLayout() {
    const r = await tryCall('prefs:get', { key: LAYOUT_PREF_KEY });
    set({ layout: normalizeLayout(r.ok ? r.value : null) });
  },
  async update(row, patch) {
    const r = await tryCall('orders:update', { id: row.id, patch: { version: row.version, ...patch } });
    if (!r.ok) return { ok: false, error: r.error };
    get().replaceRow(r.value.row);
    return { ok: true, row: r.value.row, opId: r.value.opId };
  },
}));
