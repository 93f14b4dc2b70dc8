// Issue 16, FR-03 throughput: a transaction's last query can carry its COMMIT (server/db/transaction.ts,
// lastQuery), and the order list's route sends it so: BEGIN, the context, the list and COMMIT in one round trip.
// What must hold all the same: a failed COMMIT is the request's answer (never the rows read before it), a revoked
// session is refused, a query after the last one is refused instead of running outside the transaction, a write
// ending with it is committed and heard by the cache, and the pool's connection is fine afterwards.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastQuery, setCommitListener, withRequestTransaction } from '../../server/db/transaction.js';
import { listOrders } from '../../server/orders/orders.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createOrder, createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let w: World;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
  w = await createWorld(db.owner);
  pool = new pg.Pool({ connectionString: db.appUrl, max: 1 });
});
afterAll(async () => {
  await pool?.end();
  await api?.stop();
  await db?.drop();
});

/** A live session of the world's manager, as a login makes it. */
async function managerActor() {
  const { rows } = await db.owner.query<{ f: string }>(
    `INSERT INTO refresh_tokens(user_id, family_id, token_hash, expires_at)
     VALUES ($1, gen_random_uuid(), md5(random()::text), now() + interval '1 hour') RETURNING family_id AS f`,
    [w.manager.id],
  );
  return {
    userId: w.manager.id,
    username: w.manager.username,
    locale: 'ko' as const,
    role: 'BRANCH_MANAGER' as const,
    branchId: w.branch.id,
    partnerId: null,
    sessionId: rows[0]!.f,
  };
}

/** Makes this transaction's COMMIT fail as a serialization failure would: a deferred trigger refuses it. */
async function refuseCommit(tx: pg.PoolClient) {
  await tx.query('CREATE TEMP TABLE commit_refused (x int) ON COMMIT DROP');
  await tx.query(`CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = '40001'; END$$`);
  await tx.query(`CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON commit_refused DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()`);
  await tx.query('INSERT INTO commit_refused VALUES ($1)', [1]);
}

describe('a transaction whose last query carries its COMMIT', () => {
  it('a failed COMMIT is the answer, not the list read before it, even when the work swallows it', async () => {
    await createOrder(db.owner, { branchId: w.branch.id });
    const actor = await managerActor();
    const query = { branchId: w.branch.id, status: '미배정', sort: '-createdAt' };
    // the list itself answers (a control)
    const page = await withRequestTransaction(pool, actor, (tx) => listOrders(tx, actor, query, { last: true }));
    expect(page.items.length).toBeGreaterThan(0);
    const failed = withRequestTransaction(pool, actor, async (tx) => {
      await refuseCommit(tx);
      return listOrders(tx, actor, query, { last: true });
    });
    await expect(failed).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
    let caught: unknown;
    const swallowed = withRequestTransaction(pool, actor, async (tx) => {
      await refuseCommit(tx);
      try {
        await tx.query(lastQuery({ text: 'SELECT $1::int AS n', values: [1] }));
      } catch (err) {
        caught = err;
      }
      return 'answered';
    });
    await expect(swallowed).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(caught).toBeDefined();
    // nothing of it stayed open, and the connection serves the next transaction
    const again = await withRequestTransaction(pool, actor, (tx) => listOrders(tx, actor, query, { last: true }));
    expect(again.items.map((o) => o.id)).toEqual(page.items.map((o) => o.id));
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('a revoked session is refused when the context, the list and COMMIT go in one round trip', async () => {
    const actor = { ...(await managerActor()), sessionId: randomUUID() };
    let caught: unknown;
    const answer = withRequestTransaction(pool, actor, async (tx) => {
      try {
        await tx.query(lastQuery({ text: 'SELECT $1::int AS n', values: [1] }));
      } catch (err) {
        caught = err;
      }
      return 'answered';
    });
    await expect(answer).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' });
    expect(caught).toBeDefined();
    const list = withRequestTransaction(pool, actor, (tx) =>
      listOrders(tx, actor, { branchId: w.branch.id }, { last: true }),
    );
    await expect(list).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' });
    // over HTTP: a logged-out token's list is a 401 although the branch is known (no lookup goes first)
    const pair = await api.login(w.manager.username);
    const path = `/api/orders?branchId=${w.branch.id}&status=${encodeURIComponent('미배정')}&sort=-createdAt`;
    expect((await api.request('GET', path, { token: pair })).status).toBe(200);
    await api.request('POST', '/api/auth/logout', { body: { refreshToken: pair.refreshToken } });
    const after = await api.request('GET', path, { token: pair });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('SESSION_REVOKED');
  });

  it('a query after the last one is refused, and the transaction is committed as it stood', async () => {
    const actor = await managerActor();
    const order = await createOrder(db.owner, { branchId: w.branch.id });
    const note = `after-last-${randomUUID()}`;
    const answer = withRequestTransaction(pool, actor, async (tx) => {
      await tx.query(lastQuery({ text: 'UPDATE orders SET remarks = $2 WHERE id = $1', values: [order.id, note] }));
      await tx.query('SELECT $1::int AS n', [1]);
      return 'answered';
    });
    await expect(answer).rejects.toThrow(/after its transaction’s last query/);
    const { rows } = await db.owner.query('SELECT remarks FROM orders WHERE id = $1', [order.id]);
    expect(rows[0].remarks).toBe(note);
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('a write ending with it is committed, and the cache hears the scopes it touched', async () => {
    const actor = await managerActor();
    const order = await createOrder(db.owner, { branchId: w.branch.id });
    const heard: string[][] = [];
    setCommitListener(pool, async (scopes) => {
      heard.push(scopes);
    });
    try {
      const version = await withRequestTransaction(pool, actor, async (tx) => {
        const r = await tx.query(
          lastQuery({
            text: 'UPDATE orders SET remarks = $2 WHERE id = $1 RETURNING version',
            values: [order.id, 'committed with its last query'],
          }),
        );
        return Number(r.rows[0].version);
      });
      expect(version).toBe(order.version + 1);
      const { rows } = await db.owner.query('SELECT remarks FROM orders WHERE id = $1', [order.id]);
      expect(rows[0].remarks).toBe('committed with its last query');
      expect(heard.flat()).toContain(`b:${w.branch.id}`);
    } finally {
      setCommitListener(pool, undefined);
    }
  });
});

describe('the order list’s branch', () => {
  it('an unknown branch is a 404 for HQ, a branch made just after is listed at once, another one a 404 for a manager', async () => {
    const hq = await api.login(w.hq.username);
    const manager = await api.login(w.manager.username);
    const unknown = randomUUID();
    expect((await api.request('GET', `/api/orders?branchId=${unknown}`, { token: hq })).status).toBe(404);
    const branch = await createBranch(db.owner);
    const o = await createOrder(db.owner, { branchId: branch.id });
    for (let i = 0; i < 2; i++) {
      const r = await api.request('GET', `/api/orders?branchId=${branch.id}`, { token: hq });
      expect(r.status).toBe(200);
      expect(r.body.items.map((x: { id: string }) => x.id)).toEqual([o.id]);
      // known to exist now, still not the manager's
      expect((await api.request('GET', `/api/orders?branchId=${branch.id}`, { token: manager })).status).toBe(404);
    }
    expect((await api.request('GET', `/api/orders?branchId=${unknown}`, { token: hq })).status).toBe(404);
  });
});
