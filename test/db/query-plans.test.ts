// The FR queries of the seed's performance section, on generated data, use their covering index with an
// Index Only Scan. Run as the owner: for dispatch_app the RLS quals read columns the indexes do not cover (see
// docs/performance.md). Every query filters soft-deleted rows, as the partial indexes require.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../db/seed/generate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
const p: Record<string, string> = {};
beforeAll(async () => {
  db = await createTestDatabase();
  await generate(db.ownerUrl, { orders: 30_000, branches: 10, seed: 7, notifyDays: 60 });
  const one = async (sql: string) => String(Object.values((await db.owner.query(sql)).rows[0])[0]);
  p.branch = await one("SELECT id FROM branches WHERE code = 'D1100'");
  p.customer = await one('SELECT customer_name FROM orders GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1');
  p.user = await one(
    "SELECT user_id FROM notifications WHERE status = 'UNREAD' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
  );
}, 120_000);
afterAll(async () => {
  await db.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** The queries, as the server should write them. */
const FR = {
  'FR-03 assignment list': {
    index: 'idx_orders_branch_status_created',
    sql: () => `SELECT id, installer_id, customer_name, status FROM orders
                 WHERE branch_id = '${p.branch}' AND status = '미배정' AND deleted_at IS NULL
                 ORDER BY created_at DESC LIMIT 20`,
  },
  'FR-08 progress overview': {
    index: 'idx_orders_branch_date_covering',
    sql: () => `SELECT status, count(*) FROM orders
                 WHERE branch_id = '${p.branch}' AND created_at >= now() - interval '30 days' AND deleted_at IS NULL
                 GROUP BY status`,
  },
  'FR-16 customer history': {
    index: 'idx_orders_customer_date_covering',
    sql: () => `SELECT id, created_at, status, branch_id, installer_id FROM orders
                 WHERE customer_name = '${p.customer}' AND deleted_at IS NULL
                 ORDER BY created_at DESC LIMIT 50`,
  },
  // No skip scan in PostgreSQL 15: naming the codes makes all three key columns index conditions.
  'FR-07 waste totals of a period': {
    index: 'idx_waste_status_type',
    sql: () => `SELECT code, partner_id, sum(quantity) AS quantity FROM waste_pickups
                 WHERE status = 'REPORTED' AND code = ANY (ARRAY(SELECT code FROM waste_codes))
                   AND created_at >= now() - interval '30 days' AND created_at < now()
                 GROUP BY code, partner_id`,
  },
  'FR-07 waste collected, not yet reported': {
    index: 'idx_waste_status_type',
    sql: () => `SELECT code, sum(quantity) AS quantity FROM waste_pickups WHERE status = 'COLLECTED' GROUP BY code`,
  },
  'FR-11 unread notifications': {
    index: 'idx_notifications_user_read_date',
    sql: () => `SELECT id, created_at, category, order_id, payload FROM notifications
                 WHERE user_id = '${p.user}' AND status = 'UNREAD'
                 ORDER BY created_at DESC LIMIT 50`,
  },
} as const;

/** Names of the index and of its copies on each partition. */
async function indexFamily(index: string): Promise<Set<string>> {
  const { rows } = await db.owner.query(
    `WITH RECURSIVE fam(oid) AS (SELECT $1::regclass::oid UNION ALL
       SELECT i.inhrelid FROM pg_inherits i JOIN fam ON i.inhparent = fam.oid)
     SELECT oid::regclass::text AS name FROM fam`,
    [index],
  );
  return new Set(rows.map((r) => r.name));
}

/** Tables and partitions that hold rows (empty future partitions may get any plan: it costs nothing). */
async function relationsWithRows(): Promise<Map<string, number>> {
  const { rows } = await db.owner.query(
    "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples > 0",
  );
  return new Map(rows.map((r) => [r.relname as string, Number(r.reltuples)]));
}

/**
 * Below this many rows a partition fits in a few index pages, and which of two covering indexes the planner
 * reads there is immaterial (early in a month the current partition holds a few dozen generated orders, and
 * the planner may read FR-03's index for FR-08): it must still be index-only, not necessarily the intended one.
 */
const SMALL_PARTITION = 1000;

const LOOKUPS = new Set(['waste_codes', 'reason_codes', 'item_skill_rules', 'roles']);

function scans(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  if (node['Relation Name']) out.push(node);
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

describe('FR query plans on generated data (30,000 orders)', () => {
  for (const [name, q] of Object.entries(FR)) {
    it(`${name} is an Index Only Scan on ${q.index}`, async () => {
      const { rows } = await db.owner.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql()}`);
      const plan = rows[0]['QUERY PLAN'][0].Plan as PlanNode;
      const family = await indexFamily(q.index);
      const populated = await relationsWithRows();
      // Lookup tables of a few rows (the waste-code list FR-07 reads) fit in one page: a seq scan is right there.
      const relevant = scans(plan).filter(
        (n) => populated.has(n['Relation Name']!) && !LOOKUPS.has(n['Relation Name']!),
      );
      const wrong = relevant.filter(
        (n) =>
          n['Node Type'] !== 'Index Only Scan' ||
          (!family.has(n['Index Name'] ?? '') && populated.get(n['Relation Name']!)! >= SMALL_PARTITION),
      );
      if (!relevant.length || wrong.length) {
        const text = await db.owner.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql()}`);
        console.log(`${name}: plan differs from the intended one\n${text.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
      }
      expect(relevant.length, 'the query reads populated relations').toBeGreaterThan(0);
      expect(
        wrong.map((n) => `${n['Node Type']} on ${n['Relation Name']} using ${n['Index Name'] ?? '-'}`),
        'every scan of a populated relation is an Index Only Scan (on the covering index, but for tiny partitions)',
      ).toEqual([]);
    });
  }
});
