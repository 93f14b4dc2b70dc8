// The orders grid's saved views, per user, in the same preferences file as the column layout (json-store.ts). The
// file is the clerk's own on this PC; what it holds is re-checked when read, so a hand-edited or older file loses
// its bad entries instead of breaking the grid.
import {
  GRID_VIEWS_MAX,
  type GridViews,
  gridViewState,
  type SavedGridView,
  savedGridView,
} from '../../domain/grid-view.js';
import { fail } from './handler-kit.js';
import type { PrefsStore } from './json-store.js';

const VIEWS_KEY = 'grid.orders.views';
const LAST_KEY = 'grid.orders.lastView';

function savedViews(prefs: PrefsStore, userId: string): SavedGridView[] {
  const raw = prefs.get(userId, VIEWS_KEY);
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((v) => {
    const r = savedGridView.safeParse(v);
    return r.success ? [r.data] : [];
  });
}

export function listViews(prefs: PrefsStore, userId: string): GridViews {
  const raw = prefs.get(userId, LAST_KEY) as { name?: unknown; view?: unknown } | null;
  const view = gridViewState.safeParse(raw?.view);
  const name = typeof raw?.name === 'string' ? raw.name : null;
  return { views: savedViews(prefs, userId), last: view.success ? { name, view: view.data } : null };
}

/** Saves (or replaces, by name) a view; the list stays in name order. */
export function saveView(prefs: PrefsStore, userId: string, saved: SavedGridView): SavedGridView[] {
  const others = savedViews(prefs, userId).filter((v) => v.name !== saved.name);
  if (others.length >= GRID_VIEWS_MAX) fail('VALIDATION', `At most ${GRID_VIEWS_MAX} saved views.`, 'name');
  const next = [...others, saved].sort((a, b) => a.name.localeCompare(b.name, 'ko'));
  prefs.set(userId, VIEWS_KEY, next);
  return next;
}

export function deleteView(prefs: PrefsStore, userId: string, name: string): SavedGridView[] {
  const all = savedViews(prefs, userId);
  if (!all.some((v) => v.name === name)) fail('NOT_FOUND', `No saved view named ${name}.`, 'name');
  const next = all.filter((v) => v.name !== name);
  prefs.set(userId, VIEWS_KEY, next);
  return next;
}

export function rememberView(prefs: PrefsStore, userId: string, last: GridViews['last']): void {
  prefs.set(userId, LAST_KEY, last);
}
