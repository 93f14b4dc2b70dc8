// An order as the branch client shows it: the fields of domain/order-fields.ts (without the server's own) plus what
// the client's copy knows of its outbox. The grid, the detail drawer, the exports and the printed sheets read it.
import { fieldsWhere, type OrderValues } from './order-fields.js';

export type OrderRow = Omit<OrderValues, 'deletedAt'> & {
  /** local edits not yet confirmed by the head office */
  pendingOps: number;
  /** the item codes of the lines, when the services provide them (skills for assignment suggestions) */
  itemCodes?: string[];
};

type NullableFields = { [K in keyof OrderRow as null extends OrderRow[K] ? K : never]: null } & {
  [K in keyof OrderRow as OrderRow[K] extends boolean ? K : never]: false;
};

/**
 * Every field of a row that may be null, set to null, and every flag false: the start of a row built by hand
 * (test data, a form's blank order), so a new optional field needs no edit there.
 */
export function nullOrderFields(): NullableFields {
  return Object.fromEntries([
    ...fieldsWhere((d) => !d.serverOnly && d.read.safeParse(null).success).map((f) => [f, null]),
    ...fieldsWhere((d) => !d.serverOnly && d.sql === 'boolean').map((f) => [f, false]),
  ]) as NullableFields;
}
