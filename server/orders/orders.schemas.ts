// Query strings of the orders endpoints (the write bodies are domain/order-schemas.ts, shared with the client).
import { z } from 'zod';
import { isoDate, uuid, version } from '../../domain/order-schemas.js';
import { ORDER_STATUSES } from '../../domain/order-status.js';

/** `status=배정&status=출문` and `status=배정,출문` both give a list. */
const manyStatuses = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',') : v),
  z.array(z.enum(ORDER_STATUSES)).min(1).max(ORDER_STATUSES.length),
);

export const SORTS = ['createdAt', '-createdAt', 'appointmentDate', '-appointmentDate', 'orderNo', '-orderNo'] as const;
export const MAX_PAGE = 500;

export const orderListQuery = z
  .object({
    branchId: uuid.optional(),
    status: manyStatuses.optional(),
    dateField: z.enum(['created', 'appointment']).default('created'),
    from: isoDate.optional(),
    to: isoDate.optional(),
    installerId: uuid.optional(),
    partnerId: uuid.optional(),
    vendor: z.string().trim().min(1).max(80).optional(),
    q: z.string().trim().min(1).max(100).optional(),
    sort: z.enum(SORTS).default('-createdAt'),
    cursor: z.string().min(1).max(400).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .strict();
export type OrderListQuery = z.infer<typeof orderListQuery>;

export const deleteQuery = z.object({ version: z.coerce.number().pipe(version) }).strict();
