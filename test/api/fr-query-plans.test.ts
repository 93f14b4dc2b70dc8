// The plans the FR endpoints' queries get as the server runs them: the SQL the services send (recorded from
// the app pool), as dispatch_app under row-level security, planned the way the server's connections plan it
// (the pool forces generic plans; custom plans are checked too, so a change of plan_cache_mode keeps them).
// test/db/query-plans.test.ts checks the seed's ideal queries as the owner; this one checks what the
// endpoints really send. Timings are never asserted (npm run bench:api measures them).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../db/seed/generate.js';
import { customerHistory } from '../../server/customers/customers.service.js';
import { progress } from '../../server/dashboard/dashboard.service.js';
import { createPool } from '../../server/db/pool.js';
import { withRequestTransaction } from '../../server/db/transaction.js';
import type { Actor } from '../../server/http/context.js';
import { listOrders } from '../../server/orders/orders.service.js';
import * as syncRepo from '../../server/sync/sync.repository.js';
import { wasteSummary } from '../../server/waste/waste.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type ExplainJson, explainJson, type PlanMode, type PlanNode, planNodes } from '../support/explain.js';
import { openSession } from '../support/session.js';
import { type RecordedStatement, SqlProbe } from '../support/sql-probe.js';
import { ensureAllVisible } from '../support/visibility.js';

const ORDERS = 30_000;

let db: TestDatabase;
let pool: pg.Pool;
const probe = new SqlProbe();
let hq: Actor;
let manager: Actor;
let coordinator: Actor;
let seoul: string;
let today: string;
let customer: { name: string; phone: string };
/** a name with orders in the manager's branch (more than a page of them) and in other branches */
let namesake: { name: string };
/** tables and partitions holding rows: an empty future partition may get any plan, it costs nothing */
let populated: Set<string>;

beforeAll(async () => {
  db = await createTestDatabase();
  const now = new Date();
  await generate(db.ownerUrl, { orders: ORDERS, branches: 10, seed: 11, notifyDays: 60, now });
  // index-only scans are planned only over pages marked all-visible, as a vacuumed production table's are
  await ensureAllVisible(db.ownerUrl, () => {});
  today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(now);
  const actor = async (username: string): Promise<Actor> => {
    const { rows } = await db.owner.query(
      `SELECT u.id, r.role_code, u.branch_id, u.partner_id FROM users u JOIN user_roles r ON r.user_id = u.id
        WHERE u.username = $1`,
      [username],
    );
    const u = rows[0];
    const sessionId = await openSession(db.owner, u.id);
    return {
      userId: u.id,
      role: u.role_code,
      branchId: u.branch_id,
      partnerId: u.partner_id,
      username,
      locale: 'ko',
      sessionId,
    };
  };
  hq = await actor('hq');
  manager = await actor('mgr.seoul');
  coordinator = await actor('coord');
  seoul = manager.branchId!;
  // a customer with several orders, so the history has rows to sort
  const c = await db.owner.query(
    `SELECT customer_name AS name, customer_phone AS phone FROM orders WHERE deleted_at IS NULL
      GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1`,
  );
  customer = c.rows[0];
  const n = await db.owner.query(
    `SELECT customer_name AS name FROM orders WHERE deleted_at IS NULL
      GROUP BY 1 HAVING count(*) FILTER (WHERE branch_id = $1) > 2 AND count(*) FILTER (WHERE branch_id <> $1) > 4
      ORDER BY count(*) DESC, 1 LIMIT 1`,
    [manager.branchId],
  );
  namesake = n.rows[0];
  expect(namesake, 'a name with namesakes in other branches').toBeDefined();
  // Partitions of fewer than 1,000 rows (the current month's, early in a month) are planned by their size, and
  // whichever path the planner takes through a few pages costs nothing; the checks are about the big ones.
  const rel = await db.owner.query(
    "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples >= 1000",
  );
  populated = new Set(rel.rows.map((r) => r.relname));
  // the server's own pool settings (plan_cache_mode), connected as dispatch_app
  pool = createPool(db.appUrl, { max: 2 });
  probe.attach(pool);
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** The statements a service call sends, in the caller's transaction. */
async function record(actor: Actor, fn: (tx: pg.PoolClient) => Promise<unknown>): Promise<RecordedStatement[]> {
  probe.record();
  try {
    await withRequestTransaction(pool, actor, fn);
  } catch (err) {
    probe.stopRecording();
    throw err;
  }
  return probe.stopRecording();
}

/** The one statement reading orders, planned as the server plans it, under the recorded context. */
async function planOf(
  recorded: RecordedStatement[],
  mode: PlanMode,
  reads = /\bFROM orders o\b/,
): Promise<{ json: ExplainJson; sql: string; named: boolean }> {
  const context = recorded.find((s) => /app_enter_request\(/.test(s.text));
  const main = recorded.filter((s) => reads.test(s.text));
  expect(context, 'the request sets its RLS context').toBeDefined();
  expect(main, `one statement matches ${reads}`).toHaveLength(1);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query({ text: context!.text, values: context!.values });
    return { json: await explainJson(client, main[0]!, mode), sql: main[0]!.text, named: !!main[0]!.name };
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** Names of an index and of its copies on every partition. */
async function indexFamily(index: string): Promise<Set<string>> {
  const { rows } = await db.owner.query(
    `WITH RECURSIVE fam(oid) AS (SELECT $1::regclass::oid UNION ALL
       SELECT i.inhrelid FROM pg_inherits i JOIN fam ON i.inhparent = fam.oid)
     SELECT c.relname FROM fam JOIN pg_class c ON c.oid = fam.oid`,
    [index],
  );
  return new Set(rows.map((r) => r.relname));
}

const isOrdersPartition = (n: PlanNode) => /^orders_(\d{4}_\d{2}|default)$/.test(n['Relation Name'] ?? '');

/**
 * The scans of populated orders partitions, split into the query's own access path and the primary-key probes
 * of row-level security (order_lines' policy looks its order up by (id, created_at), one probe per line).
 */
async function orderScans(plan: PlanNode) {
  const pkeys = await indexFamily('orders_pkey');
  const scans = planNodes(plan).filter((n) => isOrdersPartition(n) && populated.has(n['Relation Name']!));
  return {
    access: scans.filter((n) => !pkeys.has(n['Index Name'] ?? '')),
    rlsProbes: scans.filter((n) => pkeys.has(n['Index Name'] ?? '')),
  };
}

const describeNode = (n: PlanNode) =>
  `${n['Node Type']} on ${n['Relation Name']} using ${n['Index Name'] ?? '-'} (rows ${n['Actual Rows']}, removed by filter ${n['Rows Removed by Filter'] ?? 0})`;

function show(label: string, p: { json: ExplainJson; sql: string }) {
  return `${label}\n${p.sql}\n${JSON.stringify(p.json.Plan, null, 1).slice(0, 6000)}`;
}

/** The indexes a scan reads: its own, or those of the bitmap index scans under a bitmap heap scan. */
const indexesOf = (n: PlanNode): string[] =>
  n['Node Type'] === 'Bitmap Heap Scan'
    ? planNodes(n)
        .map((c) => c['Index Name'])
        .filter((x): x is string => !!x)
    : n['Index Name']
      ? [n['Index Name']]
      : [];

// The server plans generically (pool.ts): those plans must be exactly right. Custom plans (what a change of
// plan_cache_mode would bring) are chosen by the values and table sizes, so for them only the access path is
// checked: the right index, nothing read to be filtered away, no sequential scan.
describe.each(['generic', 'custom'] as const)('FR endpoint queries as dispatch_app, %s plan', (mode) => {
  // For a status most of the branch's orders have, a custom plan may rightly walk the branch by created_at and
  // skip the few others; the generic plan cannot know, so it must take the index that is right for every status.
  it.each([
    ['HQ naming the branch', () => hq, '미배정'],
    ['a branch manager', () => manager, '미배정'],
    ...(mode === 'generic' ? ([['HQ naming the branch, a frequent status', () => hq, '인수']] as const) : []),
  ] as const)(
    'FR-03 assignment list (%s) reads idx_orders_branch_status_created of one branch and status',
    async (_l, who, status) => {
      const recorded = await record(who(), (tx) =>
        listOrders(tx, who(), { branchId: seoul, status, sort: '-createdAt', limit: '50' }),
      );
      const p = await planOf(recorded, mode);
      const family = await indexFamily('idx_orders_branch_status_created');
      // planned for a rare status, reading that status of every branch and keeping the branch's (0124) is right too
      const byStatus = await indexFamily('idx_orders_status_created');
      const { access } = await orderScans(p.json.Plan);
      const wrong = access.filter((n) =>
        mode === 'generic'
          ? !['Index Scan', 'Index Only Scan'].includes(n['Node Type']) || !family.has(n['Index Name'] ?? '')
          : !indexesOf(n).some((i) => family.has(i) || byStatus.has(i)),
      );
      expect(wrong.map(describeNode), show('every read of orders goes through the index', p)).toEqual([]);
      expect(access.length, 'the populated partitions are read').toBeGreaterThan(0);
      // Only rows of that branch and status are touched: nothing is read and thrown away
      const removed = access.reduce((a, n) => a + (n['Rows Removed by Filter'] ?? 0), 0);
      expect(removed, show('no row is read only to be filtered out', p)).toBe(0);
      if (mode === 'generic') {
        // and the scans stop at the page (each partition's yields at most the page and the row the merge looks at)
        const read = access.reduce((a, n) => a + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
        expect(read, show('the scans stop after the page', p)).toBeLessThanOrEqual(51 + access.length);
      }
      expect(p.json.JIT, 'no JIT compilation for an interactive request').toBeUndefined();
      // planning it costs more than running it: each connection plans it once (server/db/prepared.ts)
      expect(p.named, 'a named statement').toBe(true);
    },
  );

  it.each([
    ['HQ naming the branch', () => hq, seoul],
    ['HQ, every branch', () => hq, undefined],
    ['a branch manager (its own branch)', () => manager, undefined],
  ] as const)(
    'FR-08 progress (%s) reads the rollup by its day range, never orders (0090)',
    async (_l, who, branchId) => {
      const recorded = await record(who(), (tx) =>
        progress(tx, who(), { branchId, from: addDays(today, -29), to: today }),
      );
      const p = await planOf(recorded, mode, /\bFROM report_progress\b/);
      const rollupReads = await expectRollupReadsOnly(p, ['report_progress', 'report_progress_delta']);
      if (mode === 'generic') {
        // the folded cells are found by an index on the day (and branch), not read whole
        const cells = rollupReads.filter((n) => n['Relation Name'] === 'report_progress');
        expect(cells.map(describeNode), show('index scans of the day range', p)).toEqual(
          cells
            .filter((n) => /Index|Bitmap Heap/.test(n['Node Type']) && /\bday\b/.test(JSON.stringify(n)))
            .map(describeNode),
        );
      }
      expect(p.json.JIT, 'no JIT compilation for an interactive request').toBeUndefined();
      expect(p.named, 'a named statement').toBe(true);
    },
  );

  it.each([
    ['name', 'idx_orders_customer_date_covering'],
    ['phone', 'idx_orders_customer_phone'],
  ] as const)('FR-16 customer history by %s reads %s', async (by, index) => {
    const query = by === 'name' ? { name: customer.name } : { phone: customer.phone };
    const recorded = await record(hq, (tx) => customerHistory(tx, hq, query));
    const p = await planOf(recorded, mode);
    const family = await indexFamily(index);
    // planned for a customer's few orders, reading the name's index with the branch (0142) and sorting them is
    // as right: a custom plan may take either name index, the generic plan (the server's) takes the first
    if (mode === 'custom' && by === 'name') {
      for (const i of await indexFamily('idx_orders_customer_branch')) family.add(i);
    }
    const { access } = await orderScans(p.json.Plan);
    const wrong = access.filter((n) => !indexesOf(n).some((i) => family.has(i)));
    expect(wrong.map(describeNode), show(`every read of orders goes through the ${by} index`, p)).toEqual([]);
    if (by === 'phone') {
      // either of the order's phones (0123): the second phone's index beside the first
      const second = await indexFamily('idx_orders_customer_phone2');
      const without = access.filter((n) => !indexesOf(n).some((i) => second.has(i)));
      expect(without.map(describeNode), show('every read of orders also reads the second phone index', p)).toEqual([]);
    }
    expect(access.length, 'the populated partitions are read').toBeGreaterThan(0);
    expect(p.json.JIT, 'no JIT compilation for an interactive request').toBeUndefined();
    // planning it costs more than running it: each connection plans it once (server/db/prepared.ts)
    expect(p.named, 'a named statement').toBe(true);
  });

  // Names recur (every branch has its namesakes), so reading a name's orders of every branch and letting the
  // policy keep the manager's grew with the data. The rows read must be bounded by the page, not by the namesakes.
  it.each([
    ['HQ', 'idx_orders_customer_date_covering', () => hq],
    ['a branch manager', 'idx_orders_customer_branch', () => manager],
  ] as const)('FR-16 by a frequent name (%s) reads %s and stops at the page', async (_l, index, who) => {
    const limit = 2;
    const recorded = await record(who(), (tx) =>
      customerHistory(tx, who(), { name: namesake.name, limit: String(limit) }),
    );
    const p = await planOf(recorded, mode);
    const family = await indexFamily(index);
    const { access } = await orderScans(p.json.Plan);
    const wrong = access.filter((n) => !indexesOf(n).some((i) => family.has(i)));
    expect(wrong.map(describeNode), show(`every read of orders goes through ${index}`, p)).toEqual([]);
    expect(access.length, 'the populated partitions are read').toBeGreaterThan(0);
    if (mode === 'generic') {
      // nothing read to be thrown away (the other branches' namesakes are not in a manager's index range) ...
      const removed = access.reduce((a, n) => a + (n['Rows Removed by Filter'] ?? 0), 0);
      expect(removed, show('no row is read only to be filtered out', p)).toBe(0);
      // ... and the scans stop after the page (each month's yields at most one row beyond what the merge takes)
      const read = access.reduce((a, n) => a + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
      expect(read, show('the scans stop after the page', p)).toBeLessThanOrEqual(limit + access.length);
    }
    expect(p.named, 'a named statement').toBe(true);
  });
});

// The answers themselves: the manager's branch in the query (0142) and the item summaries of the page in one call
// (0130) change how FR-16 reads, not what it answers. The reference is the statement before round 6 (a
// sub-select of order_lines per order, no branch: row-level security alone keeps the manager's), run in the same
// request transaction.
it.each([
  ['HQ', () => hq],
  ['a branch manager', () => manager],
])('FR-16 answers as the plain query does (%s), by name and by phone', async (_l, who) => {
  const names = await db.owner.query<{ name: string; phone: string }>(
    `SELECT customer_name AS name, min(customer_phone) AS phone FROM orders WHERE deleted_at IS NULL
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 6`,
  );
  const reference = (tx: pg.PoolClient, match: string, value: string, limit: number) =>
    tx.query(
      `SELECT o.id, o.order_no AS "orderNo", o.customer_name AS "customerName", o.customer_phone AS "customerPhone",
              o.address, o.vendor, o.branch_id AS "branchId", b.name AS "branchName", o.installer_id AS "installerId",
              o.status, o.appointment_date AS "appointmentDate", o.created_at AS "createdAt",
              coalesce((SELECT string_agg(l.item_name || ' ' || l.item_code || ' ×' || l.quantity, ', '
                                          ORDER BY l.created_at, l.id)
                          FROM order_lines l WHERE l.order_id = o.id AND l.order_created_at = o.created_at), '') AS items
         FROM orders o JOIN branches b ON b.id = o.branch_id
        WHERE ${match} AND o.deleted_at IS NULL
        ORDER BY o.created_at DESC, o.id DESC
        LIMIT $2`,
      [value, limit],
    );
  let compared = 0;
  for (const { name, phone } of names.rows) {
    for (const limit of [3, 100]) {
      for (const [query, match, value] of [
        [{ name }, 'o.customer_name = $1', name],
        [{ phone }, '(o.customer_phone = $1 OR o.customer_phone2 = $1)', phone],
      ] as const) {
        await withRequestTransaction(pool, who(), async (tx) => {
          const got = await customerHistory(tx, who(), { ...query, limit: String(limit) });
          const want = (await reference(tx, match, value, limit)).rows;
          expect(got.items, `${JSON.stringify(query)} limit ${limit}`).toEqual(want);
          if (want.length) compared++;
        });
      }
    }
  }
  expect(compared, 'answers with rows were compared').toBeGreaterThan(4);
});

/**
 * Every scan of the plan reads one of the report tables given (never orders or pick-ups), and each of them is read.
 * Returns those scans.
 */
async function expectRollupReadsOnly(p: { json: ExplainJson; sql: string }, tables: string[]): Promise<PlanNode[]> {
  const scans = planNodes(p.json.Plan).filter((n) => n['Relation Name']);
  const others = scans.filter(
    (n) => !tables.includes(n['Relation Name']!) && !['waste_codes', 'partners'].includes(n['Relation Name']!),
  );
  expect(others.map(describeNode), show('only the rollup tables are read', p)).toEqual([]);
  for (const t of tables)
    expect(
      scans.some((n) => n['Relation Name'] === t),
      `${t} is read`,
    ).toBe(true);
  return scans;
}

describe.each(['generic', 'custom'] as const)('FR-07 as dispatch_app, %s plan', (mode) => {
  it.each([
    ['HQ, every branch, by code', () => hq, 'code'],
    ['HQ, every branch, by day', () => hq, 'day'],
    ['a partner coordinator, by day', () => coordinator, 'day'],
    ['a branch manager, by day', () => manager, 'day'],
    ['a branch manager, by partner', () => manager, 'partner'],
    ['HQ, every branch, by partner', () => hq, 'partner'],
    ['a partner coordinator, by partner', () => coordinator, 'partner'],
  ] as const)(
    'FR-07 waste totals (%s) read the rollups only, never pick-ups or orders (0090)',
    async (_l, who, groupBy) => {
      const recorded = await record(who(), (tx) =>
        wasteSummary(tx, who(), { from: addDays(today, -29), to: today, groupBy }),
      );
      const p = await planOf(recorded, mode, /\bFROM report_waste\b/);
      const reads = await expectRollupReadsOnly(
        p,
        {
          code: ['report_waste', 'report_waste_delta'],
          // per day: the day cells (0137) and the signatures not folded yet, never the folded signatures
          day: ['report_waste', 'report_waste_delta', 'report_waste_order_days', 'report_waste_orders_delta'],
          // per partner: the signatures by day (0143) and the ones not folded yet, never the folded signatures whole
          partner: ['report_waste', 'report_waste_delta', 'report_waste_order_sig_days', 'report_waste_orders_delta'],
        }[groupBy],
      );
      if (groupBy !== 'code' && mode === 'generic') {
        // the folded day cells (per day) or signature days (per partner) are an index range of the period (on the
        // coordinator's partner, the manager's branch), so what is read is bounded by the days, not by the orders
        const table = groupBy === 'day' ? 'report_waste_order_days' : 'report_waste_order_sig_days';
        const cells = reads.filter((n) => n['Relation Name'] === table);
        const byRole: Record<string, [string, string]> = {
          PARTNER_COORDINATOR: [`idx_${table}_partner`, 'partner_id'],
          BRANCH_MANAGER: [`idx_${table}_branch`, 'branch_id'],
          HQ_ADMIN: [`idx_${table}_day`, 'day'],
        };
        const [index, key] = byRole[who().role]!;
        expect(
          cells.map((n) => `${n['Node Type']} ${n['Index Name']}`),
          show(`one index scan of ${table}`, p),
        ).toEqual([`Index Only Scan ${index}`]);
        const cond = cells[0]?.['Index Cond'] ?? '';
        expect(cond, show('the scope and the period are the index condition', p)).toContain(key);
        expect(cond, show('the period is the index condition', p)).toMatch(/\bday >= /);
      }
      expect(p.json.JIT, 'no JIT compilation for an interactive request').toBeUndefined();
      expect(p.named, 'a named statement').toBe(true);
    },
  );
});

it('the app role never JIT-compiles (interactive requests, generic plans with blind estimates)', async () => {
  const { rows } = await pool.query("SELECT current_setting('jit') AS jit");
  expect(rows[0].jit).toBe('off');
});

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

describe("a snapshot's keyset pages (sync.repository.ts) under a branch manager's RLS", () => {
  // Found at 10M orders (performance.md, round 6): a keyset bound written `id > coalesce($1, …)` is not leakproof
  // to the planner (a COALESCE is assumed to leak), so under RLS it was a filter after the policy, not an index
  // condition: every page read the index from the window's start again (2.4 s for a late page of 625 orders).
  const after = { u: '2000-01-01T00:00:00.000000Z', id: '00000000-0000-0000-0000-000000000001' };
  const pages: [string, (tx: pg.PoolClient) => Promise<unknown>, RegExp][] = [
    [
      'the written part',
      (tx) => syncRepo.snapshotWrittenOrders(tx, syncRepo.windowStart(3), after, 50),
      /ROW\(updated_at, id\) > ROW\(/,
    ],
    ['the open part', (tx) => syncRepo.snapshotOpenOrders(tx, syncRepo.windowStart(3), after.id, 50), /\bid > \$/],
    ['the unwindowed snapshot', (tx) => syncRepo.snapshotOrders(tx, after.id, 50), /\bid > \$/],
  ];
  for (const [what, page, bound] of pages) {
    it(`${what}: the keyset bound is each partition's index condition`, async () => {
      const recorded = await record(manager, page);
      const { json } = await planOf(recorded, 'generic', /\bFROM orders t\b/);
      const scans = planNodes(json.Plan).filter(
        (n) => /Index/.test(n['Node Type']) && populated.has(n['Relation Name'] ?? ''),
      );
      expect(scans.length, 'index scans of populated partitions').toBeGreaterThan(0);
      for (const s of scans) expect(s['Index Cond'] ?? '', `${s['Relation Name']}: ${s.Filter ?? ''}`).toMatch(bound);
    });
  }
});
