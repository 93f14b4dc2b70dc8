// Work that must happen only once a transaction's writes are visible to others (publishing a live notification
// over Redis, for one): registered on the open transaction, run by the transaction runner after COMMIT and
// dropped on ROLLBACK. A callback handles (logs) its own failure: the transaction is already committed.
import type pg from 'pg';

type Callback = () => Promise<void> | void;

const pending = new WeakMap<pg.PoolClient, Callback[]>();

/** Runs `fn` after the transaction of `tx` commits (never if it rolls back). */
export function afterCommit(tx: pg.PoolClient, fn: Callback): void {
  const list = pending.get(tx);
  if (list) list.push(fn);
  else pending.set(tx, [fn]);
}

/** The callbacks registered on `tx`, removed from it (the client goes back to the pool after this transaction). */
export function takeAfterCommit(tx: pg.PoolClient): Callback[] {
  const list = pending.get(tx) ?? [];
  pending.delete(tx);
  return list;
}

/** Runs the callbacks in order; they report their own failures (a throw here is ignored, the data is committed). */
export async function runAfterCommit(callbacks: Callback[]): Promise<void> {
  for (const fn of callbacks) {
    try {
      await fn();
    } catch {
      // see above: never turn a committed transaction into an error response
    }
  }
}

/** How many callbacks `tx` holds: taken when a savepoint is set, for dropAfterCommitSince on its rollback. */
export function afterCommitMark(tx: pg.PoolClient): number {
  return pending.get(tx)?.length ?? 0;
}

/** After ROLLBACK TO SAVEPOINT: drops the callbacks registered since `mark`, whose writes were undone. */
export function dropAfterCommitSince(tx: pg.PoolClient, mark: number): void {
  const list = pending.get(tx);
  if (list && list.length > mark) list.length = mark;
}
