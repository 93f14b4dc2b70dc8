// A clerk's saved view of the orders grid: which columns show, in what order and width, the column filters, the
// status and pending-sync filters and the sort. Kept per user on the branch PC (main/channel-handlers/grid-views.ts);
// these schemas check what crosses IPC, so a bad payload is refused naming its field.
import { z } from 'zod';
import { ORDER_COLUMN_KEYS } from './order-fields.js';
import { ORDER_STATUSES } from './order-status.js';
import { orderColumnKey, sortSpec } from './order-view.js';

export const GRID_VIEW_NAME_MAX = 40;
export const GRID_VIEWS_MAX = 30;

export const gridViewName = z.string().trim().min(1).max(GRID_VIEW_NAME_MAX);

export const gridViewState = z
  .object({
    order: z.array(orderColumnKey).max(ORDER_COLUMN_KEYS.length),
    hidden: z.array(orderColumnKey).max(ORDER_COLUMN_KEYS.length),
    widths: z.partialRecord(orderColumnKey, z.number().int().min(40).max(800)),
    filters: z.partialRecord(orderColumnKey, z.string().max(100)),
    sort: z.array(sortSpec).max(ORDER_COLUMN_KEYS.length),
    statuses: z.array(z.enum(ORDER_STATUSES)).max(ORDER_STATUSES.length),
    pendingOnly: z.boolean(),
  })
  .strict();
export type GridViewState = z.infer<typeof gridViewState>;

export const savedGridView = z.object({ name: gridViewName, view: gridViewState }).strict();
export type SavedGridView = z.infer<typeof savedGridView>;

/** What the grid starts with: the saved views and the view the clerk left the grid in (with its name, if any). */
export interface GridViews {
  views: SavedGridView[];
  last: { name: string | null; view: GridViewState } | null;
}
