// The orders grid's column layout (order, hidden columns, widths), saved per user through prefs:*. A saved layout
// from an older version may name columns that no longer exist or miss new ones: normalize() repairs it.
import { ORDER_COLUMN_KEYS, ORDER_COLUMNS, type OrderColumnKey } from '../../domain/order-fields.js';

export interface GridLayout {
  order: OrderColumnKey[];
  hidden: OrderColumnKey[];
  widths: Partial<Record<OrderColumnKey, number>>;
}

export const LAYOUT_PREF_KEY = 'grid.orders.layout';

export const DEFAULT_WIDTHS = Object.fromEntries(ORDER_COLUMNS.map((c) => [c.key, c.px])) as Record<
  OrderColumnKey,
  number
>;

export function defaultLayout(): GridLayout {
  return {
    order: [...ORDER_COLUMN_KEYS],
    hidden: ORDER_COLUMNS.filter((c) => c.hidden).map((c) => c.key),
    widths: {},
  };
}

function isKey(k: unknown): k is OrderColumnKey {
  return typeof k === 'string' && (ORDER_COLUMN_KEYS as readonly string[]).includes(k);
}

export function normalizeLayout(raw: unknown): GridLayout {
  const base = defaultLayout();
  if (!raw || typeof raw !== 'object') return base;
  const r = raw as Partial<Record<keyof GridLayout, unknown>>;
  const order = Array.isArray(r.order) ? [...new Set(r.order.filter(isKey))] : base.order;
  for (const k of ORDER_COLUMN_KEYS) if (!order.includes(k)) order.push(k);
  const hidden = Array.isArray(r.hidden) ? [...new Set(r.hidden.filter(isKey))] : base.hidden;
  const widths: GridLayout['widths'] = {};
  if (r.widths && typeof r.widths === 'object') {
    for (const [k, v] of Object.entries(r.widths as Record<string, unknown>)) {
      if (isKey(k) && typeof v === 'number' && Number.isFinite(v))
        widths[k] = Math.min(800, Math.max(40, Math.round(v)));
    }
  }
  // never hide everything: a grid without columns cannot be navigated back to a usable state
  return { order, hidden: hidden.length >= order.length ? [] : hidden, widths };
}

export function visibleColumns(layout: GridLayout): OrderColumnKey[] {
  return layout.order.filter((k) => !layout.hidden.includes(k));
}

/** Moves `source` to where `target` is (react-data-grid's onColumnsReorder). */
export function moveColumn(layout: GridLayout, source: OrderColumnKey, target: OrderColumnKey): GridLayout {
  const order = layout.order.filter((k) => k !== source);
  const at = order.indexOf(target);
  const from = layout.order.indexOf(source);
  const to = layout.order.indexOf(target);
  order.splice(from < to ? at + 1 : at, 0, source);
  return { ...layout, order };
}

export function toggleColumn(layout: GridLayout, key: OrderColumnKey): GridLayout {
  const hidden = layout.hidden.includes(key) ? layout.hidden.filter((k) => k !== key) : [...layout.hidden, key];
  return normalizeLayout({ ...layout, hidden });
}

export function resizeColumn(layout: GridLayout, key: OrderColumnKey, width: number): GridLayout {
  return normalizeLayout({ ...layout, widths: { ...layout.widths, [key]: width } });
}
