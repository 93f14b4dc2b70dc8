// The children of a snapshot page are read in one statement, sync_order_children() (migration 0149): it proves
// each order of the page visible once (the orders policy's own expression, order_visible over the sealed request
// context) and reads the children by the order's key, instead of every child row asking order_key_visible()
// (0121) through row-level security. What it answers must be exactly what row-level security lets the caller read
// of those orders' children, for every role, whatever keys it is given.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_CHILDREN, type SyncEntity } from '../../domain/sync-protocol.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createPartner, createWorld, type OrderFixture, type World } from '../support/fixtures.js';
import { enterAs } from '../support/session.js';
import { makeOrder } from './support.js';

let db: TestDatabase;
let a: World;
let b: World;
const orders: OrderFixture[] = [];

const CHILDREN = [...ORDER_CHILDREN, 'split_orders'] as SyncEntity[];

beforeAll(async () => {
  db = await createTestDatabase();
  a = await createWorld(db.owner);
  b = await createWorld(db.owner);
  const otherPartner = await createPartner(db.owner);
  // branch A: the partner's order with the installer, one of another partner; branch B: one of A's partner
  // (its coordinator sees it, A's manager does not), one of its own; an old one (another month's partition)
  const specs = [
    { branchId: a.branch.id, partnerId: a.partner.id, installerId: a.installer.id, status: '배정' as const },
    { branchId: a.branch.id, partnerId: otherPartner.id },
    { branchId: b.branch.id, partnerId: a.partner.id },
    { branchId: b.branch.id, partnerId: b.partner.id },
    { branchId: a.branch.id, partnerId: a.partner.id, createdAt: new Date(Date.now() - 200 * 86_400_000) },
  ];
  for (const [i, s] of specs.entries()) {
    const o = await makeOrder(db.owner, {
      ...s,
      lines: [
        { itemCode: 'AC-100', itemName: '에어컨', quantity: 1 },
        { itemCode: 'TV-55', itemName: 'TV', quantity: 2 },
      ],
    });
    await db.owner.query(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
       SELECT id, created_at, 'P01', 1, branch_id FROM orders WHERE id = $1`,
      [o.id],
    );
    await db.owner.query(
      `INSERT INTO serial_numbers(order_id, order_created_at, order_line_id, serial)
       SELECT o.id, o.created_at, $2, $3 FROM orders o WHERE o.id = $1`,
      [o.id, o.lineIds[0], `SN-KIDS-${i}-${o.id.slice(0, 8)}`],
    );
    // an appointment change (appointments, by trigger) and a status change (history, by trigger)
    await db.owner.query(`UPDATE orders SET appointment_date = appointment_date + 1 WHERE id = $1`, [o.id]);
    orders.push(o);
  }
});
afterAll(async () => {
  await db?.drop();
});

type Child = { entity: string; id: string; version: number | null; row: string };

async function asUser<T>(
  user: { id: string; role: string; branchId?: string | null; partnerId?: string | null } | null,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const c = new pg.Client({ connectionString: db.appUrl });
  await c.connect();
  try {
    await c.query('BEGIN');
    if (user) await enterAs(c, db.owner, user);
    await c.query(`SELECT set_config('TimeZone', 'UTC', true)`);
    return await fn(c);
  } finally {
    await c.query('ROLLBACK');
    await c.end();
  }
}

/** What row-level security lets the caller read of these orders' children, table by table. */
async function underRls(c: pg.Client, ids: string[]): Promise<Child[]> {
  const out: Child[] = [];
  for (const entity of CHILDREN) {
    const col = entity === 'split_orders' ? 'parent_order_id' : 'order_id';
    const versioned = !['order_status_history', 'appointments', 'split_orders', 'attachments', 'happy_calls'].includes(
      entity,
    );
    const { rows } = await c.query<Child>(
      `SELECT $2::text AS entity, id::text AS id, ${versioned ? 'version' : 'NULL::int'} AS version,
              (to_jsonb(t) - 'change_xid')::text AS row
         FROM ${entity} t WHERE ${col} = ANY($1::uuid[]) ORDER BY change_xid, id`,
      [ids, entity],
    );
    out.push(...rows);
  }
  return out;
}

async function viaFunction(c: pg.Client, keys: { id: string; createdAt: string }[]): Promise<Child[]> {
  const { rows } = await c.query<Child>(
    'SELECT entity, id, version, row FROM sync_order_children($1::uuid[], $2::timestamptz[])',
    [keys.map((k) => k.id), keys.map((k) => k.createdAt)],
  );
  return rows;
}

const keysOf = (os: OrderFixture[]) => os.map((o) => ({ id: o.id, createdAt: o.createdAtExact }));

describe('sync_order_children', () => {
  it('answers, for every role, exactly the children row-level security shows of the orders given', async () => {
    const users = [a.hq, a.manager, a.coordinator, a.installerUser, b.manager, b.coordinator];
    for (const user of users) {
      const [expected, got] = await asUser(user, async (c) => [
        await underRls(
          c,
          orders.map((o) => o.id),
        ),
        await viaFunction(c, keysOf(orders)),
      ]);
      // in the order the snapshot delivered them before: table by table (ORDER_CHILDREN, then splits), by stamp
      expect(got, user.username).toEqual(expected);
    }
    // the scopes differ, so the comparison above compared something
    const counts = await Promise.all(
      [a.hq, a.manager, a.installerUser, b.manager].map((u) =>
        asUser(u, async (c) => (await viaFunction(c, keysOf(orders))).length),
      ),
    );
    expect(new Set(counts).size).toBe(4);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('gives nothing for a key that is not an order (right id, wrong created_at) or without a request context', async () => {
    const o = orders[0]!;
    const wrong = [{ id: o.id, createdAt: new Date(Date.parse(o.createdAtExact) - 1000).toISOString() }];
    expect(await asUser(a.hq, (c) => viaFunction(c, wrong))).toEqual([]);
    expect(await asUser(null, (c) => viaFunction(c, keysOf(orders)))).toEqual([]);
    // a context set by hand (not sealed by app_enter_request) is not honoured either
    const forged = await asUser(null, async (c) => {
      await c.query(`SELECT set_config('app.user_id', $1, true), set_config('app.role', 'HQ_ADMIN', true)`, [a.hq.id]);
      return viaFunction(c, keysOf(orders));
    });
    expect(forged).toEqual([]);
  });
});
