// Row-level security as the server meets it: connected as dispatch_app, request context set per transaction,
// plain hand-written SQL. Another branch's / partner's / installer's rows are neither readable nor writable.
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
beforeAll(async () => {
  db = await createTestDatabase();
  f = await makeFixture(db.owner);
  for (const [user, category] of [
    [f.users.mgrA, 'ABSENCE'],
    [f.users.mgrB, 'ABSENCE'],
    [f.users.instA, 'ASSIGNMENT'],
    [f.users.instB, 'ASSIGNMENT'],
  ] as const) {
    await db.owner.query('INSERT INTO notifications(user_id, category, order_id) VALUES ($1, $2, $3)', [
      user,
      category,
      f.orderA.id,
    ]);
  }
  await db.owner.query(
    `INSERT INTO settlement_periods(branch_id, period_start, period_end) VALUES ($1, '2099-01-05', '2099-01-11'), ($2, '2099-01-05', '2099-01-11')`,
    [f.branchA, f.branchB],
  );
  app = new pg.Client({ connectionString: db.appUrl });
  await app.connect();
});
afterAll(async () => {
  await app?.end();
  await db.drop();
});

const CHILD_TABLES = ['order_lines', 'serial_numbers', 'waste_pickups', 'order_status_history'] as const;

async function visibleOrders(ctx: AppContext | null): Promise<string[]> {
  return inTransaction(app, ctx, async (c) =>
    (await c.query('SELECT id FROM orders ORDER BY id')).rows.map((r) => r.id),
  );
}

/** Everything a caller might try on an order outside its scope; each must touch nothing or be refused. */
async function expectUnreachable(ctx: AppContext, o: OrderRef) {
  await inTransaction(app, ctx, async (c) => {
    expect((await c.query('SELECT * FROM orders WHERE id = $1', [o.id])).rowCount).toBe(0);
    expect((await c.query('SELECT * FROM orders WHERE order_no = $1', [o.orderNo])).rowCount).toBe(0);
    for (const t of CHILD_TABLES) {
      expect((await c.query(`SELECT * FROM ${t} WHERE order_id = $1`, [o.id])).rowCount, t).toBe(0);
    }
    expect((await c.query(`UPDATE orders SET remarks = 'hacked' WHERE id = $1`, [o.id])).rowCount).toBe(0);
    expect((await c.query(`UPDATE orders SET status = '취소' WHERE id = $1`, [o.id])).rowCount).toBe(0);
    expect((await c.query('UPDATE order_lines SET quantity = 9 WHERE order_id = $1', [o.id])).rowCount).toBe(0);
    expect(
      (await c.query('UPDATE serial_numbers SET serial = serial || $2 WHERE order_id = $1', [o.id, 'X'])).rowCount,
    ).toBe(0);
    expect((await c.query('DELETE FROM waste_pickups WHERE order_id = $1', [o.id])).rowCount).toBe(0);
    expect((await c.query('DELETE FROM order_lines WHERE order_id = $1', [o.id])).rowCount).toBe(0);
    expect((await c.query('DELETE FROM orders WHERE id = $1', [o.id])).rowCount).toBe(0);
  });
  // Adding a line to it is refused by the policy's WITH CHECK.
  const e = await failure(() =>
    inTransaction(app, ctx, (c) =>
      c.query(
        `INSERT INTO order_lines(order_id, order_created_at, item_code, item_name, quantity)
         VALUES ($1, $2, 'WM-DR-21', '드럼세탁기 21kg', 1)`,
        [o.id, o.createdAt],
      ),
    ),
  );
  expect(e.code).toBe('42501');
  expect(e.message).toContain('row-level security');
  // Nothing changed, as the owner sees it.
  const row = await db.owner.query('SELECT remarks, status, version FROM orders WHERE id = $1', [o.id]);
  expect(row.rows[0].remarks).toBeNull();
  expect(row.rows[0].version).toBe(1);
}

async function expectInsertRefused(
  ctx: AppContext,
  values: { branch: string; partner: string | null; installer: string | null },
) {
  const e = await failure(() =>
    inTransaction(app, ctx, (c) =>
      c.query(
        `INSERT INTO orders(order_no, customer_name, branch_id, partner_id, installer_id) VALUES ('RLS-INSERT', '김민준', $1, $2, $3)`,
        [values.branch, values.partner, values.installer],
      ),
    ),
  );
  expect(e.code).toBe('42501');
  expect(e.message).toContain('row-level security');
}

describe('row-level security for dispatch_app', () => {
  it('HQ_ADMIN sees every order and every child row', async () => {
    const all = (await db.owner.query('SELECT id FROM orders ORDER BY id')).rows.map((r) => r.id);
    expect(await visibleOrders(contexts(f).hq)).toEqual(all);
    await inTransaction(app, contexts(f).hq, async (c) => {
      for (const t of [...CHILD_TABLES, 'installers', 'settlement_periods']) {
        const owner = (await db.owner.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
        expect((await c.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n, t).toBe(owner);
      }
    });
  });

  it('with no context set, nothing is visible and nothing can be written', async () => {
    expect(await visibleOrders(null)).toEqual([]);
    await inTransaction(app, null, async (c) => {
      for (const t of [
        ...CHILD_TABLES,
        'installers',
        'notifications',
        'settlement_periods',
        'offline_sync_queue',
        'exports',
      ]) {
        expect((await c.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n, t).toBe(0);
      }
      expect((await c.query(`UPDATE orders SET remarks = 'x'`)).rowCount).toBe(0);
      expect((await c.query('DELETE FROM order_lines')).rowCount).toBe(0);
    });
    const e = await failure(() =>
      inTransaction(app, null, (c) =>
        c.query(`INSERT INTO orders(order_no, customer_name, branch_id) VALUES ('RLS-NONE', '김민준', $1)`, [
          f.branchA,
        ]),
      ),
    );
    expect(e.code).toBe('42501');
  });

  it("BRANCH_MANAGER sees its branch's orders and cannot reach another branch's", async () => {
    const ctx = contexts(f).mgrA;
    expect(await visibleOrders(ctx)).toEqual([f.orderA.id, f.orderA2.id].sort());
    await expectUnreachable(ctx, f.orderB);
    await expectInsertRefused(ctx, { branch: f.branchB, partner: null, installer: null });
    // moving its own order to another branch is refused too
    const e = await failure(() =>
      inTransaction(app, ctx, (c) =>
        c.query('UPDATE orders SET branch_id = $2 WHERE id = $1', [f.orderA.id, f.branchB]),
      ),
    );
    expect(e.code).toBe('42501');
    await inTransaction(app, ctx, async (c) => {
      const installers = (await c.query('SELECT id FROM installers')).rows.map((r) => r.id);
      expect(installers).toEqual([f.installerA]);
      expect((await c.query('UPDATE installers SET capacity_per_day = 1 WHERE id = $1', [f.installerB])).rowCount).toBe(
        0,
      );
      const weeks = (await c.query('SELECT branch_id FROM settlement_periods')).rows.map((r) => r.branch_id);
      expect(weeks).toEqual([f.branchA]);
      expect(
        (await c.query(`UPDATE settlement_periods SET status = 'LOCKED' WHERE branch_id = $1`, [f.branchB])).rowCount,
      ).toBe(0);
    });
  });

  it("PARTNER_COORDINATOR sees its partner's orders only", async () => {
    const ctx = contexts(f).coordA;
    expect(await visibleOrders(ctx)).toEqual([f.orderA.id]);
    await expectUnreachable(ctx, f.orderB); // another partner's
    await expectUnreachable(ctx, f.orderA2); // its branch, but no partner yet
    await expectInsertRefused(ctx, { branch: f.branchA, partner: f.partnerB, installer: null });
    await inTransaction(app, ctx, async (c) => {
      expect((await c.query('SELECT id FROM installers')).rows.map((r) => r.id)).toEqual([f.installerA]);
    });
  });

  it('INSTALLER sees the orders assigned to its own installer record only', async () => {
    const ctx = contexts(f).instA;
    expect(await visibleOrders(ctx)).toEqual([f.orderA.id]);
    await expectUnreachable(ctx, f.orderB); // another installer's
    await expectUnreachable(ctx, f.orderA2); // its branch, unassigned
    await expectInsertRefused(ctx, { branch: f.branchB, partner: f.partnerB, installer: f.installerB });
    await inTransaction(app, ctx, async (c) => {
      expect((await c.query('SELECT id FROM installers')).rows.map((r) => r.id)).toEqual([f.installerA]);
      // handing its order to another installer takes it out of its scope: refused
      const e = await c
        .query('UPDATE orders SET installer_id = $2 WHERE id = $1', [f.orderA.id, f.installerB])
        .catch((err: pg.DatabaseError) => err);
      expect((e as pg.DatabaseError).code).toBe('42501');
    });
  });

  it('a context whose branch or partner is not the user’s is refused, never a wider view', async () => {
    // app_enter_request checks the claimed branch and partner against the user's row (0046, sealed since 0072)
    const ctx: AppContext = { role: 'INSTALLER', userId: f.users.instB, branchId: f.branchA, partnerId: f.partnerA };
    expect((await failure(() => visibleOrders(ctx))).code).toBe('DS401');
  });

  it('notifications are visible and markable by their own user only', async () => {
    await inTransaction(app, contexts(f).mgrA, async (c) => {
      const mine = await c.query('SELECT user_id FROM notifications');
      expect(mine.rows.map((r) => r.user_id)).toEqual([f.users.mgrA]);
      expect(
        (await c.query(`UPDATE notifications SET status = 'READ' WHERE user_id = $1`, [f.users.mgrB])).rowCount,
      ).toBe(0);
      expect((await c.query('DELETE FROM notifications')).rowCount).toBe(0);
    });
  });

  it('notifications can be written only about what the caller may see', async () => {
    const insert = (c: pg.ClientBase, user: string, category: string, orderId: string | null) =>
      c.query('INSERT INTO notifications(user_id, category, order_id) VALUES ($1, $2, $3)', [user, category, orderId]);
    await inTransaction(app, contexts(f).mgrA, async (c) => {
      // about an order of its own branch, to anyone who should hear of it; and its own conflict notices
      expect((await insert(c, f.users.instA, 'ASSIGNMENT', f.orderA.id)).rowCount).toBe(1);
      expect((await insert(c, f.users.mgrA, 'SYNC_CONFLICT', null)).rowCount).toBe(1);
    });
    const refused = [
      [f.users.mgrB, 'CANCEL', f.orderB.id], // another branch's order
      [f.users.mgrB, 'SYNC_CONFLICT', null], // someone else's conflict
      [f.users.mgrB, 'SETTLEMENT_LOCK', null], // a settlement notice to another branch's user
    ] as const;
    for (const [user, category, orderId] of refused) {
      const e = await failure(() => inTransaction(app, contexts(f).mgrA, (c) => insert(c, user, category, orderId)));
      expect(e.code, category).toBe('42501');
    }
    // an installer may tell the branch managers about its own order only
    await inTransaction(app, contexts(f).instA, async (c) => {
      expect((await insert(c, f.users.mgrA, 'ABSENCE', f.orderA.id)).rowCount).toBe(1);
    });
    const e = await failure(() =>
      inTransaction(app, contexts(f).instA, (c) => insert(c, f.users.mgrB, 'ABSENCE', f.orderB.id)),
    );
    expect(e.code).toBe('42501');
  });

  it('a partition cannot be read directly (it would bypass the parent’s policies)', async () => {
    const partition = (
      await db.owner.query('SELECT tableoid::regclass::text AS p FROM orders WHERE id = $1', [f.orderA.id])
    ).rows[0].p as string;
    expect(partition).toMatch(/^orders_\d{4}_\d{2}$/);
    for (const t of [partition, 'orders_default', partition.replace('orders_', 'order_status_history_')]) {
      const e = await failure(() => inTransaction(app, contexts(f).hq, (c) => c.query(`SELECT * FROM ${t}`)));
      expect(e.code, t).toBe('42501');
      expect(e.message).toContain('permission denied');
    }
  });

  it("sync_order_rows (the push's answers) gives each order exactly as sync_row does, and only those in scope", async () => {
    const ctx = contexts(f);
    await inTransaction(app, ctx.mgrA, async (c) => {
      const ids = [f.orderA.id, f.orderB.id, '00000000-0000-4000-8000-000000000000'];
      const { rows } = await c.query('SELECT id, order_row FROM sync_order_rows($1::uuid[])', [ids]);
      // another branch's order and one that does not exist: absent, as sync_row gives null for them
      expect(rows.map((r) => r.id)).toEqual([f.orderA.id]);
      const one = await c.query("SELECT sync_row('orders', $1) AS row", [f.orderA.id]);
      expect(rows[0].order_row).toEqual(one.rows[0].row);
      expect((await c.query("SELECT sync_row('orders', $1) AS row", [f.orderB.id])).rows[0].row).toBeNull();
      // the timestamps are written in UTC whatever the session's time zone, as sync_row writes them
      await c.query("SET LOCAL TimeZone = 'Asia/Seoul'");
      const again = await c.query('SELECT order_row FROM sync_order_rows($1::uuid[])', [[f.orderA.id]]);
      expect(again.rows[0].order_row).toEqual(one.rows[0].row);
    });
  });
});
