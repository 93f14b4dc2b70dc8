// Which element a grid shortcut may act on: a cell of the grid, the tick boxes, or nothing in particular (the page,
// after ticking rows or before clicking a cell). Text fields keep their own copy, paste and undo.

function isTextField(el: Element): boolean {
  if (el instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit'].includes(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable;
}

/** Whether a clipboard or key event with this target belongs to the grid inside `wrap`. */
export function gridOwnsEvent(target: EventTarget | null, wrap: HTMLElement | null): boolean {
  if (!wrap || !(target instanceof Element) || isTextField(target)) return false;
  if (wrap.contains(target)) return true;
  // nothing focused: the page's body receives the shortcut; a text selection elsewhere keeps its own copy
  const nothingFocused = target === document.body || target === document.documentElement;
  return nothingFocused && (window.getSelection()?.isCollapsed ?? true);
}

/** The shown row and visible data column of a grid cell element (for mouse drags), or null. */
export function cellAt(
  el: Element | null,
  firstRowAria: number,
  firstDataIdx: number,
): { row: number; col: number } | null {
  const cell = el?.closest('[role=gridcell]');
  const rowEl = cell?.closest('[role=row]');
  if (!cell || !rowEl || rowEl.classList.contains('rdg-summary-row')) return null;
  const row = Number(rowEl.getAttribute('aria-rowindex')) - firstRowAria;
  const col = Number(cell.getAttribute('aria-colindex')) - 1 - firstDataIdx;
  return Number.isInteger(row) && row >= 0 && Number.isInteger(col) && col >= 0 ? { row, col } : null;
}
