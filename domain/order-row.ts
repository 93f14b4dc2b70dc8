// An order as the branch client shows it: the fields of domain/order-fields.ts (without the server's own) plus what
// the client's copy knows of its outbox. The grid, the detail drawer, the exports and the printed sheets read it.
import type { OrderValues } from './order-fields.js';

export type OrderRow = Omit<OrderValues, 'deletedAt'> & {
  /** local edits not yet confirmed by the head office */
  pendingOps: number;
  /** the item codes of the lines, when the services provide them (skills for assignment suggestions) */
  itemCodes?: string[];
};
