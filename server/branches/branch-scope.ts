import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, ValidationError } from '../http/errors.js';
import { type Branch, findBranch } from './branches.repository.js';

/** The branch id a query means: a branch manager's own (naming another is a 404), else the one named. */
function scopedBranchId(actor: Actor, branchId: string | undefined, field: string): string | undefined {
  if (actor.role !== 'BRANCH_MANAGER') return branchId;
  if (branchId && branchId !== actor.branchId) throw new NotFoundError('branch', { field });
  return actor.branchId ?? undefined;
}

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
  branchId = scopedBranchId(actor, branchId, field);
  if (!branchId) {
    if (opts.required) throw new ValidationError(field, 'errors.branchRequired');
    return undefined;
  }
  const branch = await findBranch(tx, branchId);
  if (!branch) throw new NotFoundError('branch', { field });
  return branch;
}

/** How long a branch seen to exist is taken to exist without asking again (ms). */
const KNOWN_BRANCH_MS = 60_000;
/** Branch ids seen to exist, per database, with when that sight expires. Bounded: branches are few. */
const knownBranches = new Map<string, Map<string, number>>();

function databaseOf(tx: Tx): string {
  const p = (tx as unknown as { connectionParameters?: { host?: string; port?: number; database?: string } })
    .connectionParameters;
  return `${p?.host ?? ''}:${p?.port ?? ''}/${p?.database ?? ''}`;
}

/**
 * branchInScope for a caller that needs only the id (the order list's filter): the same answers, but a branch
 * seen in the last minute is not looked up again. The lookup was one of FR-03's three round trips for a row that
 * every role may read (policy branches_read) and that the server never deletes (rows of users, orders and
 * installers reference it); a branch deleted by hand would be answered as an empty list instead of a 404 for at
 * most KNOWN_BRANCH_MS. An unknown id is asked every time, so a new branch is found at once.
 */
export async function branchIdInScope(
  tx: Tx,
  actor: Actor,
  branchId: string | undefined,
  opts: { required?: boolean; field?: string } = {},
): Promise<string | undefined> {
  const id = scopedBranchId(actor, branchId, opts.field ?? 'branchId');
  if (id) {
    const db = databaseOf(tx);
    const until = knownBranches.get(db)?.get(id.toLowerCase());
    if (until !== undefined && until > Date.now()) return id.toLowerCase();
  }
  const branch = await branchInScope(tx, actor, branchId, opts);
  if (!branch) return undefined;
  const db = databaseOf(tx);
  let known = knownBranches.get(db);
  if (!known) {
    known = new Map();
    knownBranches.set(db, known);
  }
  if (known.size >= 10_000) known.clear();
  known.set(branch.id.toLowerCase(), Date.now() + KNOWN_BRANCH_MS);
  return branch.id;
}
