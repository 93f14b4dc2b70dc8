// Finding 7 of issue 17: two pushes touching the same orders in opposite order deadlock inside their chunks. A
// deadlock (or serialization failure) is transient: it must never become an op's recorded answer.

import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, createInstaller, createWorld, seoulToday, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makeOrder } from './support.js';

let db: TestDatabase;
let server: TestServer;
let world: World;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('push: deadlocks are transient', () => {
  it('two pushes move the same orders in opposite order: every op SYNCED or CONFLICT, none recorded FAILED', async () => {
    const orders = await Promise.all(
      Array.from({ length: 12 }, () => makeOrder(db.owner, { branchId: world.branch.id })),
    );
    const day = addDays(seoulToday(), 3);
    // appointment changes take the savepoint path: one op after the other, each locking its order's row
    const move = (orderId: string, reason: string) => ({
      opId: uuidv7(),
      entity: 'orders',
      entityId: orderId,
      kind: 'order.appointment',
      payload: { date: day, reason },
      expectedVersion: 1,
    });
    const mine = orders.map((o) => move(o.id, '지점 요청'));
    const theirs = [...orders].reverse().map((o) => move(o.id, '본사 요청'));
    const [manager, hq] = [await server.login(world.manager.username), await server.login(world.hq.username)];

    // both pushes start at once: each waits for its first order, held here, and both go when it is let go; they
    // then meet in the middle, each holding the rows the other needs next
    const gate = await db.owner.connect();
    await gate.query('BEGIN');
    await gate.query('SELECT 1 FROM orders WHERE id = ANY($1) FOR UPDATE', [[orders[0]!.id, orders.at(-1)!.id]]);
    const pushes = [
      server.request('POST', '/api/sync/push', { token: manager, body: { clientId: 'deadlock-a', ops: mine } }),
      server.request('POST', '/api/sync/push', { token: hq, body: { clientId: 'deadlock-b', ops: theirs } }),
    ];
    await waitFor('both pushes waiting at the gate', async () => {
      const { rows } = await db.owner.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'dispatch-server' AND wait_event_type = 'Lock'`,
      );
      return rows[0].n >= 2;
    });
    await gate.query('ROLLBACK');
    gate.release();
    const [a, b] = await Promise.all(pushes);
    expect(a!.status).toBe(200);
    expect(b!.status).toBe(200);

    const answers = new Map<string, string[]>();
    for (const [ops, res] of [
      [mine, a!],
      [theirs, b!],
    ] as const) {
      // every op answered, in order
      expect(res.body.results.map((r: { opId: string }) => r.opId)).toEqual(ops.map((op) => op.opId));
      for (const [i, r] of (res.body.results as { status: string; error?: unknown }[]).entries()) {
        const id = ops[i]!.entityId;
        answers.set(id, [...(answers.get(id) ?? []), r.status]);
      }
    }
    // each order moved once; the other move of it is a CONFLICT the clerk resolves — never a refusal
    for (const o of orders) expect(answers.get(o.id)!.sort()).toEqual(['CONFLICT', 'SYNCED']);
    const { rows } = await db.owner.query(
      `SELECT status, count(*)::int AS n FROM offline_sync_queue WHERE client_id IN ('deadlock-a', 'deadlock-b')
        GROUP BY status ORDER BY status`,
    );
    expect(rows).toEqual([
      { status: 'CONFLICT', n: orders.length },
      { status: 'SYNCED', n: orders.length },
    ]);
  });

  it('two pushes assign distinct orders to the same two installers in opposite order: all SYNCED', async () => {
    // the orders differ, so locking them in id order does not help: the installers' rows (locked for their
    // day's capacity) deadlock, and the losing chunk is tried again whole
    const installers = [world.installer, await createInstaller(db.owner, { branchId: world.branch.id })];
    const orders = await Promise.all(
      [1, 2, 3, 4].map(() => makeOrder(db.owner, { branchId: world.branch.id, appointmentDate: seoulToday() })),
    );
    const assign = (orderId: string, installerId: string) => ({
      opId: uuidv7(),
      entity: 'orders',
      entityId: orderId,
      kind: 'order.assign',
      payload: { installerId },
      expectedVersion: 1,
    });
    const mine = [assign(orders[0]!.id, installers[0]!.id), assign(orders[1]!.id, installers[1]!.id)];
    const theirs = [assign(orders[2]!.id, installers[1]!.id), assign(orders[3]!.id, installers[0]!.id)];
    const token = await server.login(world.manager.username);
    const gate = await db.owner.connect();
    await gate.query('BEGIN');
    await gate.query('SELECT 1 FROM installers WHERE id = ANY($1) FOR UPDATE', [installers.map((i) => i.id)]);
    const pushes = [
      server.request('POST', '/api/sync/push', { token, body: { clientId: 'deadlock-c', ops: mine } }),
      server.request('POST', '/api/sync/push', { token, body: { clientId: 'deadlock-d', ops: theirs } }),
    ];
    await waitFor('both pushes waiting at the gate', async () => {
      const { rows } = await db.owner.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'dispatch-server' AND wait_event_type = 'Lock'`,
      );
      return rows[0].n >= 2;
    });
    await gate.query('ROLLBACK');
    gate.release();
    const [a, b] = await Promise.all(pushes);
    for (const res of [a!, b!]) {
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['SYNCED', 'SYNCED']);
    }
    const { rows } = await db.owner.query('SELECT installer_id FROM orders WHERE id = ANY($1) ORDER BY order_no', [
      orders.map((o) => o.id),
    ]);
    expect(rows.map((r) => r.installer_id).sort()).toEqual(
      [installers[0]!.id, installers[0]!.id, installers[1]!.id, installers[1]!.id].sort(),
    );
  });
});
