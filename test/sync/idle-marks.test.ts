// The idle pull from memory (server/sync/sync.marks.ts, migration 0127): an up-to-date client's no-change pull is
// answered without a transaction — and never hides a change: writes of each role's scope, an older writer of my
// branch open across another branch's commit, a poll that comes late, the poll connection killed
// (pg_terminate_backend) with a write made meanwhile; and a revoked, deactivated or re-scoped user's pulls go to
// the database (refused there) once a poll has read the change, and every pull does when the polls stop.
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { SyncMarks } from '../../server/sync/sync.marks.js';
import { type PageChange, pullChanges } from '../../server/sync/sync.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createOrder, createWorld, type UserFixture, type World } from '../support/fixtures.js';
import { openSession } from '../support/session.js';

let db: TestDatabase;
let pool: pg.Pool;
let world: World;
let other: World;
const open: pg.PoolClient[] = [];
const marksMade: SyncMarks[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  world = await createWorld(db.owner);
  other = await createWorld(db.owner);
  pool = createPool(db.appUrl, { max: 4 });
});
afterEach(async () => {
  for (const m of marksMade.splice(0)) await m.stop();
});
afterAll(async () => {
  for (const c of open) {
    await c.query('ROLLBACK').catch(() => {});
    c.release();
  }
  await pool?.end();
  await db?.drop();
});

/** Polls driven by the test (pollNow), never stale unless a test says so. */
async function startMarks(o: { staleMs?: number } = {}): Promise<SyncMarks> {
  const m = new SyncMarks({ appUrl: db.appUrl, pool, pollMs: 3_600_000, staleMs: o.staleMs ?? 3_600_000 });
  marksMade.push(m);
  await m.start();
  expect(m.ready).toBe(true);
  return m;
}

const actorOf = async (u: UserFixture): Promise<Actor> => ({
  sessionId: await openSession(db.owner, u.id),
  userId: u.id,
  username: u.username,
  role: u.role,
  branchId: u.branchId,
  partnerId: u.partnerId,
  locale: 'ko',
});

/** A client's cursor, pulled as the route does: from memory when it can, else the database. */
class Puller {
  cursor: string | undefined;
  constructor(
    readonly actor: Actor,
    readonly marks: SyncMarks,
  ) {}
  /** One complete run; `fromMemory`: answered without a transaction. */
  async run(o: { poll?: boolean } = {}): Promise<{ changes: PageChange[]; fromMemory: boolean }> {
    if (o.poll ?? true) await this.marks.pollNow();
    const changes: PageChange[] = [];
    const query = () => ({ limit: '1000', ...(this.cursor ? { cursor: this.cursor } : {}) });
    const quick = await this.marks.answer(this.actor, query());
    if (quick !== null) {
      const page = JSON.parse(quick) as { changes: PageChange[]; cursor: string; hasMore: boolean };
      expect(page.hasMore).toBe(false);
      this.cursor = page.cursor;
      return { changes: page.changes, fromMemory: true };
    }
    for (;;) {
      const page = await withRequestTransaction(pool, this.actor, (tx) => pullChanges(tx, this.actor, query()));
      changes.push(...page.changes);
      this.cursor = page.cursor;
      if (!page.hasMore) break;
    }
    return { changes, fromMemory: false };
  }
  async upToDate(): Promise<void> {
    await this.run();
    await this.run();
  }
  /** Runs until `done` holds for what arrived, for at most 10 s (another test file's open transaction). */
  async runUntil(done: (r: { changes: PageChange[] }) => boolean): Promise<{ changes: PageChange[] }> {
    const all: PageChange[] = [];
    const until = Date.now() + 10_000;
    for (;;) {
      all.push(...(await this.run()).changes);
      if (done({ changes: all }) || Date.now() > until) return { changes: all };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** Runs until answered from memory (the horizon passed another file's transaction), for at most 10 s. */
  async untilFromMemory(): Promise<{ changes: PageChange[] }> {
    const all: PageChange[] = [];
    const until = Date.now() + 10_000;
    for (;;) {
      const r = await this.run();
      all.push(...r.changes);
      if (r.fromMemory || Date.now() > until) return { changes: all };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const ids = (r: { changes: PageChange[] }, entity?: string) =>
  r.changes.filter((c) => !entity || c.entity === entity).map((c) => c.id);

const cursorHi = (cursor: string | undefined) =>
  BigInt((JSON.parse(Buffer.from(cursor!, 'base64url').toString('utf8')) as { hi: string }).hi);

async function commit(c: pg.PoolClient): Promise<void> {
  await c.query('COMMIT');
  open.splice(open.indexOf(c), 1);
  c.release();
}

async function openTx(): Promise<{ c: pg.PoolClient; xid: bigint }> {
  const c = await db.owner.connect();
  open.push(c);
  await c.query('BEGIN');
  const { rows } = await c.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x');
  return { c, xid: BigInt(rows[0]!.x) };
}

describe('the idle pull from memory', () => {
  it('an up-to-date client is answered from memory while another branch writes, and gets its own writes', async () => {
    const marks = await startMarks();
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const foreign = await createOrder(db.owner, { branchId: other.branch.id });
    const manager = new Puller(await actorOf(world.manager), marks);
    await manager.upToDate();

    await db.owner.query("UPDATE orders SET remarks = 'elsewhere' WHERE id = $1", [foreign.id]);
    const idle = await manager.untilFromMemory();
    expect(idle.changes).toEqual([]);

    await db.owner.query("UPDATE orders SET remarks = 'mine' WHERE id = $1", [mine.id]);
    const got = await manager.runUntil((r) => ids(r, 'orders').includes(mine.id));
    expect(ids(got, 'orders')).toEqual([mine.id]);
    const after = await manager.untilFromMemory();
    expect(after.changes).toEqual([]);
  });

  it('each role receives each kind of write of its scope through the memory path', async () => {
    const marks = await startMarks();
    const order = await createOrder(db.owner, {
      branchId: world.branch.id,
      partnerId: world.partner.id,
      installerId: world.installer.id,
    });
    const pullers = await Promise.all(
      [world.hq, world.manager, world.coordinator, world.installerUser].map(
        async (u) => new Puller(await actorOf(u), marks),
      ),
    );
    for (const p of pullers) {
      await p.upToDate();
      // the installer's scope (i:<installer>) comes from the session check: it too is answered from memory
      expect((await p.untilFromMemory()).changes, `${p.actor.role} idle`).toEqual([]);
    }
    const writes: [string, string, () => Promise<unknown>][] = [
      [
        'order_lines',
        order.lineIds[0]!,
        () => db.owner.query('UPDATE order_lines SET quantity = 4 WHERE id = $1', [order.lineIds[0]]),
      ],
      [
        'reason_codes',
        '',
        () =>
          db.owner.query(
            "UPDATE reason_codes SET description_en = description_en || '.' WHERE code = (SELECT min(code) FROM reason_codes)",
          ),
      ],
      ['orders', order.id, () => db.owner.query("UPDATE orders SET remarks = 'r2' WHERE id = $1", [order.id])],
    ];
    for (const [entity, id, write] of writes) {
      await write();
      for (const p of pullers) {
        const r = await p.runUntil((got) => ids(got, entity).length > 0);
        expect(ids(r, entity).length, `${p.actor.role} gets the ${entity} write`).toBeGreaterThan(0);
        if (id) expect(ids(r, entity)).toContain(id);
      }
    }
    const note = await db.owner.query<{ id: string }>(
      `INSERT INTO notifications(user_id, category, payload) VALUES ($1, 'SYSTEM', '{}') RETURNING id`,
      [world.coordinator.id],
    );
    const coordinator = pullers.find((p) => p.actor.userId === world.coordinator.id)!;
    const r = await coordinator.runUntil((got) => ids(got, 'notifications').length > 0);
    expect(ids(r, 'notifications')).toEqual([note.rows[0]!.id]);
  });

  it('an older writer of my branch open across another branch commit and a pull from memory is delivered once it commits', async () => {
    const marks = await startMarks();
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const foreign = await createOrder(db.owner, { branchId: other.branch.id });
    const manager = new Puller(await actorOf(world.manager), marks);
    await manager.upToDate();

    const A = await openTx(); // older: its id is below B's
    await A.c.query("UPDATE orders SET remarks = 'A' WHERE id = $1", [mine.id]);
    const B = await openTx();
    await B.c.query("UPDATE orders SET remarks = 'B' WHERE id = $1", [foreign.id]);
    await commit(B.c);
    const during = await manager.run();
    expect(during.fromMemory).toBe(true);
    expect(during.changes).toEqual([]);
    // the answer's window ends at or below the open writer: its change cannot fall behind the cursor
    expect(cursorHi(manager.cursor)).toBeLessThanOrEqual(A.xid);
    await commit(A.c);
    await db.owner.query("UPDATE orders SET remarks = 'C' WHERE id = $1", [foreign.id]);
    const after = await manager.runUntil((r) => ids(r, 'orders').includes(mine.id));
    expect(ids(after, 'orders')).toEqual([mine.id]);
  });

  it('a younger writer of my branch that commits before an older writer elsewhere is not skipped', async () => {
    const marks = await startMarks();
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const foreign = await createOrder(db.owner, { branchId: other.branch.id });
    const manager = new Puller(await actorOf(world.manager), marks);
    await manager.upToDate();

    const old = await openTx();
    await old.c.query("UPDATE orders SET remarks = 'old' WHERE id = $1", [foreign.id]);
    const young = await openTx();
    await young.c.query("UPDATE orders SET remarks = 'young' WHERE id = $1", [mine.id]);
    await commit(young.c);
    const held = await manager.run();
    expect(ids(held, 'orders')).not.toContain(mine.id);
    await commit(old.c);
    const r = await manager.runUntil((got) => ids(got, 'orders').includes(mine.id));
    expect(ids(r, 'orders')).toContain(mine.id);
  });

  it('a write committed just before a pull: that pull waits for a poll that started after it arrived, and brings it', async () => {
    const marks = await startMarks();
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const manager = new Puller(await actorOf(world.manager), marks);
    await manager.upToDate();
    await manager.untilFromMemory();

    const { rows } = await db.owner.query<{ x: string }>(
      "UPDATE orders SET remarks = 'just now' WHERE id = $1 RETURNING change_xid::text AS x",
      [mine.id],
    );
    const now = await manager.run({ poll: false });
    if (ids(now, 'orders').includes(mine.id)) expect(now.fromMemory).toBe(false);
    // another test file's open transaction may hold the horizon below the write (the database path the same):
    // then the answer's window ends below it and a later pull brings it
    else expect(cursorHi(manager.cursor)).toBeLessThanOrEqual(BigInt(rows[0]!.x));
    const r = ids(now, 'orders').includes(mine.id)
      ? now
      : await manager.runUntil((got) => ids(got, 'orders').includes(mine.id));
    expect(ids(r, 'orders')).toEqual([mine.id]);
  });

  it('the poll connection killed (pg_terminate_backend): the database path, a write made meanwhile delivered, then memory again', async () => {
    const marks = await startMarks();
    const mine = await createOrder(db.owner, { branchId: world.branch.id });
    const manager = new Puller(await actorOf(world.manager), marks);
    await manager.upToDate();
    await manager.untilFromMemory();

    const pid = marks.backendPid!;
    await db.owner.query('SELECT pg_terminate_backend($1)', [pid]);
    for (let i = 0; i < 100 && marks.ready; i++) await new Promise((r) => setTimeout(r, 50));
    expect(marks.ready).toBe(false);
    await db.owner.query("UPDATE orders SET remarks = 'while down' WHERE id = $1", [mine.id]);
    const down = await manager.run({ poll: false });
    expect(down.fromMemory).toBe(false);

    // a second write while down, then the reconnection: the first poll learns of it, the pull still brings it
    await db.owner.query("UPDATE orders SET remarks = 'while down 2' WHERE id = $1", [mine.id]);
    await marks.pollNow();
    expect(marks.ready).toBe(true);
    expect(marks.backendPid).not.toBe(pid);
    const r = await manager.runUntil((got) => got.changes.some((c) => c.id === mine.id && c.op === 'upsert'));
    const row = r.changes.find((c) => c.id === mine.id && c.op === 'upsert');
    expect(row && row.op === 'upsert' && JSON.parse(row.row).remarks).toBe('while down 2');
    expect((await manager.untilFromMemory()).changes).toEqual([]);
  });

  it('a revoked session, a deactivated user, a changed branch: refused by the database from the next pull on', async () => {
    const marks = await startMarks();
    const cases: [string, (a: Actor) => Promise<unknown>][] = [
      [
        'logout',
        (a) => db.owner.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1', [a.sessionId]),
      ],
      ['deactivated', (a) => db.owner.query('UPDATE users SET is_active = false WHERE id = $1', [a.userId])],
      ['moved', (a) => db.owner.query('UPDATE users SET branch_id = $2 WHERE id = $1', [a.userId, other.branch.id])],
      ['role taken', (a) => db.owner.query('DELETE FROM user_roles WHERE user_id = $1', [a.userId])],
    ];
    for (const [what, change] of cases) {
      const w = await createWorld(db.owner);
      const manager = new Puller(await actorOf(w.manager), marks);
      await manager.upToDate();
      expect((await manager.untilFromMemory()).changes, what).toEqual([]);
      await change(manager.actor);
      // no poll in between: the pull's own poll reads the change before its session is looked at
      expect(await marks.answer(manager.actor, { cursor: manager.cursor }), what).toBeNull();
      await expect(manager.run(), what).rejects.toMatchObject({ status: 401 });
    }
  });

  // (an outbox report and the window are answered from memory since round 6: test/sync/idle-reports.test.ts)
  it("a first pull, a malformed report, and another user's cursor go to the database", async () => {
    const marks = await startMarks();
    const manager = new Puller(await actorOf(world.manager), marks);
    await manager.upToDate();
    await manager.untilFromMemory();
    expect(
      await marks.answer(manager.actor, {
        cursor: manager.cursor,
        clientId: 'c1',
        pending: '-1',
        conflicts: '0',
        failed: '0',
      }),
    ).toBeNull();
    expect(await marks.answer(manager.actor, {})).toBeNull();
    const stranger = await actorOf(other.manager);
    expect(await marks.answer(stranger, { cursor: manager.cursor })).toBeNull();
  });
});
