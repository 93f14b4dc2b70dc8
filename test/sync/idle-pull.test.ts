// The no-change pull answered from the scope notes (migration 0091): an up-to-date client whose scope nobody
// wrote is answered without the 17-table probe even while other branches write — and the shortcut never hides a
// change of the client's scope: each kind of write reaches each role, with writers open across pulls (the
// three-transaction case) and a write whose savepoint was rolled back.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { type PageChange, pullChanges } from '../../server/sync/sync.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createOrder, createWorld, type UserFixture, type World } from '../support/fixtures.js';
import { openSession } from '../support/session.js';
import { type RecordedStatement, SqlProbe } from '../support/sql-probe.js';

let db: TestDatabase;
let pool: pg.Pool;
const probe = new SqlProbe();
let world: World;
let other: World;
const open: pg.PoolClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  world = await createWorld(db.owner);
  other = await createWorld(db.owner);
  pool = createPool(db.appUrl, { max: 2 });
  probe.attach(pool);
});
afterAll(async () => {
  for (const c of open) {
    await c.query('ROLLBACK').catch(() => {});
    c.release();
  }
  await pool?.end();
  await db?.drop();
});

// the database takes a request context only for a live session of the user (migrations 0071, 0072)
const actorOf = async (u: UserFixture): Promise<Actor> => ({
  sessionId: await openSession(db.owner, u.id),
  userId: u.id,
  username: u.username,
  role: u.role,
  branchId: u.branchId,
  partnerId: u.partnerId,
  locale: 'ko',
});

/** A client's cursor, kept between pulls. */
class Puller {
  cursor: string | undefined;
  constructor(readonly actor: Actor) {}
  /** One complete run: its changes, and whether the 17-table probe was sent. */
  async run(): Promise<{ changes: PageChange[]; probed: boolean }> {
    const changes: PageChange[] = [];
    let sent: RecordedStatement[] = [];
    probe.record();
    try {
      for (;;) {
        const page = await withRequestTransaction(pool, this.actor, (tx) =>
          pullChanges(tx, this.actor, { limit: '1000', ...(this.cursor ? { cursor: this.cursor } : {}) }),
        );
        changes.push(...page.changes);
        this.cursor = page.cursor;
        if (!page.hasMore) break;
      }
    } finally {
      sent = probe.stopRecording();
    }
    // the probe: one statement asking every mirrored table for a stamp in the window
    return { changes, probed: sent.some((s) => /FROM branches WHERE change_xid >= \$1/.test(s.text)) };
  }
  async upToDate(): Promise<void> {
    await this.run();
    await this.run();
  }
  /**
   * Runs until `done` holds for what arrived, for at most 10 s. The window ends below the cluster's oldest open
   * transaction, and the test files share one PostgreSQL cluster: another file's open transaction holds a write
   * back for a moment (it is delivered by a later run, as a client's next pull would).
   */
  async runUntil(done: (r: { changes: PageChange[] }) => boolean): Promise<{ changes: PageChange[] }> {
    const all: PageChange[] = [];
    const until = Date.now() + 10_000;
    for (;;) {
      all.push(...(await this.run()).changes);
      if (done({ changes: all }) || Date.now() > until) return { changes: all };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const ids = (r: { changes: PageChange[] }, entity?: string) =>
  r.changes.filter((c) => !entity || c.entity === entity).map((c) => c.id);

async function commit(c: pg.PoolClient): Promise<void> {
  await c.query('COMMIT');
  open.splice(open.indexOf(c), 1);
  c.release();
}

async function openTx(): Promise<pg.PoolClient> {
  const c = await db.owner.connect();
  open.push(c);
  await c.query('BEGIN');
  await c.query('SELECT pg_current_xact_id()');
  return c;
}

describe('idle pull from the scope notes', () => {
  it('an up-to-date client is answered without the probe while another branch writes, and gets its own writes', async () => {
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const foreign = await createOrder(db.owner, { branchId: other.branch.id });
    const manager = new Puller(await actorOf(world.manager));
    await manager.upToDate();

    await db.owner.query("UPDATE orders SET remarks = 'elsewhere' WHERE id = $1", [foreign.id]);
    const idle = await manager.run();
    expect(idle.changes).toEqual([]);
    expect(idle.probed).toBe(false);

    await db.owner.query("UPDATE orders SET remarks = 'mine' WHERE id = $1", [mine.id]);
    await db.owner.query("UPDATE orders SET remarks = 'elsewhere 2' WHERE id = $1", [foreign.id]);
    const got = await manager.run();
    expect(ids(got, 'orders')).toEqual([mine.id]);
  });

  it('each role receives each kind of write of its scope (order, line, pick-up, status history, notification, reference, hand-over)', async () => {
    const order = await createOrder(db.owner, {
      branchId: world.branch.id,
      partnerId: world.partner.id,
      installerId: world.installer.id,
    });
    const pullers = await Promise.all(
      [world.hq, world.manager, world.coordinator, world.installerUser].map(async (u) => new Puller(await actorOf(u))),
    );
    for (const p of pullers) await p.upToDate();
    const writes: [string, string, () => Promise<unknown>][] = [
      [
        'order_lines',
        order.lineIds[0]!,
        () => db.owner.query('UPDATE order_lines SET quantity = 3 WHERE id = $1', [order.lineIds[0]]),
      ],
      [
        'waste_pickups',
        '',
        () =>
          db.owner.query(
            `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity) SELECT id, created_at, 'P01', 1 FROM orders WHERE id = $1`,
            [order.id],
          ),
      ],
      [
        'reason_codes',
        '',
        () =>
          db.owner.query(
            "UPDATE reason_codes SET description_en = description_en || '.' WHERE code = (SELECT min(code) FROM reason_codes)",
          ),
      ],
      ['orders', order.id, () => db.owner.query("UPDATE orders SET remarks = 'r' WHERE id = $1", [order.id])],
      // the history row is written by the order's own trigger, inside the order's statement
      ['order_status_history', '', () => db.owner.query("UPDATE orders SET status = '배정' WHERE id = $1", [order.id])],
    ];
    for (const [entity, id, write] of writes) {
      await write();
      for (const p of pullers) {
        const r = await p.runUntil((got) => ids(got, entity).length > 0);
        expect(ids(r, entity).length, `${p.actor.role} gets the ${entity} write`).toBeGreaterThan(0);
        if (id) expect(ids(r, entity)).toContain(id);
      }
    }
    // a notification is its user's only
    const note = await db.owner.query<{ id: string }>(
      `INSERT INTO notifications(user_id, category, payload) VALUES ($1, 'SYSTEM', '{}') RETURNING id`,
      [world.coordinator.id],
    );
    // the coordinator first: once its run has passed the note's stamp, the others' runs pass it too
    const coordinatorFirst = [...pullers].sort(
      (a, b) => Number(b.actor.userId === world.coordinator.id) - Number(a.actor.userId === world.coordinator.id),
    );
    for (const p of coordinatorFirst) {
      const r =
        p.actor.userId === world.coordinator.id
          ? await p.runUntil((got) => ids(got, 'notifications').length > 0)
          : await p.run();
      if (p.actor.userId === world.coordinator.id) expect(ids(r, 'notifications')).toEqual([note.rows[0]!.id]);
      else expect(ids(r, 'notifications')).toEqual([]);
    }
    // handed to another partner and installer: the coordinator and the installer lose it
    await db.owner.query('UPDATE orders SET partner_id = $2, installer_id = NULL WHERE id = $1', [
      order.id,
      other.partner.id,
    ]);
    for (const p of pullers) {
      const r = await p.runUntil((got) => got.changes.some((c) => c.entity === 'orders' && c.id === order.id));
      const gone = r.changes.some((c) => c.entity === 'orders' && c.id === order.id);
      expect(gone, `${p.actor.role} hears of the hand-over`).toBe(true);
    }
  });

  it('three transactions: an older writer of my branch still open while another branch commits, then commits', async () => {
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const foreign = await createOrder(db.owner, { branchId: other.branch.id });
    const manager = new Puller(await actorOf(world.manager));
    await manager.upToDate();

    const A = await openTx(); // older: its id is below B's
    await A.query("UPDATE orders SET remarks = 'A' WHERE id = $1", [mine.id]);
    const B = await openTx();
    await B.query("UPDATE orders SET remarks = 'B' WHERE id = $1", [foreign.id]);
    await commit(B);
    const during = await manager.run();
    expect(ids(during, 'orders')).toEqual([]);
    await commit(A);
    // C: another branch again, committed after A (its id is above both)
    await db.owner.query("UPDATE orders SET remarks = 'C' WHERE id = $1", [foreign.id]);
    const after = await manager.run();
    expect(ids(after, 'orders')).toEqual([mine.id]);
  });

  it('a younger writer of my branch that commits after an older writer elsewhere is not skipped', async () => {
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const foreign = await createOrder(db.owner, { branchId: other.branch.id });
    const manager = new Puller(await actorOf(world.manager));
    await manager.upToDate();

    const old = await openTx();
    await old.query("UPDATE orders SET remarks = 'old' WHERE id = $1", [foreign.id]);
    const young = await openTx();
    await young.query("UPDATE orders SET remarks = 'young' WHERE id = $1", [mine.id]);
    await commit(young);
    // the horizon is held below the old writer: the young one's change waits for a later window
    await manager.run();
    await commit(old);
    let seen = false;
    for (let i = 0; i < 3 && !seen; i++) seen = ids(await manager.run(), 'orders').includes(mine.id);
    expect(seen).toBe(true);
  });

  it('a write rolled back to a savepoint leaves no note, the kept write after it is delivered', async () => {
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const second = await createOrder(db.owner, { branchId: world.branch.id });
    const manager = new Puller(await actorOf(world.manager));
    await manager.upToDate();
    const t = await openTx();
    await t.query('SAVEPOINT s');
    await t.query("UPDATE orders SET remarks = 'undone' WHERE id = $1", [mine.id]);
    await t.query('ROLLBACK TO SAVEPOINT s');
    await t.query("UPDATE orders SET remarks = 'kept' WHERE id = $1", [second.id]);
    await commit(t);
    const r = await manager.run();
    expect(ids(r, 'orders')).toEqual([second.id]);
  });

  it('after the notes are pruned, a client whose window reaches back before them probes and still gets its change', async () => {
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const manager = new Puller(await actorOf(world.manager));
    await manager.upToDate();
    await db.owner.query("UPDATE orders SET remarks = 'before pruning' WHERE id = $1", [mine.id]);
    await db.owner.query("SELECT sync_prune_scope_log(interval '0 seconds')");
    const r = await manager.run();
    expect(ids(r, 'orders')).toEqual([mine.id]);
    expect(r.probed).toBe(true);
  });
});
