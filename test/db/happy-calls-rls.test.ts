// Row-level security of the 해피콜 outcomes (happy_calls, migration 0100) as the server meets it: dispatch_app,
// the sealed request context, hand-written SQL. A call is read where its order is visible, recorded only on a
// visible order and in the caller's own name, and never edited or deleted (an outcome is an append).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  type AppContext,
  contexts,
  type Fixture,
  failure,
  inTransaction,
  makeFixture,
  type OrderRef,
} from './fixtures.js';

let db: TestDatabase;
let f: Fixture;
let app: pg.Client;
let ctx: ReturnType<typeof contexts>;
let mgrB: AppContext;
const calls: Record<'A' | 'B' | 'A2', string> = { A: '', B: '', A2: '' };

async function ownerCall(o: OrderRef, by: string, outcome = 'NO_ANSWER'): Promise<string> {
  const { rows } = await db.owner.query(
    `INSERT INTO happy_calls(order_id, order_created_at, branch_id, outcome, called_by)
     SELECT id, created_at, branch_id, $2, $3 FROM orders WHERE id = $1 RETURNING id`,
    [o.id, outcome, by],
  );
  return rows[0].id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  f = await makeFixture(db.owner);
  ctx = contexts(f);
  mgrB = { role: 'BRANCH_MANAGER', userId: f.users.mgrB, branchId: f.branchB };
  calls.A = await ownerCall(f.orderA, f.users.mgrA);
  calls.B = await ownerCall(f.orderB, f.users.mgrB);
  calls.A2 = await ownerCall(f.orderA2, f.users.mgrA);
  app = new pg.Client({ connectionString: db.appUrl });
  await app.connect();
});
afterAll(async () => {
  await app?.end();
  await db?.drop();
});

async function visibleCalls(c: AppContext | null): Promise<string[]> {
  return inTransaction(app, c, async (cl) =>
    (await cl.query('SELECT id FROM happy_calls')).rows.map((r) => r.id as string).sort(),
  );
}

function insertAs(c: AppContext, o: OrderRef, calledBy: string) {
  return inTransaction(app, c, (cl) =>
    cl.query(
      `INSERT INTO happy_calls(order_id, order_created_at, branch_id, outcome, called_by)
       VALUES ($1, $2, $3, 'CONFIRMED', $4) RETURNING id, attempt, branch_id`,
      [o.id, o.createdAt, f.branchA, calledBy],
    ),
  );
}

describe('happy_calls row-level security', () => {
  it('shows each role the calls of the orders it sees, and nothing without a context', async () => {
    expect(await visibleCalls(ctx.hq)).toEqual([calls.A, calls.B, calls.A2].sort());
    expect(await visibleCalls(ctx.mgrA)).toEqual([calls.A, calls.A2].sort());
    expect(await visibleCalls(mgrB)).toEqual([calls.B]);
    expect(await visibleCalls(ctx.coordA)).toEqual([calls.A]);
    expect(await visibleCalls(ctx.instA)).toEqual([calls.A]);
    expect(await visibleCalls(null)).toEqual([]);
  });

  it('lets a branch record a call on its own order, in its own name; branch and attempt come from the database', async () => {
    const r = await insertAs(ctx.mgrA, f.orderA, f.users.mgrA);
    expect(r.rows[0]).toMatchObject({ attempt: 2, branch_id: f.branchA });
  });

  it('refuses a call on another branch’s order, even with hand-written SQL', async () => {
    const e = await failure(() => insertAs(ctx.mgrA, f.orderB, f.users.mgrA));
    expect(e.message).toMatch(/row-level security/);
    const p = await failure(() => insertAs(ctx.coordA, f.orderB, f.users.coordA));
    expect(p.message).toMatch(/row-level security/);
  });

  it('refuses a call recorded in someone else’s name', async () => {
    const e = await failure(() => insertAs(ctx.mgrA, f.orderA, f.users.hq));
    expect(e.message).toMatch(/row-level security/);
  });

  it('never lets a call be edited or deleted, not even by HQ', async () => {
    for (const c of [ctx.hq, ctx.mgrA]) {
      const u = await failure(() =>
        inTransaction(app, c, (cl) =>
          cl.query(`UPDATE happy_calls SET outcome = 'CONFIRMED' WHERE id = $1`, [calls.A]),
        ),
      );
      expect(u.code).toBe('42501');
      const d = await failure(() =>
        inTransaction(app, c, (cl) => cl.query('DELETE FROM happy_calls WHERE id = $1', [calls.A])),
      );
      expect(d.code).toBe('42501');
    }
  });

  it('audits a call under the caller and the order’s branch; the branch manager of another branch does not read it', async () => {
    const id = await inTransaction(
      app,
      ctx.mgrA,
      async (cl) =>
        (
          await cl.query(
            `INSERT INTO happy_calls(order_id, order_created_at, branch_id, outcome, called_by, note)
             VALUES ($1, $2, $3, 'WRONG_NUMBER', $4, '결번') RETURNING id`,
            [f.orderA2.id, f.orderA2.createdAt, f.branchA, f.users.mgrA],
          )
        ).rows[0].id as string,
      { commit: true },
    );
    const audit = await db.owner.query(
      'SELECT actor_id, branch_id, order_id, diff FROM audit_logs WHERE record_id = $1',
      [id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor_id: f.users.mgrA, branch_id: f.branchA, order_id: f.orderA2.id });
    expect(audit.rows[0].diff).toMatchObject({ outcome: 'WRONG_NUMBER', note: '결번' });
    const readA = await inTransaction(app, ctx.mgrA, (cl) =>
      cl.query('SELECT 1 FROM audit_logs WHERE record_id = $1', [id]),
    );
    expect(readA.rowCount).toBe(1);
    const readB = await inTransaction(app, mgrB, (cl) =>
      cl.query('SELECT 1 FROM audit_logs WHERE record_id = $1', [id]),
    );
    expect(readB.rowCount).toBe(0);
  });

  it('refuses a call on an order that does not exist (foreign key)', async () => {
    const e = await failure(() =>
      db.owner.query(
        `INSERT INTO happy_calls(order_id, order_created_at, branch_id, outcome, called_by)
         VALUES (gen_random_uuid(), now(), $1, 'CONFIRMED', $2)`,
        [f.branchA, f.users.mgrA],
      ),
    );
    expect(e.code).toMatch(/23503|23502/);
  });
});
