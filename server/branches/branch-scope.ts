import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, ValidationError } from '../http/errors.js';
import { type Branch, findBranch } from './branches.repository.js';

/**
 * The branch a query names. A branch manager only ever gets its own: naming another is a 404, exactly like an
 * unknown branch, so nobody learns more by guessing ids. Without a branch id a branch manager gets its own;
 * others get undefined (everything row-level security shows them) unless `required`.
 */
export async function branchInScope(
  tx: Tx,
  actor: Actor,
  branchId: string | undefined,
  opts: { required?: boolean; field?: string } = {},
): Promise<Branch | undefined> {
  const field = opts.field ?? 'branchId';
  if (actor.role === 'BRANCH_MANAGER') {
    if (branchId && branchId !== actor.branchId) throw new NotFoundError('branch', { field });
    branchId = actor.branchId ?? undefined;
  }
  if (!branchId) {
    if (opts.required) throw new ValidationError(field, 'errors.branchRequired');
    return undefined;
  }
  const branch = await findBranch(tx, branchId);
  if (!branch) throw new NotFoundError('branch', { field });
  return branch;
}
