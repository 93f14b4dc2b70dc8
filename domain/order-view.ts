// What a grid of orders shows: its columns, their text, per-column filters, quick filters (FR-03) and sorting.
// The renderer's grid and the xlsx export in main/ both run this, so an export contains exactly the grid's view.
import { z } from 'zod';
import type { OrderRow } from './client-api.js';
import { ORDER_STATUSES, type OrderStatus } from './order-status.js';

export const ORDER_COLUMN_KEYS = [
  'orderNo',
  'status',
  'customerName',
  'customerPhone',
  'city',
  'address',
  'vendor',
  'installerName',
  'appointmentDate',
  'timeWindow',
  'promisedDate',
  'items',
  'remarks',
  'updatedAt',
  'createdAt',
] as const;
export type OrderColumnKey = (typeof ORDER_COLUMN_KEYS)[number];
export const orderColumnKey = z.enum(ORDER_COLUMN_KEYS);

/** Columns a clerk may edit in place (each writes one orderPatch field; city and address write parts of address). */
export const EDITABLE_COLUMNS: readonly OrderColumnKey[] = [
  'customerName',
  'customerPhone',
  'city',
  'address',
  'vendor',
  'promisedDate',
  'remarks',
];

export const quickFilter = z
  .object({ kind: z.enum(['unassigned', 'assigned']), date: z.iso.date().optional() })
  .strict();
export type QuickFilter = z.infer<typeof quickFilter>;

export const sortSpec = z.object({ key: orderColumnKey, direction: z.enum(['ASC', 'DESC']) }).strict();
export type SortSpec = z.infer<typeof sortSpec>;

export const orderViewSpec = z
  .object({
    sort: z.array(sortSpec).max(ORDER_COLUMN_KEYS.length).default([]),
    filters: z.partialRecord(orderColumnKey, z.string().max(100)).default({}),
    statuses: z.array(z.enum(ORDER_STATUSES)).max(ORDER_STATUSES.length).optional(),
    quick: quickFilter.optional(),
    pendingOnly: z.boolean().optional(),
  })
  .strict();
export type OrderViewSpec = z.input<typeof orderViewSpec>;

// Korean time has no daylight saving: UTC+9 all year, so clock times are arithmetic (Intl formatting of 100k rows
// costs seconds in an export).
const KST_MS = 9 * 3600_000;
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
function kst(iso: string): Date {
  return new Date(Date.parse(iso) + KST_MS);
}

/** "09:00–12:00" in Korean time. */
export function formatTimeWindow(w: OrderRow['appointmentTimeWindow']): string {
  if (!w) return '';
  const a = kst(w.start);
  const b = kst(w.end);
  return `${two(a.getUTCHours())}:${two(a.getUTCMinutes())}–${two(b.getUTCHours())}:${two(b.getUTCMinutes())}`;
}
/** "2026-11-26 14:05" in Korean time. */
export function formatStamp(iso: string | null): string {
  if (!iso) return '';
  const d = kst(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}
/** The full address as printed: city, street, detail. */
export function formatAddress(a: OrderRow['address']): string {
  // vendors often write the city into the street line too; print it once
  const city = a.city && !a.line1.startsWith(a.city) ? a.city : '';
  return [city, a.line1, a.line2].filter(Boolean).join(' ');
}
/** The grid's address column: street and detail (the city has its own column). */
export function formatStreet(a: OrderRow['address']): string {
  return [a.line1, a.line2].filter(Boolean).join(' ');
}

/** The text a cell shows, the filter matches and the export writes. */
export function cellText(row: OrderRow, key: OrderColumnKey): string {
  switch (key) {
    case 'orderNo':
      return row.orderNo;
    case 'status':
      return row.status;
    case 'customerName':
      return row.customerName;
    case 'customerPhone':
      return row.customerPhone ?? '';
    case 'city':
      return row.address.city;
    case 'address':
      return formatStreet(row.address);
    case 'vendor':
      return row.vendor ?? '';
    case 'installerName':
      return row.installerName ?? '';
    case 'appointmentDate':
      return row.appointmentDate ?? '';
    case 'timeWindow':
      return formatTimeWindow(row.appointmentTimeWindow);
    case 'promisedDate':
      return row.promisedDate ?? '';
    case 'items':
      return row.items;
    case 'remarks':
      return row.remarks ?? '';
    case 'updatedAt':
      return formatStamp(row.updatedAt);
    case 'createdAt':
      return formatStamp(row.createdAt);
  }
}

/** Sort keys compare by code point: Hangul syllables are encoded in dictionary order, and ISO dates sort as text. */
function sortText(row: OrderRow, key: OrderColumnKey): string {
  switch (key) {
    case 'status':
      return String(ORDER_STATUSES.indexOf(row.status)).padStart(2, '0');
    case 'updatedAt':
      return row.updatedAt;
    case 'createdAt':
      return row.createdAt;
    case 'timeWindow':
      return row.appointmentTimeWindow?.start ?? '';
    default:
      return cellText(row, key);
  }
}

export function matchesQuick(row: OrderRow, quick: QuickFilter | undefined): boolean {
  if (!quick) return true;
  if (quick.date && row.appointmentDate !== quick.date) return false;
  return quick.kind === 'unassigned' ? row.installerId === null && row.status === '미배정' : row.installerId !== null;
}

/** Every earlier filter is still there and only got longer (so it can only match fewer rows). */
function narrows(before: ReadonlyMap<OrderColumnKey, string>, now: ReadonlyMap<OrderColumnKey, string>): boolean {
  for (const [k, v] of before) if (!now.get(k)?.includes(v)) return false;
  return true;
}

/**
 * Filter + sort with caches that survive between calls as long as the rows array is the same: lower-cased cell
 * text per column and, per sorted column, the permutation of all rows in that column's order. A single-column sort
 * of a filtered view is then one pass over that permutation instead of a comparison sort.
 */
export function createOrderViewEngine() {
  let rows: readonly OrderRow[] = [];
  let text = new Map<OrderColumnKey, string[]>();
  let order = new Map<OrderColumnKey, Uint32Array>();
  let rank = new Map<OrderColumnKey, Uint32Array>();
  let last: { rows: readonly OrderRow[]; shape: string; needles: Map<OrderColumnKey, string>; idx: number[] } | null =
    null;

  function lowerText(key: OrderColumnKey): string[] {
    let t = text.get(key);
    if (!t) {
      t = rows.map((r) => cellText(r, key).toLowerCase());
      text.set(key, t);
    }
    return t;
  }
  function permutation(key: OrderColumnKey): Uint32Array {
    let p = order.get(key);
    if (!p) {
      // sort the distinct keys with the engine's native string order (no JS comparator), then place the rows by
      // a counting sort over their key's rank: stable, and far cheaper than comparing 100k rows pairwise
      const keys = rows.map((r) => sortText(r, key));
      const distinct = [...new Set(keys)].sort();
      const rankOf = new Map<string, number>();
      for (let i = 0; i < distinct.length; i++) rankOf.set(distinct[i]!, i);
      const rowRank = new Uint32Array(rows.length);
      const starts = new Uint32Array(distinct.length + 1);
      for (let i = 0; i < keys.length; i++) {
        const k = rankOf.get(keys[i]!)!;
        rowRank[i] = k;
        starts[k + 1]!++;
      }
      for (let k = 0; k < distinct.length; k++) starts[k + 1]! += starts[k]!;
      const r = new Uint32Array(rows.length);
      p = new Uint32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const k = rowRank[i]!;
        // a row's rank is the position of its group's first row, as ranks() promises
        r[i] = starts[k]!;
      }
      const next = starts.slice();
      for (let i = 0; i < rows.length; i++) p[next[rowRank[i]!]!++] = i;
      order.set(key, p);
      rank.set(key, r);
    }
    return p;
  }
  /** Per row, the position of the first row with its key in the column's order: equal keys, equal ranks. */
  function ranks(key: OrderColumnKey): Uint32Array {
    permutation(key);
    return rank.get(key)!;
  }

  return {
    setRows(next: readonly OrderRow[]) {
      if (next === rows) return;
      rows = next;
      last = null;
      text = new Map();
      order = new Map();
      rank = new Map();
    },
    /** Builds one column's filter text ahead of need (the UI calls it when idle, one column at a time). */
    warm(key: OrderColumnKey) {
      lowerText(key);
    },
    apply(spec: OrderViewSpec): OrderRow[] {
      const needles = new Map<OrderColumnKey, string>();
      for (const [k, v] of Object.entries(spec.filters ?? {})) {
        const needle = (v ?? '').trim().toLowerCase();
        if (needle) needles.set(k as OrderColumnKey, needle);
      }
      const filters = [...needles].map(([k, v]) => [lowerText(k), v] as const);
      const statuses = spec.statuses && spec.statuses.length > 0 ? new Set<OrderStatus>(spec.statuses) : null;
      const keep = (i: number): boolean => {
        const r = rows[i]!;
        if (statuses && !statuses.has(r.status)) return false;
        if (spec.pendingOnly && r.pendingOps === 0) return false;
        if (!matchesQuick(r, spec.quick)) return false;
        for (const [t, needle] of filters) if (!t[i]!.includes(needle)) return false;
        return true;
      };
      const sort = spec.sort ?? [];
      const shape = JSON.stringify([sort, spec.statuses ?? [], spec.quick ?? null, spec.pendingOnly ?? false]);
      let idx: number[];
      if (last && last.rows === rows && last.shape === shape && narrows(last.needles, needles)) {
        // typing on in a filter only narrows the last answer, which is already in order: check just those rows
        idx = last.idx.filter(keep);
      } else {
        idx = ordered(sort, keep);
      }
      last = { rows, shape, needles, idx };
      return idx.map((i) => rows[i]!);
    },
  };

  function ordered(sort: SortSpec[], keep: (i: number) => boolean): number[] {
    const idx: number[] = [];
    const [first, ...more] = sort;
    if (!first) {
      for (let i = 0; i < rows.length; i++) if (keep(i)) idx.push(i);
      return idx;
    }
    if (more.length === 0) {
      const p = permutation(first.key);
      if (first.direction === 'ASC') {
        for (let j = 0; j < p.length; j++) if (keep(p[j]!)) idx.push(p[j]!);
      } else {
        // walk groups of equal keys backwards but keep each group's own order, as a stable DESC sort would
        const r = ranks(first.key);
        let end = p.length;
        while (end > 0) {
          const start = r[p[end - 1]!]!;
          for (let j = start; j < end; j++) if (keep(p[j]!)) idx.push(p[j]!);
          end = start;
        }
      }
      return idx;
    }
    for (let i = 0; i < rows.length; i++) if (keep(i)) idx.push(i);
    const rs = sort.map((s) => [ranks(s.key), s.direction === 'ASC' ? 1 : -1] as const);
    idx.sort((a, b) => {
      for (const [r, d] of rs) {
        const diff = r[a]! - r[b]!;
        if (diff !== 0) return diff * d;
      }
      return a - b;
    });
    return idx;
  }
}

/** One-shot form for callers that do not keep an engine (the xlsx export); checks the spec first. */
export function applyOrderView(rows: readonly OrderRow[], spec: OrderViewSpec): OrderRow[] {
  const engine = createOrderViewEngine();
  engine.setRows(rows);
  return engine.apply(orderViewSpec.parse(spec));
}
