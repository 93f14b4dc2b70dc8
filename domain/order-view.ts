// What a grid of orders shows: its columns, their text, per-column filters, quick filters (FR-03) and sorting.
// The renderer's grid and the xlsx export in main/ both run this, so an export contains exactly the grid's view.
import { z } from 'zod';
import { ORDER_COLUMN_KEYS, ORDER_COLUMNS, type OrderColumnKey, orderColumn } from './order-fields.js';
import type { OrderRow } from './order-row.js';
import { ORDER_STATUSES, type OrderStatus } from './order-status.js';

export { ORDER_COLUMN_KEYS, type OrderColumnKey } from './order-fields.js';
export const orderColumnKey = z.enum(ORDER_COLUMN_KEYS);

/** Columns a clerk may edit in place (each writes one orderPatch field; city and address write parts of address). */
export const EDITABLE_COLUMNS: readonly OrderColumnKey[] = ORDER_COLUMNS.filter((c) => c.edit).map((c) => c.key);

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
/** A set boolean cell's text in the grid, the exports and the clipboard (a symbol: the same in every language). */
export const BOOLEAN_TICK = '✓';

export function cellText(row: OrderRow, key: OrderColumnKey): string {
  switch (key) {
    case 'city':
      return row.address.city;
    case 'address':
      return formatStreet(row.address);
    case 'timeWindow':
      return formatTimeWindow(row.appointmentTimeWindow);
    case 'updatedAt':
      return formatStamp(row.updatedAt);
    case 'createdAt':
      return formatStamp(row.createdAt);
    default: {
      // a column showing its field's value as it is (text, a date, a number; a tick for a set boolean)
      const v = row[orderColumn(key).field as keyof OrderRow];
      if (typeof v === 'boolean') return v ? BOOLEAN_TICK : '';
      return v === null || v === undefined ? '' : String(v);
    }
  }
}

/** Sort keys compare by code point: Hangul syllables are encoded in dictionary order, and ISO dates sort as text. */
export function sortText(row: OrderRow, key: OrderColumnKey): string {
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

const digitsOnly = (s: string) => s.replace(/[^0-9]/g, '');

/**
 * The text a column filter looks in: the cell's text, lower-cased (filters ignore case); for a digits column (the
 * phones) only its digits, so dashes and spaces never decide a match.
 */
export function filterText(row: OrderRow, key: OrderColumnKey): string {
  const text = cellText(row, key);
  return orderColumn(key).match === 'digits' ? digitsOnly(text) : text.toLowerCase();
}

/** What a typed filter looks for in filterText: trimmed and lower-cased; for a digits column its digits (if any). */
export function filterNeedle(key: OrderColumnKey, typed: string): string {
  const needle = typed.trim().toLowerCase();
  if (orderColumn(key).match !== 'digits') return needle;
  const digits = digitsOnly(needle);
  return digits === '' ? needle : digits;
}

/** A view's filters ready to test: a needle per filtered column, and the conditions on other fields of the row. */
interface RowFilter {
  needles: Map<OrderColumnKey, string>;
  /** status set, pending sync and quick filter together; null when the view has none of them */
  flags: ((row: OrderRow) => boolean) | null;
}

function rowFilter(spec: OrderViewSpec): RowFilter {
  const needles = new Map<OrderColumnKey, string>();
  for (const [k, v] of Object.entries(spec.filters ?? {})) {
    const needle = filterNeedle(k as OrderColumnKey, v ?? '');
    if (needle) needles.set(k as OrderColumnKey, needle);
  }
  const statuses = spec.statuses && spec.statuses.length > 0 ? new Set<OrderStatus>(spec.statuses) : null;
  const pendingOnly = spec.pendingOnly ?? false;
  const quick = spec.quick;
  const flags =
    statuses || pendingOnly || quick
      ? (r: OrderRow) =>
          (!statuses || statuses.has(r.status)) && (!pendingOnly || r.pendingOps !== 0) && matchesQuick(r, quick)
      : null;
  return { needles, flags };
}

/**
 * What the status, pending and quick conditions read of a row (`flags` of a RowFilter may read nothing else):
 * rows with the same key pass or fail them together, so a keystroke tests one row of each kind instead of all.
 */
function flagKey(r: OrderRow): string {
  return `${r.status}\u0000${r.pendingOps !== 0}\u0000${r.installerId === null}\u0000${r.appointmentDate ?? '\u0001'}`;
}

/** The columns whose text a view reads: those it filters by and those it sorts by. */
export function viewColumns(spec: OrderViewSpec): Set<OrderColumnKey> {
  return new Set([...rowFilter(spec).needles.keys(), ...(spec.sort ?? []).map((s) => s.key)]);
}

/** Every earlier filter is still there and only got longer (so it can only match fewer rows). */
function narrows(before: ReadonlyMap<OrderColumnKey, string>, now: ReadonlyMap<OrderColumnKey, string>): boolean {
  for (const [k, v] of before) if (!now.get(k)?.includes(v)) return false;
  return true;
}

/**
 * A column's filter text, each distinct text once: most columns repeat a few values (cities, vendors, dates,
 * names), so a keystroke tests the needle against the distinct texts and then reads one number per row.
 */
interface TextColumn {
  values: string[];
  ids: Uint32Array;
}

function intern(n: number, textOf: (i: number) => string): TextColumn & { idOf: Map<string, number> } {
  const idOf = new Map<string, number>();
  const values: string[] = [];
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const t = textOf(i);
    let id = idOf.get(t);
    if (id === undefined) {
      id = values.length;
      values.push(t);
      idOf.set(t, id);
    }
    ids[i] = id;
  }
  return { values, ids, idOf };
}

function textColumn(n: number, textOf: (i: number) => string): TextColumn {
  const { values, ids } = intern(n, textOf);
  return { values, ids };
}

/**
 * Rows in one column's sort order. Keys compare by UTF-16 code unit (the engine's native string order, no JS
 * comparator): only the distinct keys are sorted, then the rows are placed by a counting sort, which is stable.
 * `group` is each row's key's position among the distinct keys; `starts[g]` is where group g begins in `order`.
 */
interface RankedColumn {
  order: Uint32Array;
  group: Uint32Array;
  starts: Uint32Array;
}

function rankedColumn(n: number, keyOf: (i: number) => string): RankedColumn {
  const { values, ids, idOf } = intern(n, keyOf);
  const sorted = values.slice().sort();
  const groupOfId = new Uint32Array(values.length);
  for (let g = 0; g < sorted.length; g++) groupOfId[idOf.get(sorted[g]!)!] = g;
  const group = new Uint32Array(n);
  const starts = new Uint32Array(sorted.length + 1);
  for (let i = 0; i < n; i++) {
    const g = groupOfId[ids[i]!]!;
    group[i] = g;
    starts[g + 1]!++;
  }
  for (let g = 0; g < sorted.length; g++) starts[g + 1]! += starts[g]!;
  const next = starts.slice();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[group[i]!]!++] = i;
  return { order, group, starts };
}

interface SortColumn {
  col: RankedColumn;
  desc: boolean;
}

/**
 * The rows kept by `mask` (all of them when null) in the order of the sort columns, written to `out`; returns how
 * many. Stable: rows with equal keys keep their order in the input, in both directions.
 */
function orderRows(n: number, sort: readonly SortColumn[], mask: Uint8Array | null, out: Uint32Array): number {
  let m = 0;
  const [first] = sort;
  if (sort.length === 1 && first) {
    // one pass over the column's precomputed order; DESC walks the groups backwards, each in its own order
    const { order, starts } = first.col;
    const groups = starts.length - 1;
    for (let k = 0; k < groups; k++) {
      const g = first.desc ? groups - 1 - k : k;
      for (let j = starts[g]!; j < starts[g + 1]!; j++) {
        const i = order[j]!;
        if (!mask || mask[i]) out[m++] = i;
      }
    }
    return m;
  }
  for (let i = 0; i < n; i++) if (!mask || mask[i]) out[m++] = i;
  if (sort.length === 0) return m;
  // several columns: a stable counting sort by each column, least significant first (LSD radix sort on the
  // group numbers), so the most significant column decides and ties fall back to the next one, then row order
  let from: Uint32Array = out;
  let to: Uint32Array = new Uint32Array(m);
  for (let c = sort.length - 1; c >= 0; c--) {
    const { col, desc } = sort[c]!;
    const groups = col.starts.length - 1;
    const count = new Uint32Array(groups + 1);
    const key = (i: number) => (desc ? groups - 1 - col.group[i]! : col.group[i]!);
    for (let j = 0; j < m; j++) count[key(from[j]!) + 1]!++;
    for (let g = 0; g < groups; g++) count[g + 1]! += count[g]!;
    for (let j = 0; j < m; j++) {
      const i = from[j]!;
      to[count[key(i)]!++] = i;
    }
    [from, to] = [to, from];
  }
  if (from !== out) out.set(from.subarray(0, m));
  return m;
}

/**
 * Filter + sort with caches that survive between calls as long as the rows array is the same: per column its
 * distinct lower-cased texts and, per sorted column, the order of all rows in it. A keystroke then costs one pass
 * building a keep-mask in row order (sequential memory) and one pass over the sorted column's order; no comparison
 * sort and no per-row allocation.
 */
export function createOrderViewEngine() {
  let rows: readonly OrderRow[] = [];
  let text = new Map<OrderColumnKey, TextColumn>();
  let ranked = new Map<OrderColumnKey, RankedColumn>();
  let kinds: { reps: OrderRow[]; ids: Uint32Array } | null = null;
  // reused between keystrokes: a fresh 100k-entry array per keystroke is what made the slow ones slow (GC)
  let mask = new Uint8Array(0);
  let scratch = new Uint32Array(0);
  let last: {
    rows: readonly OrderRow[];
    shape: string;
    needles: Map<OrderColumnKey, string>;
    idx: Uint32Array;
  } | null = null;

  function lowerText(key: OrderColumnKey): TextColumn {
    let t = text.get(key);
    if (!t) {
      t = textColumn(rows.length, (i) => filterText(rows[i]!, key));
      text.set(key, t);
    }
    return t;
  }
  function sortColumn(key: OrderColumnKey): RankedColumn {
    let r = ranked.get(key);
    if (!r) {
      r = rankedColumn(rows.length, (i) => sortText(rows[i]!, key));
      ranked.set(key, r);
    }
    return r;
  }
  function rowKinds() {
    if (!kinds) {
      const { values, ids } = intern(rows.length, (i) => flagKey(rows[i]!));
      const reps: OrderRow[] = new Array(values.length);
      for (let i = rows.length - 1; i >= 0; i--) reps[ids[i]!] = rows[i]!;
      kinds = { reps, ids };
    }
    return kinds;
  }
  /** Which rows pass the filter, or null when nothing is filtered. */
  function keepMask(f: RowFilter): Uint8Array | null {
    if (!f.flags && f.needles.size === 0) return null;
    const n = rows.length;
    if (f.flags) {
      const { reps, ids } = rowKinds();
      const hit = new Uint8Array(reps.length);
      for (let k = 0; k < reps.length; k++) hit[k] = f.flags(reps[k]!) ? 1 : 0;
      for (let i = 0; i < n; i++) mask[i] = hit[ids[i]!]!;
    } else mask.fill(1);
    for (const [key, needle] of f.needles) {
      const { values, ids } = lowerText(key);
      const hit = new Uint8Array(values.length);
      for (let v = 0; v < values.length; v++) hit[v] = values[v]!.includes(needle) ? 1 : 0;
      for (let i = 0; i < n; i++) mask[i]! &= hit[ids[i]!]!;
    }
    return mask;
  }

  return {
    setRows(next: readonly OrderRow[]) {
      if (next === rows) return;
      rows = next;
      last = null;
      text = new Map();
      ranked = new Map();
      kinds = null;
      mask = new Uint8Array(rows.length);
      scratch = new Uint32Array(rows.length);
    },
    /**
     * Builds one column's filter text ahead of need (the UI calls it when idle, one column at a time); the first
     * call also sorts the rows into kinds for the status, pending and quick filters.
     */
    warm(key: OrderColumnKey) {
      rowKinds();
      lowerText(key);
    },
    apply(spec: OrderViewSpec): OrderRow[] {
      const f = rowFilter(spec);
      const sort = spec.sort ?? [];
      const shape = JSON.stringify([sort, spec.statuses ?? [], spec.quick ?? null, spec.pendingOnly ?? false]);
      let m = 0;
      if (last && last.rows === rows && last.shape === shape && narrows(last.needles, f.needles)) {
        // typing on in a filter only narrows the last answer, which is already in order and passed the other
        // conditions: check just those rows against the column texts
        const cols = [...f.needles].map(([k, needle]) => [lowerText(k), needle] as const);
        for (const i of last.idx) {
          let ok = true;
          for (const [{ values, ids }, needle] of cols) if (!values[ids[i]!]!.includes(needle)) ok = false;
          if (ok) scratch[m++] = i;
        }
      } else {
        const by = sort.map((s) => ({ col: sortColumn(s.key), desc: s.direction === 'DESC' }));
        m = orderRows(rows.length, by, keepMask(f), scratch);
      }
      const idx = scratch.slice(0, m);
      last = { rows, shape, needles: f.needles, idx };
      const out: OrderRow[] = new Array(m);
      for (let j = 0; j < m; j++) out[j] = rows[idx[j]!]!;
      return out;
    },
  };
}

/** One-shot form for callers that hold the rows and do not keep an engine; checks the spec first. */
export function applyOrderView(rows: readonly OrderRow[], spec: OrderViewSpec): OrderRow[] {
  const engine = createOrderViewEngine();
  engine.setRows(rows);
  return engine.apply(orderViewSpec.parse(spec));
}

/**
 * The same view over rows seen one at a time, for an export that streams them from the database instead of
 * holding them: it keeps, per row that passes the filter, only a handle and its sort keys, and gives the handles
 * back in view order. Rows must be offered in the grid's row order, which decides ties as in the grid.
 */
export function createOrderViewCollector<R>(input: OrderViewSpec) {
  const spec = orderViewSpec.parse(input);
  const f = rowFilter(spec);
  const needles = [...f.needles];
  let refs: R[] = [];
  let keys: string[][] = spec.sort.map(() => []);
  return {
    offer(row: OrderRow, ref: R): void {
      if (f.flags && !f.flags(row)) return;
      for (const [k, needle] of needles) if (!filterText(row, k).includes(needle)) return;
      refs.push(ref);
      for (let c = 0; c < spec.sort.length; c++) keys[c]!.push(sortText(row, spec.sort[c]!.key));
    },
    /** The handles of the rows that passed, in the view's order. */
    finish(): R[] {
      const n = refs.length;
      // ranking only the kept rows orders them as ranking all rows would: the order of two keys is their own
      const by = spec.sort.map((s, c) => ({ col: rankedColumn(n, (i) => keys[c]![i]!), desc: s.direction === 'DESC' }));
      const out = new Uint32Array(n);
      const m = orderRows(n, by, null, out);
      const ordered = Array.from(out.subarray(0, m), (i) => refs[i]!);
      // the export goes on for seconds after this: let the keys go now
      refs = [];
      keys = [];
      return ordered;
    },
  };
}
