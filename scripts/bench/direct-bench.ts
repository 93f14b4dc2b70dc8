// What the -direct benches (push-direct, pull-direct) share: the bench database's first branch manager as the
// caller, an app pool, and a timer of every round trip by statement kind (its first 40 characters).
import pg from 'pg';
import { appRolePassword } from '../../db/migrate.js';
import { withDatabase, withUser } from '../../db/pg/embedded.js';
import { createPool } from '../../server/db/pool.js';
import type { Actor } from '../../server/http/context.js';

/**
 * The database `dbName` on DATABASE_URL: an owner connection (the caller ends it), a dispatch_app pool and the
 * actor of its first branch manager (by username), as the server would set them up.
 */
export async function directBench(dbName: string) {
  const url = withDatabase(process.env.DATABASE_URL!, dbName);
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  const user = (
    await owner.query<{ id: string; branch_id: string }>(
      `SELECT u.id, u.branch_id FROM users u JOIN user_roles r ON r.user_id = u.id
        WHERE r.role_code = 'BRANCH_MANAGER' AND u.branch_id IS NOT NULL ORDER BY u.username LIMIT 1`,
    )
  ).rows[0]!;
  // the server's own pool settings (plan_cache_mode, date parsing)
  const pool = createPool(withUser(url, 'dispatch_app', appRolePassword()), { max: 2 });
  const actor: Actor = {
    userId: user.id,
    role: 'BRANCH_MANAGER',
    branchId: user.branch_id,
    partnerId: null,
    username: 'bench',
    locale: 'en',
    // the database accepts a request context only for a live session (migration 0071)
    sessionId: (
      await owner.query<{ id: string }>(
        `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
         VALUES ($1, gen_random_uuid(), md5(random()::text), now() + interval '1 day') RETURNING family_id AS id`,
        [user.id],
      )
    ).rows[0]!.id,
  };
  return { owner, pool, actor, branchId: user.branch_id, timings: timeStatements(pool) };
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function timeStatements(pool: pg.Pool) {
  const timings = new Map<string, { n: number; ms: number }>();
  const wrapped = new WeakSet<object>();
  pool.on('connect', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as unknown as { query: unknown }).query = async (...a: unknown[]) => {
      const q = a[0] as string | { text: string };
      const text = typeof q === 'string' ? q : q.text;
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 40);
      const t = performance.now();
      try {
        return await query(...a);
      } finally {
        const s = timings.get(key) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - t;
        timings.set(key, s);
      }
    };
  });
  return {
    clear: () => timings.clear(),
    /** per unit of work (n of them), slowest first */
    print(n: number, unit: string) {
      for (const [k, s] of [...timings].sort((a, b) => b[1].ms - a[1].ms))
        console.log(`${(s.ms / n).toFixed(3)} ms/${unit}  ${String(s.n).padStart(6)}×  ${k}`);
    },
  };
}
