import { z } from 'zod';
import { phone } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import { CACHE_TTL, type Cache, cached, scopes, visibilityKey } from '../cache/index.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ValidationError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import { customerOrders } from './customers.repository.js';

export const customerHistoryQuery = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    phone: phone.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** No branch: a manager without a branch sees no order (the policy compares with null), and neither does this. */
const NIL = '00000000-0000-0000-0000-000000000000';

/** GET /api/customers/history?name=…|phone=… (FR-16): the customer's orders the caller may see. */
export async function customerHistory(tx: Tx, actor: Actor, query: unknown, cache?: Cache) {
  authorize(actor, 'customers.history');
  const q = parse(customerHistoryQuery, query);
  if ((q.name === undefined) === (q.phone === undefined)) {
    throw new ValidationError(q.name === undefined ? 'name' : 'phone', 'errors.oneOf', {
      params: { fields: 'name, phone' },
    });
  }
  // customer cache (docs/cache.md, 30 min): a write to any order of this customer (name or phone) invalidates it
  const items = await cached(cache, {
    namespace: 'customer',
    key: [visibilityKey(actor), q.name, q.phone, q.limit],
    scopes: [q.name !== undefined ? scopes.customerName(q.name) : scopes.customerPhone(q.phone!), scopes.reference],
    ttlSeconds: CACHE_TTL.customer,
    // a branch manager's own branch, which row-level security keeps anyway: by name it picks the index range of
    // that branch's namesakes (0142) instead of reading every branch's and throwing the others away
    load: () =>
      customerOrders(
        tx,
        {
          name: q.name,
          phone: q.phone,
          branchId: actor.role === 'BRANCH_MANAGER' ? (actor.branchId ?? NIL) : undefined,
        },
        q.limit,
      ),
  });
  return { items };
}
