// The plans GET /api/orders gets for each kind of filter it takes (test/bench/list-shapes.ts, the shapes
// npm run bench:plans measures), as the server runs them: the statement the service sends, recorded from the
// server's pool, replayed as dispatch_app under row-level security with the request's context, planned as the
// server's connection plans it (a named statement's generic plan; an unnamed one as sent). The plan's shape is
// asserted — the index read, nothing read only to be dropped, the months left out at planning — never its time.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../db/seed/generate.js';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { listOrders } from '../../server/orders/orders.service.js';
import { type ListShape, listShapes, type PlanWorld, readPlanWorld } from '../bench/list-shapes.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type ExplainJson, explainJson, type PlanNode, planNodes } from '../support/explain.js';
import { type RecordedStatement, SqlProbe } from '../support/sql-probe.js';
import { ensureAllVisible } from '../support/visibility.js';

let db: TestDatabase;
let pool: pg.Pool;
const probe = new SqlProbe();
let world: PlanWorld;
let shapes: Map<string, ListShape>;
/** partitions holding ≥ 1,000 rows: a nearly empty partition may be read any way, it costs nothing */
let populated: Set<string>;
/** each monthly partition of orders by name: its first instant */
const monthStart = new Map<string, Date>();

beforeAll(async () => {
  db = await createTestDatabase();
  const now = new Date();
  await generate(db.ownerUrl, { orders: 30_000, branches: 10, seed: 11, notifyDays: 60, now });
  await ensureAllVisible(db.ownerUrl, () => {});
  world = await readPlanWorld(db.owner, now);
  shapes = new Map(listShapes(world).map((s) => [s.id, s]));
  const rel = await db.owner.query(
    "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples >= 1000",
  );
  populated = new Set(rel.rows.map((r) => r.relname));
  const parts = await db.owner.query<{ name: string; start: Date }>(
    `SELECT c.relname AS name,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS start
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'orders'::regclass AND c.relname ~ '^orders_[0-9]{4}_[0-9]{2}$'`,
  );
  for (const p of parts.rows) monthStart.set(p.name, p.start);
  pool = createPool(db.appUrl, { max: 2 });
  probe.attach(pool);
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

interface ServedPlan {
  json: ExplainJson;
  statement: RecordedStatement;
}

/** The shape's orders statement as the service sends it, and its plan as the server's connection plans it. */
async function served(id: string, extra: Record<string, string> = {}): Promise<ServedPlan> {
  const shape = shapes.get(id)!;
  const actor: Actor = world.actors[shape.as];
  let query = { ...shape.query, ...extra };
  if (shape.page2) {
    const first = await withRequestTransaction(pool, actor, (tx) => listOrders(tx, actor, query));
    expect(first.nextCursor, `${id} has a second page`).not.toBeNull();
    query = { ...query, cursor: first.nextCursor! };
  }
  probe.record();
  try {
    await withRequestTransaction(pool, actor, (tx) => listOrders(tx, actor, query));
  } catch (err) {
    probe.stopRecording();
    throw err;
  }
  const recorded = probe.stopRecording();
  const context = recorded.find((s) => /app_enter_request\(/.test(s.text))!;
  // a newest-first list may read the latest months first and the older ones after: the first statement is planned
  const main = recorded.filter((s) => /\bFROM orders o\b/.test(s.text));
  expect(main.length, 'a statement reads orders').toBeGreaterThan(0);
  const client = await pool.connect();
  try {
    // the opening as the server sends it: BEGIN, then the context with its parameters
    await client.query('BEGIN');
    await client.query({ text: context.text, values: context.values });
    // generic: PREPARE + EXECUTE under the pool's force_generic_plan — what a named statement or an unnamed one
    // with parameters gets; a statement without parameters is planned for the constants it holds
    return { json: await explainJson(client, main[0]!, 'generic'), statement: main[0]! };
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

const isOrdersPartition = (n: PlanNode) => /^orders_(\d{4}_\d{2}|default)$/.test(n['Relation Name'] ?? '');
const partitionless = (name: string) => name.replace(/^orders_(\d{4}_\d{2}|default)_/, 'orders_*_');

/** The index names a scan reads (its own, or its bitmap index scans'), without their partition. */
const indexesOf = (n: PlanNode): string[] =>
  planNodes(n)
    .map((c) => c['Index Name'])
    .filter((x): x is string => !!x)
    .map(partitionless);

const describeNode = (n: PlanNode) =>
  `${n['Node Type']} on ${n['Relation Name']} using ${n['Index Name'] ?? '-'} (rows ${n['Actual Rows']}, removed by filter ${n['Rows Removed by Filter'] ?? 0})`;

const show = (p: ServedPlan) => `${p.statement.text}\n${JSON.stringify(p.json.Plan, null, 1).slice(0, 8000)}`;

/** Scans of orders partitions: the statement's own access path, and the primary-key probes of a policy lookup. */
function orderScans(p: ServedPlan) {
  const scans = planNodes(p.json.Plan).filter(isOrdersPartition);
  const probes = scans.filter((n) => indexesOf(n).some((i) => /_pkey$/.test(i)));
  return { access: scans.filter((n) => !probes.includes(n)), probes, all: scans };
}

/** The partition index families the generated names stand for (PostgreSQL names a partition's copy by columns). */
const INDEX = {
  branchDate: /^orders_\*_branch_id_created_at_/,
  branchStatusCreated: /^orders_\*_branch_id_status_created_at_/,
  partner: /^orders_\*_partner_id_created_at_idx$/,
  installerAppt: /^orders_\*_installer_id_appointment_date_idx$/,
  created: /^orders_\*_created_at_id_idx$/,
  statusCreated: /^orders_\*_status_created_at_idx$/,
  /** 0126: trigrams of order_no, customer_name and both phones' digits */
  textSearch: /^orders_\*_order_no_customer_name_/,
  /** 0125: (coalesce(appointment_date, 'infinity'), id) */
  appointmentSort: /^orders_\*_coalesce_id_idx$/,
};

/**
 * Every scan of a populated partition reads one of the index families given; and nothing is read only to be
 * dropped (`maxDropped` 0), or at most that many rows: a scan of the newest orders that skips the few of other
 * branches is a right plan too, reading the whole branch or the whole table is not.
 */
function expectAccessThrough(p: ServedPlan, index: RegExp | RegExp[], maxDropped = 0) {
  const families = Array.isArray(index) ? index : [index];
  const { access } = orderScans(p);
  const big = access.filter((n) => populated.has(n['Relation Name']!));
  expect(big.length, `the populated partitions are read\n${show(p)}`).toBeGreaterThan(0);
  const wrong = big.filter((n) => !indexesOf(n).some((i) => families.some((f) => f.test(i))));
  expect(
    wrong.map(describeNode),
    `every read of a populated partition goes through ${families.join(' or ')}\n${show(p)}`,
  ).toEqual([]);
  const dropped = big.reduce((a, n) => a + (n['Rows Removed by Filter'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
  expect(dropped, `rows read only to be filtered out\n${show(p)}`).toBeLessThanOrEqual(maxDropped);
}

/** The monthly partitions of orders the plan holds at all (pruned at planning ones are not in it). */
const plannedMonths = (p: ServedPlan) =>
  [...new Set(orderScans(p).access.map((n) => n['Relation Name']!))].filter((n) => monthStart.has(n));

describe('the order list as the server plans it (30,000 generated orders, as dispatch_app under RLS)', () => {
  it.each(['L02', 'L05', 'L12', 'L20', 'L24', 'L28', 'L30', 'L37'])(
    '%s: the item summary reads order_lines without planning a lookup over every month of orders (0121)',
    async (id) => {
      const p = await served(id);
      expect(orderScans(p).probes.map(describeNode), show(p)).toEqual([]);
    },
  );

  it("a manager's list without a branch reads through an index, not every branch's orders (the caller's scope is a filter)", async () => {
    // by the branch's index, or by the newest orders of all, skipping the other branches' (Seoul holds a quarter)
    expectAccessThrough(await served('L02'), [INDEX.branchDate, INDEX.created], 1000);
  });

  it.each([
    ['L05', '미배정'],
    ['L06', '인수'],
  ])("a manager's list of one status (%s, %s) is the assignment list: named, the status index", async (id) => {
    const p = await served(id);
    expect(p.statement.name, 'a named statement, planned once per connection').toBeDefined();
    expectAccessThrough(p, INDEX.branchStatusCreated);
  });

  it("a coordinator's list reads through an index, not every partner's orders", async () => {
    expectAccessThrough(await served('L28'), [INDEX.partner, INDEX.created], 1000);
  });

  it("an installer's list reads through an index, not every installer's orders", async () => {
    expectAccessThrough(await served('L30'), [INDEX.installerAppt, INDEX.created], 1000);
  });

  it('HQ without filters reads the newest orders through the created-at index and stops after the page (0122)', async () => {
    const p = await served('L01');
    expectAccessThrough(p, INDEX.created);
    const read = orderScans(p)
      .access.filter((n) => populated.has(n['Relation Name']!))
      .reduce((a, n) => a + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
    expect(read, show(p)).toBeLessThanOrEqual(51 + orderScans(p).access.length);
  });

  it('several rare statuses of a branch are planned for their values: a status index, not the branch by creation', async () => {
    const p = await served('L07');
    expect(p.statement.values, 'sent with its values (planned for them)').toEqual([]);
    // the branch's statuses, or the statuses of every branch (few) keeping the branch's
    expectAccessThrough(p, [INDEX.branchStatusCreated, INDEX.statusCreated], 1000);
  });

  it('several frequent statuses of a branch read the branch by creation (whichever index, planned for the values)', async () => {
    const p = await served('L08');
    expect(p.statement.values).toEqual([]);
    expectAccessThrough(p, [INDEX.branchDate, INDEX.branchStatusCreated, INDEX.created], 1000);
  });

  it('HQ listing open statuses of every branch reads them through the status index, not the whole history (0124)', async () => {
    // rare statuses, newest first: walking every month by creation until each month's first match (a merge needs
    // one row of every month) read the whole history (1M orders: 987,000 rows dropped, 1.5 s)
    const p = await served('L09');
    expect(p.statement.values).toEqual([]);
    expectAccessThrough(p, INDEX.statusCreated);
  });

  it.each(['L02', 'L10', 'L28'])(
    '%s, newest first without a created-at range, plans the latest months first, not all of them',
    async (id) => {
      const p = await served(id);
      // the Korean month two before this one: the current month and the two before it are the latest three
      const [y, m] = world.today.split('-').map(Number);
      const k = y! * 12 + m! - 1 - 2;
      const from = new Date(`${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}-01T00:00:00+09:00`);
      const months = plannedMonths(p);
      expect(months.length, show(p)).toBeGreaterThan(0);
      expect(
        months.filter((m) => monthStart.get(m)! < from),
        show(p),
      ).toEqual([]);
    },
  );

  it('a page that the latest months do not fill goes on into the older ones: the same rows, in order, as one query', async () => {
    const actor = world.actors.manager;
    const [y, m] = world.today.split('-').map(Number);
    const k = y! * 12 + m! - 1 - 2;
    const from = `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}-01`;
    const recent = await db.owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders WHERE branch_id = $1 AND deleted_at IS NULL
          AND created_at >= ($2::date::timestamp AT TIME ZONE 'Asia/Seoul')`,
      [world.branchId, from],
    );
    const limit = Math.min(recent.rows[0]!.n + 20, 500);
    const expected = await db.owner.query<{ id: string }>(
      `SELECT id FROM orders WHERE branch_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2`,
      [world.branchId, limit * 2],
    );
    const page1 = await withRequestTransaction(pool, actor, (tx) => listOrders(tx, actor, { limit: String(limit) }));
    const page2 = await withRequestTransaction(pool, actor, (tx) =>
      listOrders(tx, actor, { limit: String(limit), cursor: page1.nextCursor! }),
    );
    expect([...page1.items, ...page2.items].map((o) => o.id)).toEqual(expected.rows.map((r) => r.id));
  });

  it('a created-at range is pruned when the statement is planned: only its months are in the plan', async () => {
    const p = await served('L16');
    const months = plannedMonths(p);
    expect(months.length, show(p)).toBeGreaterThan(0);
    expect(months.length, `${months.join(', ')}\n${show(p)}`).toBeLessThanOrEqual(2);
  });

  it('a later page by creation leaves the months after its cursor out of the plan', async () => {
    const p = await served('L37');
    const cursorKey = /o\.created_at <= '([^']+)'::timestamptz/.exec(p.statement.text)?.[1];
    expect(cursorKey, `the cursor's bound on the partition key\n${p.statement.text}`).toBeDefined();
    const after = plannedMonths(p).filter((m) => monthStart.get(m)! > new Date(cursorKey!));
    expect(after, show(p)).toEqual([]);
  });

  it('an appointment day leaves the months created after it out of the plan (chk_appointment_date)', async () => {
    const p = await served('L23');
    const day = shapes.get('L23')!.query.to!;
    const bound = new Date(`${day}T00:00:00+09:00`);
    bound.setUTCDate(bound.getUTCDate() + 2);
    const later = plannedMonths(p).filter((m) => monthStart.get(m)! >= bound);
    expect(later, show(p)).toEqual([]);
  });

  it.each(['L11', 'L13', 'L14', 'L15'])(
    '%s: free text of three characters or more asks for its keys (by the trigram index, 0126), then reads them by key',
    async (id) => {
      const shape = shapes.get(id)!;
      const actor: Actor = world.actors[shape.as];
      probe.record();
      await withRequestTransaction(pool, actor, (tx) => listOrders(tx, actor, shape.query));
      const recorded = probe.stopRecording();
      const context = recorded.find((s) => /app_enter_request\(/.test(s.text))!;
      const keys = recorded.find((s) => /order_text_matches\(/.test(s.text));
      expect(keys, 'the keys are asked for first').toBeDefined();
      // the statement the function runs, explained as its owner (past RLS, as the function reads) in the request's
      // context: every populated month through the trigram index, nothing of the caller's scope read to be dropped
      // but the other branches' matches of the term (a few)
      const sql = (await db.owner.query('SELECT order_text_matches_sql($1, $2, $3) AS s', keys!.values)).rows[0].s;
      const c = await db.owner.connect();
      let json: ExplainJson;
      try {
        await c.query({ text: context.text, values: context.values });
        // and with the function's settings (its SET clauses)
        await c.query(
          `SELECT set_config(split_part(s, '=', 1), substr(s, strpos(s, '=') + 1), true)
             FROM pg_proc, unnest(proconfig) s WHERE proname = 'order_text_matches'`,
        );
        json = await explainJson(c, { text: sql, values: [], ms: 0 }, 'custom');
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
      // Names only: a month of this data set holds 1,250 orders, and for the digits of an order-number prefix or a
      // phone (L13, L14) the planner rightly finds a whole-month bitmap of a small btree cheaper than the trigram
      // index's four scans; at 1M orders they read the trigram index (docs/performance.md, Round 4).
      if (id === 'L11' || id === 'L15') {
        expectAccessThrough({ json, statement: { text: sql, values: [], ms: 0 } }, INDEX.textSearch, 1000);
      }
      // and the list reads the orders of those keys by primary key, each in its own month — or, in a month where
      // the planner finds an index of the branch cheaper (a month of this data set holds few of the branch's
      // orders), through it, reading no more rows than there are keys
      const p = await served(id);
      expect(p.statement.text).toMatch(/o\.id = ANY\(/);
      const keyCount =
        keys!.values.length > 0
          ? (p.statement.text.match(/o\.id = ANY\('\{([^}]*)\}'/)?.[1] ?? '').split(',').length
          : 0;
      const { all } = orderScans(p);
      const populatedScans = all.filter((n) => populated.has(n['Relation Name']!));
      expect(populatedScans.length, show(p)).toBeGreaterThan(0);
      const readRows = (n: PlanNode) =>
        ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1);
      expect(
        populatedScans
          .filter((n) => !indexesOf(n).some((i) => /_pkey$/.test(i)) && readRows(n) > keyCount)
          .map(describeNode),
        show(p),
      ).toEqual([]);
    },
  );

  it('L12: a term of two characters (a given name) has no trigram: the list reads newest first, as before', async () => {
    const p = await served('L12');
    const text = p.statement.text;
    expect(text).not.toMatch(/o\.id = ANY\(/);
    expect(text).toMatch(/ILIKE/);
  });

  it.each(['L32', 'L33'])(
    "%s: a manager's list by appointment reads the appointment-sort index (0125) and stops after the page",
    async (id) => {
      const p = await served(id);
      // the index holds every branch: the manager's reads skip the other branches' orders (a few pages' worth)
      expectAccessThrough(p, INDEX.appointmentSort, 1000);
      const read = orderScans(p)
        .access.filter((n) => populated.has(n['Relation Name']!))
        .reduce((a, n) => a + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
      expect(read, show(p)).toBeLessThanOrEqual(51 + orderScans(p).access.length);
    },
  );
});

describe('the indexed paths answer what the plain definition does (owner, no index, the caller scope as a filter)', () => {
  /** The list's rows by the definition of its free text and sort, read without any index. */
  async function reference(where: string, values: unknown[], order: string, limit: number): Promise<string[]> {
    const c = await db.owner.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL enable_indexscan = off');
      await c.query('SET LOCAL enable_bitmapscan = off');
      await c.query('SET LOCAL enable_indexonlyscan = off');
      const { rows } = await c.query<{ id: string }>(
        `SELECT o.id FROM orders o WHERE o.deleted_at IS NULL AND ${where} ORDER BY ${order} LIMIT ${limit}`,
        values,
      );
      return rows.map((r) => r.id);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  }

  const freeText = (q: string) => {
    const digits = q.replace(/[^0-9]/g, '');
    const like = q.replace(/[\\%_]/g, (ch) => `\\${ch}`);
    const arms = ["o.order_no ILIKE $1 || '%'", "o.customer_name ILIKE '%' || $1 || '%'"];
    if (digits.length >= 3) {
      arms.push("regexp_replace(o.customer_phone, '[^0-9]', '', 'g') LIKE '%' || $2 || '%'");
      arms.push("regexp_replace(o.customer_phone2, '[^0-9]', '', 'g') LIKE '%' || $2 || '%'");
    }
    return { where: `(${arms.join(' OR ')})`, values: digits.length >= 3 ? [like, digits] : [like] };
  };

  it.each(['L11', 'L12', 'L13', 'L14', 'L15'])(
    '%s: the same orders, in the same order, as the definition',
    async (id) => {
      const shape = shapes.get(id)!;
      const actor = world.actors[shape.as];
      const limit = 500;
      const got = await withRequestTransaction(pool, actor, (tx) =>
        listOrders(tx, actor, { ...shape.query, limit: String(limit) }),
      );
      const f = freeText(shape.query.q!);
      const scope = shape.as === 'manager' ? ` AND o.branch_id = '${world.branchId}'` : '';
      const want = await reference(`${f.where}${scope}`, f.values, 'o.created_at DESC, o.id DESC', limit);
      expect(want.length, 'the term matches orders').toBeGreaterThan(0);
      expect(got.items.map((o) => o.id)).toEqual(want);
    },
  );

  it.each([
    ['L32', 'ASC'],
    ['L33', 'DESC'],
  ])('%s: pages 1 and 2 by appointment are the definition in order (%s)', async (id, dir) => {
    const shape = shapes.get(id)!;
    const actor = world.actors[shape.as];
    const limit = 200;
    const page1 = await withRequestTransaction(pool, actor, (tx) =>
      listOrders(tx, actor, { ...shape.query, limit: String(limit) }),
    );
    const page2 = await withRequestTransaction(pool, actor, (tx) =>
      listOrders(tx, actor, { ...shape.query, limit: String(limit), cursor: page1.nextCursor! }),
    );
    const want = await reference(
      `o.branch_id = $1`,
      [world.branchId],
      `coalesce(o.appointment_date, 'infinity'::date) ${dir}, o.id ${dir}`,
      limit * 2,
    );
    expect([...page1.items, ...page2.items].map((o) => o.id)).toEqual(want);
  });
});
