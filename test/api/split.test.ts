import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenPair } from '../../server/auth/auth.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  auditRows,
  createOrder,
  createWorld,
  mondayOf,
  type OrderFixture,
  seoulToday,
  type World,
} from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
let other: World;
let manager: TokenPair;
let hq: TokenPair;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
  other = await createWorld(db.owner);
  manager = await server.login(world.manager.username);
  hq = await server.login(world.hq.username);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const LINES = [
  { itemCode: 'AC-100', itemName: '벽걸이 에어컨', quantity: 3 },
  { itemCode: 'GEN-200', itemName: '선풍기', quantity: 2 },
  { itemCode: 'GEN-300', itemName: '가습기', quantity: 1 },
];

async function order(o: Partial<Parameters<typeof createOrder>[1]> = {}): Promise<OrderFixture> {
  return createOrder(db.owner, { branchId: world.branch.id, lines: LINES, ...o });
}

async function quantities(orderId: string): Promise<Record<string, number>> {
  const { rows } = await db.owner.query<{ item_code: string; q: number }>(
    'SELECT item_code, sum(quantity)::int AS q FROM order_lines WHERE order_id = $1 GROUP BY 1',
    [orderId],
  );
  return Object.fromEntries(rows.map((r) => [r.item_code, r.q]));
}

describe('POST /api/orders/:id/split', () => {
  it('moves exactly the quantities asked: part of a line and a whole line; parent + child = the original', async () => {
    const o = await order();
    const [ac, gen200, gen300] = o.lineIds as [string, string, string];
    const res = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: {
        version: o.version,
        lines: [
          { lineId: ac, quantity: 1 },
          { lineId: gen200, quantity: 2 },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { parent, child, moved } = res.body;
    expect(child.orderNo).toBe(`${o.orderNo}-S1`);
    expect(child.status).toBe('미배정');
    expect(parent.version).toBe(o.version + 1);
    expect(moved).toEqual([
      { lineId: ac, childLineId: expect.any(String), quantity: 1, whole: false },
      { lineId: gen200, childLineId: gen200, quantity: 2, whole: true },
    ]);

    expect(await quantities(o.id)).toEqual({ 'AC-100': 2, 'GEN-300': 1 });
    expect(await quantities(child.id)).toEqual({ 'AC-100': 1, 'GEN-200': 2 });
    const original = Object.fromEntries(LINES.map((l) => [l.itemCode, l.quantity]));
    const sum: Record<string, number> = { ...(await quantities(o.id)) };
    for (const [k, v] of Object.entries(await quantities(child.id))) sum[k] = (sum[k] ?? 0) + v;
    expect(sum).toEqual(original);
    expect(parent.lines.map((l: { id: string }) => l.id).sort()).toEqual([ac, gen300].sort());

    const splits = await db.owner.query(
      'SELECT line_id, quantity, created_by FROM split_orders WHERE parent_order_id = $1 AND child_order_id = $2 ORDER BY quantity',
      [o.id, child.id],
    );
    expect(splits.rows).toEqual([
      { line_id: ac, quantity: 1, created_by: world.manager.id },
      { line_id: gen200, quantity: 2, created_by: world.manager.id },
    ]);
    const numbers = await db.owner.query('SELECT order_id FROM order_numbers WHERE order_no = $1', [child.orderNo]);
    expect(numbers.rows).toEqual([{ order_id: child.id }]);

    // the child keeps the customer, branch and today's appointment
    const c = await db.owner.query(
      'SELECT customer_name, branch_id, appointment_date, installer_id FROM orders WHERE id = $1',
      [child.id],
    );
    expect(c.rows[0]).toEqual({
      customer_name: '홍길동',
      branch_id: world.branch.id,
      appointment_date: expect.any(Date),
      installer_id: null,
    });
  });

  it('numbers further splits -S2, -S3 …, also when a child is split (from the root number)', async () => {
    const o = await order();
    const first = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 1 }] },
    });
    const second = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: first.body.parent.version, lines: [{ lineId: o.lineIds[0], quantity: 1 }] },
    });
    expect(second.status).toBe(201);
    expect(second.body.child.orderNo).toBe(`${o.orderNo}-S2`);
    // the first child gets one more unit, then is split itself
    const child = first.body.child;
    const grand = await server.request('POST', `/api/orders/${child.id}/split`, {
      token: manager,
      body: { version: child.version, lines: [{ lineId: o.lineIds[1], quantity: 1 }] },
    });
    // o.lineIds[1] belongs to the parent, not to the child
    expect(grand.status).toBe(422);
    expect(grand.body.error.field).toBe('lines.0.lineId');
    const moveMore = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: second.body.parent.version, lines: [{ lineId: o.lineIds[1], quantity: 2 }] },
    });
    expect(moveMore.body.child.orderNo).toBe(`${o.orderNo}-S3`);
    const c3 = moveMore.body.child;
    const fromChild = await server.request('POST', `/api/orders/${c3.id}/split`, {
      token: manager,
      body: { version: c3.version, lines: [{ lineId: o.lineIds[1], quantity: 1 }] },
    });
    expect(fromChild.status).toBe(201);
    expect(fromChild.body.child.orderNo).toBe(`${o.orderNo}-S4`);
  });

  it('refuses bad bodies naming the field (400)', async () => {
    const o = await order();
    const cases: [unknown, string][] = [
      [{ version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 0 }] }, 'lines.0.quantity'],
      [{ version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 1.5 }] }, 'lines.0.quantity'],
      [{ version: o.version, lines: [{ lineId: 'nope', quantity: 1 }] }, 'lines.0.lineId'],
      [
        {
          version: o.version,
          lines: [
            { lineId: o.lineIds[0], quantity: 1 },
            { lineId: o.lineIds[0], quantity: 1 },
          ],
        },
        'lines.1.lineId',
      ],
      [{ version: o.version, lines: [] }, 'lines'],
      [{ lines: [{ lineId: o.lineIds[0], quantity: 1 }] }, 'version'],
      [{ version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 1 }], extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await server.request('POST', `/api/orders/${o.id}/split`, { token: manager, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });

  it('refuses more than the line holds, and moving everything (422)', async () => {
    const o = await order();
    const tooMany = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 4 }] },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error).toMatchObject({ code: 'SPLIT_QUANTITY', field: 'lines.0.quantity' });
    expect(tooMany.body.error.details).toMatchObject({ requested: 4, available: 3 });

    const all = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: {
        version: o.version,
        lines: o.lineIds.map((lineId, i) => ({ lineId, quantity: LINES[i]!.quantity })),
      },
    });
    expect(all.status).toBe(422);
    expect(all.body.error.code).toBe('SPLIT_ALL');
    expect(await quantities(o.id)).toEqual({ 'AC-100': 3, 'GEN-200': 2, 'GEN-300': 1 });
  });

  it('refuses terminal and delivered orders (422) and a locked settlement week (423)', async () => {
    for (const status of ['취소', '부분인수', '인수'] as const) {
      const o = await order({ status });
      const res = await server.request('POST', `/api/orders/${o.id}/split`, {
        token: manager,
        body: { version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 1 }] },
      });
      expect(res.status, status).toBe(422);
      expect(res.body.error.code).toBe('NOT_SPLITTABLE');
    }
    const o = await order();
    const monday = mondayOf(seoulToday());
    await db.owner.query(
      `INSERT INTO settlement_periods(branch_id, period_start, period_end, status, locked_at)
       VALUES ($1, $2, $2::date + 6, 'LOCKED', now())`,
      [world.branch.id, monday],
    );
    try {
      const res = await server.request('POST', `/api/orders/${o.id}/split`, {
        token: manager,
        body: { version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 1 }] },
      });
      expect(res.status).toBe(423);
      expect(res.body.error.code).toBe('LOCKED');
    } finally {
      await db.owner.query('DELETE FROM settlement_periods WHERE branch_id = $1', [world.branch.id]);
    }
    expect(await quantities(o.id)).toEqual({ 'AC-100': 3, 'GEN-200': 2, 'GEN-300': 1 });
  });

  it('a stale version is a 409 with the current order', async () => {
    const o = await order();
    const res = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: o.version + 5, lines: [{ lineId: o.lineIds[0], quantity: 1 }] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.details.current.version).toBe(o.version);
  });

  it('RBAC: installers and partner coordinators may not split (403); another branch sees 404', async () => {
    const o = await order({ partnerId: world.partner.id, installerId: world.installer.id, status: '배정' });
    const body = { version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 1 }] };
    for (const u of [world.installerUser, world.coordinator]) {
      const token = await server.login(u.username);
      const res = await server.request('POST', `/api/orders/${o.id}/split`, { token, body });
      expect(res.status).toBe(403);
    }
    const otherManager = await server.login(other.manager.username);
    const res = await server.request('POST', `/api/orders/${o.id}/split`, { token: otherManager, body });
    expect(res.status).toBe(404);
    // HQ may
    const ok = await server.request('POST', `/api/orders/${o.id}/split`, { token: hq, body });
    expect(ok.status).toBe(201);
  });

  it('whole lines take their serial numbers along; a partial split may not strand serials', async () => {
    const o = await order();
    await db.owner.query(
      `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial)
       SELECT l.id, l.order_id, l.order_created_at, x.serial FROM order_lines l
         JOIN (VALUES ($1::uuid, $2), ($1::uuid, $3), ($4::uuid, $5)) AS x(line_id, serial) ON x.line_id = l.id`,
      [o.lineIds[0], `S-${o.orderNo}-1`, `S-${o.orderNo}-2`, o.lineIds[2], `S-${o.orderNo}-3`],
    );
    // AC-100 has 3 units and 2 serials: moving 2 leaves 1 unit for 2 serials
    const stranded = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 2 }] },
    });
    expect(stranded.status).toBe(422);
    expect(stranded.body.error).toMatchObject({ code: 'SPLIT_SERIALS', field: 'lines.0.quantity' });

    const res = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: o.version, lines: [{ lineId: o.lineIds[2], quantity: 1 }] },
    });
    expect(res.status).toBe(201);
    const moved = await db.owner.query('SELECT order_id FROM serial_numbers WHERE serial = $1', [`S-${o.orderNo}-3`]);
    expect(moved.rows[0].order_id).toBe(res.body.child.id);
  });

  it('is audited: the child order, the split rows and the line changes, by the caller', async () => {
    const o = await order();
    const res = await server.request('POST', `/api/orders/${o.id}/split`, {
      token: manager,
      body: { version: o.version, lines: [{ lineId: o.lineIds[0], quantity: 1 }] },
    });
    const childAudit = await auditRows(db.owner, 'orders', res.body.child.id);
    expect(childAudit[0]).toMatchObject({ action: 'INSERT', actor_id: world.manager.id, branch_id: world.branch.id });
    const lineAudit = await auditRows(db.owner, 'order_lines', o.lineIds[0]!);
    expect(lineAudit.at(-1)).toMatchObject({
      action: 'UPDATE',
      actor_id: world.manager.id,
      diff: { quantity: { old: 3, new: 2 } },
    });
    const splitAudit = await db.owner.query(
      `SELECT action, actor_id, order_id FROM audit_logs WHERE table_name = 'split_orders' AND order_id = $1`,
      [o.id],
    );
    expect(splitAudit.rows).toEqual([{ action: 'INSERT', actor_id: world.manager.id, order_id: o.id }]);
  });
});
