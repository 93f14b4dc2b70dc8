// The data generator: since it loads with triggers off, these tests check that it wrote what the triggers and
// foreign keys would have guaranteed, that it is deterministic, and that the demo set has what the README says.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { verify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LOGINS, seedDemo } from '../../db/seed/demo.js';
import { DatabaseNotEmptyError, generate } from '../../db/seed/generate.js';
import { address } from '../../domain/order-schemas.js';
import {
  ORDER_STATUSES,
  REASON_CODE_PREFIX,
  REASON_REQUIRED,
  STATUSES_WITH_INSTALLER,
  TRANSITIONS,
} from '../../domain/order-status.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const run = promisify(execFile);
const LEGAL = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));

async function one<T = number>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await db.owner.query(sql, params);
  return Object.values(rows[0])[0] as T;
}

/** What the triggers and foreign keys would have enforced on a normal write path. */
function consistencyChecks(get: () => TestDatabase) {
  it('every order has its order_numbers row and every child row has its order', async () => {
    const db = get();
    expect(await one(db, 'SELECT (SELECT count(*) FROM orders) - (SELECT count(*) FROM order_numbers)')).toBe('0');
    expect(
      await one(
        db,
        `SELECT count(*)::int FROM order_numbers n
          LEFT JOIN orders o ON o.id = n.order_id AND o.created_at = n.order_created_at AND o.order_no = n.order_no
         WHERE o.id IS NULL`,
      ),
    ).toBe(0);
    for (const t of ['order_lines', 'order_status_history', 'appointments', 'waste_pickups', 'serial_numbers']) {
      const orphans = await one(
        db,
        `SELECT count(*)::int FROM ${t} c WHERE NOT EXISTS
           (SELECT 1 FROM orders o WHERE o.id = c.order_id AND o.created_at = c.order_created_at)`,
      );
      expect(orphans, t).toBe(0);
    }
    expect(
      await one(
        db,
        `SELECT count(*)::int FROM split_orders s WHERE
           NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = s.parent_order_id AND o.created_at = s.parent_order_created_at)
        OR NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = s.child_order_id AND o.created_at = s.child_order_created_at)
        OR NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.id = s.line_id AND l.order_id = s.parent_order_id)`,
      ),
    ).toBe(0);
    for (const [t, col, ref] of [
      ['orders', 'branch_id', 'branches'],
      ['orders', 'installer_id', 'installers'],
      ['orders', 'partner_id', 'partners'],
      ['order_status_history', 'changed_by', 'users'],
      ['installers', 'user_id', 'users'],
      ['notifications', 'user_id', 'users'],
      ['serial_numbers', 'order_line_id', 'order_lines'],
    ] as const) {
      const orphans = await one(
        db,
        `SELECT count(*)::int FROM ${t} c WHERE c.${col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ref} r WHERE r.id = c.${col})`,
      );
      expect(orphans, `${t}.${col}`).toBe(0);
    }
  });

  it('status histories walk the workflow of domain/order-status.ts and end in the order’s status', async () => {
    const db = get();
    const { rows } = await db.owner.query(
      `WITH h AS (
         SELECT h.*, o.created_at AS order_created, lag(new_status) OVER w AS prior, row_number() OVER w AS n
           FROM order_status_history h JOIN orders o ON o.id = h.order_id
         WINDOW w AS (PARTITION BY h.order_id ORDER BY h.changed_at))
       SELECT count(*) FILTER (WHERE n = 1 AND (previous_status IS NOT NULL OR new_status <> '미배정'
                                                OR changed_at <> order_created))::int AS bad_first,
              count(*) FILTER (WHERE n > 1 AND previous_status IS DISTINCT FROM prior)::int AS broken_chain,
              count(*) FILTER (WHERE n > 1 AND NOT (previous_status || '>' || new_status = ANY ($1)))::int AS illegal,
              count(*) FILTER (WHERE changed_at > now() OR changed_at < order_created)::int AS out_of_time
         FROM h`,
      [LEGAL],
    );
    expect(rows[0]).toEqual({ bad_first: 0, broken_chain: 0, illegal: 0, out_of_time: 0 });
    expect(
      await one(
        db,
        `SELECT count(*)::int FROM orders o WHERE o.status IS DISTINCT FROM
           (SELECT new_status FROM order_status_history h WHERE h.order_id = o.id ORDER BY changed_at DESC LIMIT 1)`,
      ),
    ).toBe(0);
  });

  it('reason codes match the status that needs them, and only assigned statuses carry an installer', async () => {
    const db = get();
    for (const status of ORDER_STATUSES) {
      const type = REASON_REQUIRED[status];
      const bad = type
        ? await one(
            db,
            `SELECT count(*)::int FROM order_status_history
              WHERE new_status = $1 AND (reason_code IS NULL OR reason_code !~ ('^' || $2::text || '[0-9]{2}$'))`,
            [status, REASON_CODE_PREFIX[type]],
          )
        : await one(
            db,
            'SELECT count(*)::int FROM order_status_history WHERE new_status = $1 AND reason_code IS NOT NULL',
            [status],
          );
      expect(bad, status).toBe(0);
    }
    expect(
      await one(db, `SELECT count(*)::int FROM orders WHERE (status = ANY ($1)) <> (installer_id IS NOT NULL)`, [
        STATUSES_WITH_INSTALLER,
      ]),
    ).toBe(0);
  });

  it('child rows carry the keys the triggers would have copied', async () => {
    const db = get();
    expect(
      await one(
        db,
        `SELECT count(*)::int FROM waste_pickups w JOIN orders o ON o.id = w.order_id
          WHERE w.branch_id <> o.branch_id OR w.partner_id IS DISTINCT FROM o.partner_id`,
      ),
    ).toBe(0);
    expect(
      await one(
        db,
        `SELECT count(*)::int FROM serial_numbers s JOIN order_lines l ON l.id = s.order_line_id
          WHERE s.order_id <> l.order_id OR s.order_created_at <> l.order_created_at`,
      ),
    ).toBe(0);
    // every appointment change ends where the order's appointment is
    expect(
      await one(
        db,
        `SELECT count(*)::int FROM appointments a JOIN orders o ON o.id = a.order_id
          WHERE a.new_date <> o.appointment_date OR a.old_date <> o.promised_date`,
      ),
    ).toBe(0);
    expect(await one(db, 'SELECT count(*)::int FROM orders WHERE change_xid IS NULL')).toBe(0);
  });

  it('delivered serialised items have one serial per unit', async () => {
    const db = get();
    const bad = await one(
      db,
      `SELECT count(*)::int FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE o.status IN ('인수', '부분인수')
          AND EXISTS (SELECT 1 FROM item_skill_rules r WHERE l.item_code LIKE r.item_prefix || '%' AND r.requires_serial)
          AND l.quantity <> (SELECT count(*) FROM serial_numbers s WHERE s.order_line_id = l.id)`,
    );
    expect(bad).toBe(0);
  });

  it('looks like Korean business data: names, 010 phones, addresses the API accepts, known vendors', async () => {
    const db = get();
    const { rows } = await db.owner.query(
      'SELECT customer_name, customer_phone, address, vendor FROM orders ORDER BY created_at LIMIT 300',
    );
    for (const r of rows) {
      expect(r.customer_name).toMatch(/^[가-힣]{3}$/);
      expect(r.customer_phone).toMatch(/^010-\d{4}-\d{4}$/);
      expect(() => address.parse(r.address)).not.toThrow();
    }
    const vendors = (await db.owner.query('SELECT DISTINCT vendor FROM orders')).rows.map((r) => r.vendor);
    expect(vendors).toEqual(expect.arrayContaining(['동부대우전자', '삼성전자', 'LG전자']));
    const prefixes = await one(
      db,
      `SELECT count(DISTINCT r.item_prefix)::int FROM order_lines l
         JOIN item_skill_rules r ON l.item_code LIKE r.item_prefix || '-%'`,
    );
    expect(prefixes).toBe(6);
  });

  it('every user has several notifications', async () => {
    const db = get();
    const fewest = await one(
      db,
      'SELECT min(n)::int FROM (SELECT count(n.id) AS n FROM users u LEFT JOIN notifications n ON n.user_id = u.id GROUP BY u.id) x',
    );
    expect(fewest).toBeGreaterThanOrEqual(3);
  });
}

describe('db:seed --orders N', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await generate(db.ownerUrl, { orders: 8_000, branches: 4, seed: 11 });
  }, 120_000);
  afterAll(async () => {
    await db.drop();
  });

  consistencyChecks(() => db);

  it('spreads orders over 24 months so every monthly partition up to this month has rows', async () => {
    const { rows } = await db.owner.query(
      `SELECT c.relname, (SELECT count(*) FROM orders o WHERE o.tableoid = c.oid)::int AS n
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'orders'::regclass
          AND c.relname <= to_char(now() AT TIME ZONE 'Asia/Seoul', '"orders_"YYYY_MM')
          AND c.relname >= to_char(now() AT TIME ZONE 'Asia/Seoul' - interval '24 months', '"orders_"YYYY_MM')`,
    );
    expect(rows).toHaveLength(25);
    expect(rows.filter((r) => r.n === 0)).toEqual([]);
    expect(await one(db, 'SELECT count(*)::int FROM orders_default')).toBe(0);
    expect(await one(db, 'SELECT count(*)::int FROM order_status_history_default')).toBe(0);
  });

  it('has every status, split children, locked settlement weeks and soft-deleted orders', async () => {
    const statuses = (await db.owner.query('SELECT DISTINCT status FROM orders')).rows.map((r) => r.status);
    expect(statuses.sort()).toEqual([...ORDER_STATUSES].sort());
    expect(await one(db, 'SELECT count(*)::int FROM split_orders')).toBeGreaterThan(0);
    expect(
      await one(
        db,
        `SELECT count(*)::int FROM split_orders s JOIN orders p ON p.id = s.parent_order_id WHERE p.status <> '부분인수'`,
      ),
    ).toBe(0);
    expect(await one(db, `SELECT count(DISTINCT branch_id)::int FROM settlement_periods WHERE status = 'LOCKED'`)).toBe(
      4,
    );
    expect(await one(db, 'SELECT count(*)::int FROM orders WHERE deleted_at IS NOT NULL')).toBeGreaterThan(0);
  });

  it('refuses a database that already holds data, and adds nothing', async () => {
    const before = await one(db, 'SELECT count(*)::int FROM orders');
    await expect(generate(db.ownerUrl, { orders: 10 })).rejects.toBeInstanceOf(DatabaseNotEmptyError);
    expect(await one(db, 'SELECT count(*)::int FROM orders')).toBe(before);
  });

  it('a load that fails part way leaves nothing behind and names the table', async () => {
    const other = await createTestDatabase();
    try {
      // a rule the generated data breaks somewhere in the middle of the order lines
      await other.owner.query('ALTER TABLE order_lines ADD CONSTRAINT chk_test_small CHECK (quantity < 3)');
      const err = await generate(other.ownerUrl, { orders: 3_000, branches: 2, seed: 3 }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/COPY order_lines: .*chk_test_small/);
      for (const t of ['orders', 'order_numbers', 'order_lines', 'order_status_history', 'users', 'branches']) {
        expect(await one(other, `SELECT count(*)::int FROM ${t}`), t).toBe(0);
      }
    } finally {
      await other.drop();
    }
  });

  it('the command line names a bad argument and refuses a non-empty database with exit code 3', async () => {
    const env = { ...process.env, DATABASE_URL: db.ownerUrl };
    const bad = await run('npx', ['tsx', 'db/cli/seed.ts', '--orders', 'many'], { env }).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--orders needs an integer');
    const full = await run('npx', ['tsx', 'db/cli/seed.ts', '--orders', '10'], { env }).catch((e) => e);
    expect(full.code).toBe(3);
    expect(full.stderr).toContain('already holds data');
  });
});

describe('determinism', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });

  it('the same seed and day give the same rows; another seed gives others', async () => {
    const now = new Date();
    const fingerprint = async (seed: number) => {
      const db = await createTestDatabase();
      dbs.push(db);
      await generate(db.ownerUrl, { orders: 1_500, branches: 3, seed, now, skipVacuum: true });
      const { rows } = await db.owner.query(
        `SELECT md5(string_agg(t, '|' ORDER BY t)) AS h FROM (
           SELECT o::text AS t FROM (SELECT id, order_no, customer_name, customer_phone, address, vendor, branch_id,
                  partner_id, installer_id, status, appointment_date, appointment_time_window, promised_date, remarks,
                  version, deleted_at, created_at, updated_at FROM orders) o
           UNION ALL SELECT (h.id, h.order_id, h.previous_status, h.new_status, h.changed_by, h.changed_at, h.reason_code)::text
             FROM order_status_history h
           UNION ALL SELECT (l.id, l.item_code, l.quantity)::text FROM order_lines l
           UNION ALL SELECT (s.serial, s.order_line_id)::text FROM serial_numbers s
           UNION ALL SELECT (n.user_id, n.category, n.payload, n.created_at)::text FROM notifications n) x`,
      );
      return rows[0].h as string;
    };
    const a = await fingerprint(5);
    const b = await fingerprint(5);
    const c = await fingerprint(6);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});

describe('db:seed --demo', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('loads the demo set: branches incl. Seoul and Busan, partners, ~20 installers, a few thousand orders', async () => {
    const out = await seedDemo(db.ownerUrl);
    expect(out.status).toBe('created');
    const branches = (await db.owner.query('SELECT name FROM branches ORDER BY code')).rows.map((r) => r.name);
    expect(branches.length).toBeGreaterThanOrEqual(3);
    expect(branches.length).toBeLessThanOrEqual(4);
    expect(branches).toEqual(expect.arrayContaining(['서울지점', '부산지점']));
    expect(await one(db, 'SELECT count(*)::int FROM partners')).toBeGreaterThanOrEqual(2);
    const installers = await db.owner.query('SELECT skill_tags, regions, capacity_per_day, user_id FROM installers');
    expect(installers.rowCount).toBe(20);
    for (const i of installers.rows) {
      expect(i.skill_tags.length).toBeGreaterThan(0);
      expect(i.regions.length).toBeGreaterThan(0);
      expect(i.capacity_per_day).toBeGreaterThan(0);
    }
    expect(installers.rows.filter((i) => i.user_id).length).toBeGreaterThanOrEqual(4);
    const orders = await one(db, 'SELECT count(*)::int FROM orders');
    expect(orders).toBeGreaterThanOrEqual(2000);
    expect(orders).toBeLessThanOrEqual(5000);
    expect(await one(db, "SELECT count(*)::int FROM orders WHERE created_at < now() - interval '5 months'")).toBe(0);
  });

  it('has all 12 statuses and every kind of child row, and a LOCKED settlement week', async () => {
    const statuses = (await db.owner.query('SELECT DISTINCT status FROM orders')).rows.map((r) => r.status);
    expect(statuses.sort()).toEqual([...ORDER_STATUSES].sort());
    for (const t of [
      'order_lines',
      'order_status_history',
      'appointments',
      'waste_pickups',
      'serial_numbers',
      'notifications',
    ]) {
      expect(await one(db, `SELECT count(*)::int FROM ${t}`), t).toBeGreaterThan(0);
    }
    expect(await one(db, "SELECT count(*)::int FROM settlement_periods WHERE status = 'LOCKED'")).toBeGreaterThan(0);
  });

  consistencyChecks(() => db);

  it('has the README logins with password demo1234 (Argon2id, m=19456, t=2, p=1) and the right scopes', async () => {
    const { rows } = await db.owner.query(
      `SELECT u.username, u.password_hash, u.branch_id, u.partner_id, b.name AS branch, r.role_code
         FROM users u JOIN user_roles r ON r.user_id = u.id LEFT JOIN branches b ON b.id = u.branch_id
        WHERE u.username = ANY ($1)`,
      [DEMO_LOGINS.map((l) => l.username)],
    );
    const by = Object.fromEntries(rows.map((r) => [r.username, r]));
    for (const login of DEMO_LOGINS) {
      const u = by[login.username];
      expect(u?.role_code, login.username).toBe(login.role);
      expect(u.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verify(u.password_hash, 'demo1234')).toBe(true);
      expect(await verify(u.password_hash, 'demo12345')).toBe(false);
    }
    expect(by['mgr.seoul'].branch).toBe('서울지점');
    expect(by['mgr.busan'].branch).toBe('부산지점');
    expect(by.coord.partner_id).not.toBeNull();
    expect(by.hq.branch_id).toBeNull();
    const inst1Orders = await one(
      db,
      `SELECT count(*)::int FROM orders o JOIN installers i ON i.id = o.installer_id
         JOIN users u ON u.id = i.user_id WHERE u.username = 'inst1'`,
    );
    expect(inst1Orders).toBeGreaterThan(0);
    const coordOrders = await one(
      db,
      `SELECT count(*)::int FROM orders o JOIN users u ON u.partner_id = o.partner_id WHERE u.username = 'coord'`,
    );
    expect(coordOrders).toBeGreaterThan(0);
  });

  it('a second run is a no-op', async () => {
    const before = await one(db, "SELECT md5(string_agg(id::text || version, ',' ORDER BY id)) FROM orders");
    const out = await seedDemo(db.ownerUrl);
    expect(out.status).toBe('present');
    expect(await one(db, "SELECT md5(string_agg(id::text || version, ',' ORDER BY id)) FROM orders")).toBe(before);
  });

  it('refuses a database holding other data', async () => {
    const other = await createTestDatabase();
    try {
      await other.owner.query("INSERT INTO branches(code, name) VALUES ('X1', '실데이터지점')");
      await expect(seedDemo(other.ownerUrl)).rejects.toBeInstanceOf(DatabaseNotEmptyError);
      expect(await one(other, 'SELECT count(*)::int FROM orders')).toBe(0);
    } finally {
      await other.drop();
    }
  });
});

describe('after the load', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await generate(db.ownerUrl, { orders: 1_200, branches: 3, seed: 8 });
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  // A loaded heap left unfrozen is rewritten whole by the first anti-wraparound vacuum (8.3 GB at 5M orders, at
  // a moment nobody chose): the load freezes what it wrote.
  it('the loaded tables are frozen and all-visible', async () => {
    await db.owner.query('CREATE EXTENSION IF NOT EXISTS pg_visibility');
    const { rows } = await db.owner.query<{ rel: string; pages: number; frozen: number; visible: number }>(
      `SELECT c.oid::regclass::text AS rel, s.all_visible::int + 0 AS visible, s.all_frozen::int AS frozen,
              pg_relation_size(c.oid)::bigint / current_setting('block_size')::int AS pages
         FROM pg_class c CROSS JOIN LATERAL pg_visibility_map_summary(c.oid) s
        WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
          AND (c.relname IN ('orders_default', 'order_lines', 'waste_pickups', 'serial_numbers', 'notifications',
                             'appointments', 'report_progress', 'report_waste')
               OR c.relname ~ '^(orders|order_status_history)_[0-9]{4}_[0-9]{2}$')`,
    );
    const loaded = rows.filter((r) => Number(r.pages) > 0);
    expect(loaded.length).toBeGreaterThan(5);
    const unfrozen = loaded.filter((r) => r.frozen < Number(r.pages)).map((r) => `${r.rel} ${r.frozen}/${r.pages}`);
    expect(unfrozen).toEqual([]);
  });
});
