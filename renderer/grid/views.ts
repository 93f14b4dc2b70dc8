// The clerk's saved views of the orders grid (columns shown, their order and widths, filters, sort) and the view
// the grid was left in, restored at the next start. Kept per user by the services (views:* channels).
import { create } from 'zustand';
import type { GridViewState, SavedGridView } from '../../domain/grid-view.js';
import { errorText } from '../i18n/index.js';
import { tryCall } from '../platform/api.js';
import { type OrdersState, useOrders } from '../stores/orders.js';
import { normalizeLayout } from './layout.js';

/** The part of the grid's state a view holds. */
export function viewOf(
  s: Pick<OrdersState, 'layout' | 'filters' | 'sort' | 'statuses' | 'pendingOnly'>,
): GridViewState {
  const filters = Object.fromEntries(Object.entries(s.filters).filter(([, v]) => v && v.trim() !== ''));
  return {
    order: s.layout.order,
    hidden: s.layout.hidden,
    widths: s.layout.widths,
    filters,
    sort: s.sort,
    statuses: s.statuses,
    pendingOnly: s.pendingOnly,
  };
}

function show(view: GridViewState): void {
  const layout = normalizeLayout({ order: view.order, hidden: view.hidden, widths: view.widths });
  useOrders.getState().setLayout(layout);
  useOrders.setState({
    filters: view.filters,
    sort: view.sort,
    statuses: view.statuses,
    pendingOnly: view.pendingOnly,
  });
}

interface ViewsState {
  views: SavedGridView[];
  /** the saved view last chosen or saved (null: the clerk's own arrangement) */
  current: string | null;
  error: string | null;
  /** the current view is being written as the one to restore at the next start */
  writing: boolean;
  load(): Promise<void>;
  choose(name: string | null): void;
  save(name: string): Promise<boolean>;
  remove(name: string): Promise<void>;
}

let remembering: (() => void) | null = null;
let rememberTimer: ReturnType<typeof setTimeout> | null = null;

function remember(): void {
  if (rememberTimer) clearTimeout(rememberTimer);
  useGridViews.setState({ writing: true });
  // filters change per keystroke and widths per pixel of a drag: write once the clerk pauses
  rememberTimer = setTimeout(async () => {
    rememberTimer = null;
    const view = viewOf(useOrders.getState());
    await tryCall('views:remember', { name: useGridViews.getState().current, view });
    if (!rememberTimer) useGridViews.setState({ writing: false });
  }, 400);
}

export const useGridViews = create<ViewsState>((set, get) => ({
  views: [],
  current: null,
  error: null,
  writing: false,
  async load() {
    remembering?.();
    remembering = null;
    const r = await tryCall('views:list', {});
    if (r.ok && r.value.last) {
      show(r.value.last.view);
      set({ views: r.value.views, current: r.value.last.name, error: null });
    } else {
      // first start (or a file from before saved views): the column layout kept on its own, no filters
      useOrders.getState().clearFilters();
      await useOrders.getState().loadLayout();
      set({ views: r.ok ? r.value.views : [], current: null, error: r.ok ? null : errorText(r.error) });
    }
    remembering = useOrders.subscribe((s, prev) => {
      if (
        s.layout !== prev.layout ||
        s.filters !== prev.filters ||
        s.sort !== prev.sort ||
        s.statuses !== prev.statuses ||
        s.pendingOnly !== prev.pendingOnly
      )
        remember();
    });
  },
  choose(name) {
    const v = get().views.find((x) => x.name === name);
    set({ current: v ? v.name : null });
    if (v) show(v.view);
    remember();
  },
  async save(name) {
    const r = await tryCall('views:save', { name: name.trim(), view: viewOf(useOrders.getState()) });
    if (!r.ok) {
      set({ error: errorText(r.error) });
      return false;
    }
    set({ views: r.value, current: name.trim(), error: null });
    remember();
    return true;
  },
  async remove(name) {
    const r = await tryCall('views:delete', { name });
    if (!r.ok) {
      set({ error: errorText(r.error) });
      return;
    }
    set({ views: r.value, current: get().current === name ? null : get().current, error: null });
    remember();
  },
}));
