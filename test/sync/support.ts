// Helpers of the sync suite: a client engine (store + HTTP client + engine) in this process, and the row
// checksums that compare a client's SQLite with what PostgreSQL lets its user see.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { OPEN_STATUSES, type OrderStatus } from '../../domain/order-status.js';
import { SYNC_ENTITIES, type SyncEntity, type SyncRow } from '../../domain/sync-protocol.js';
import { ClientStore } from '../../main/store/client-store.js';
import { type EngineOptions, SyncEngine } from '../../main/sync/engine.js';
import { HeadOfficeClient, type HeadOfficeClientOptions } from '../../main/sync/http-client.js';
import type { TestDatabase } from '../support/db.js';
import { createOrder, type UserFixture } from '../support/fixtures.js';
import { enterAs } from '../support/session.js';

export function tempDir(prefix = 'sync-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestClient {
  store: ClientStore;
  http: HeadOfficeClient;
  engine: SyncEngine;
  close(): Promise<void>;
}

/** A logged-in client engine over its own SQLite file (not started: tests drive syncNow()). */
export async function connectClient(
  serverUrl: string,
  user: Pick<UserFixture, 'username' | 'password'>,
  file: string,
  opts: Omit<EngineOptions, 'store' | 'http'> = {},
  httpOpts: Partial<HeadOfficeClientOptions> = {},
): Promise<TestClient> {
  const store = new ClientStore(file);
  const http = new HeadOfficeClient({ baseUrl: serverUrl, timeoutMs: 5000, ...httpOpts });
  await http.login(user.username, user.password);
  const engine = new SyncEngine({
    store,
    http,
    backoff: { baseMs: 20, maxMs: 200 },
    pullIntervalMs: 60_000,
    ...opts,
  });
  return {
    store,
    http,
    engine,
    async close() {
      await engine.stop();
      store.close();
    },
  };
}

/**
 * Syncs until `done()` holds. A pull delivers what every transaction of the cluster older than its horizon
 * wrote; another test's open transaction can hold that horizon back for a moment, so a test waits for the
 * outcome rather than assuming one pull suffices. Throws with `what` if it never comes.
 */
export async function syncUntil(client: TestClient, done: () => boolean, what: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await client.engine.syncNow();
    if (done()) return;
    if (Date.now() > until) throw new Error(`never synced: ${what} (last error: ${client.engine.state().lastError})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

export function rowChecksum(row: SyncRow, columns: string[]): string {
  const picked: Record<string, unknown> = {};
  for (const c of columns) picked[c] = row[c] ?? null;
  return createHash('sha256').update(stable(picked)).digest('hex').slice(0, 16);
}

export type Checksums = Record<SyncEntity, Map<string, string>>;

/** Per table: key → checksum of the row, for the rows a client mirrors. */
export function clientChecksums(store: ClientStore): Checksums {
  const out = {} as Checksums;
  for (const entity of SYNC_ENTITIES) {
    const t = store.mirror.tables[entity];
    const columns = t.columns.map((c) => c.name);
    out[entity] = new Map(store.mirror.readAll(entity).map((r) => [String(r[t.key]), rowChecksum(r, columns)]));
  }
  return out;
}

export interface RlsUser {
  id: string;
  role: string;
  branchId: string | null;
  partnerId: string | null;
}

/**
 * The same, from PostgreSQL as the user sees it (dispatch_app under row-level security): live rows only
 * (soft-deleted orders and what hangs off them travel as deletes), the user's own notifications. A copy that
 * holds a window (store.windowFrom(): its last pull's bound) is compared with the window's orders only — open
 * (OPEN_STATUSES) or written since the bound — and what hangs off them; written here from the domain's rule,
 * not from the head office's query.
 */
export async function serverChecksums(db: TestDatabase, user: RlsUser, store: ClientStore): Promise<Checksums> {
  const from = store.windowFrom();
  const client = new pg.Client({ connectionString: db.appUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await enterAs(client, db.owner, user);
    await client.query(`SELECT set_config('TimeZone', 'UTC', true)`);
    const out = {} as Checksums;
    const window = (o: string) =>
      from === null ? '' : ` AND (${o}.status = ANY($1::text[]) OR ${o}.updated_at >= $2::timestamptz)`;
    for (const entity of SYNC_ENTITIES) {
      const t = store.mirror.tables[entity];
      const columns = t.columns.map((c) => c.name);
      let where = '';
      let windowed = true;
      if (entity === 'orders') where = `WHERE t.deleted_at IS NULL${window('t')}`;
      else if (entity === 'split_orders')
        where = `WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = t.parent_order_id AND o.deleted_at IS NULL${window('o')})`;
      else if ('order_id' in (await columnSet(client, entity)) && entity !== 'notifications')
        where = `WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = t.order_id AND o.deleted_at IS NULL${window('o')})`;
      else {
        windowed = false;
        if (entity === 'notifications') where = 'WHERE t.user_id = app_user_id()';
      }
      const { rows } = await client.query<{ row: SyncRow }>(
        `SELECT to_jsonb(t) - 'change_xid' AS row FROM ${entity} t ${where}`,
        from !== null && windowed ? [OPEN_STATUSES, from] : [],
      );
      out[entity] = new Map(rows.map((r) => [String(r.row[t.key]), rowChecksum(r.row, columns)]));
    }
    await client.query('COMMIT');
    return out;
  } finally {
    await client.end();
  }
}

const columnCache = new Map<string, Record<string, true>>();
async function columnSet(client: pg.Client, table: string): Promise<Record<string, true>> {
  let c = columnCache.get(table);
  if (!c) {
    const { rows } = await client.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_name = $1',
      [table],
    );
    c = Object.fromEntries(rows.map((r) => [r.column_name, true as const]));
    columnCache.set(table, c);
  }
  return c;
}

/** Rows that differ, per table (empty when the client's copy equals the server's). */
export function differences(a: Checksums, b: Checksums): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entity of SYNC_ENTITIES) {
    const keys = new Set([...a[entity].keys(), ...b[entity].keys()]);
    const diff = [...keys].filter((k) => a[entity].get(k) !== b[entity].get(k));
    if (diff.length) out[entity] = diff;
  }
  return out;
}

/**
 * createOrder of the fixtures with a millisecond created_at: its lines' foreign key repeats created_at, which a
 * JS Date read back from now() (microseconds) would not match.
 */
export function makeOrder(db: Parameters<typeof createOrder>[0], o: Parameters<typeof createOrder>[1]) {
  return createOrder(db, { createdAt: new Date(), ...o });
}

/**
 * An order of `branchId` as an old one looks (issue 16's window): created `createdDaysAgo` days ago with the
 * status given, two lines, a serial and a pick-up, and last written `writtenDaysAgo` days ago. The age is set with
 * triggers off (as a load would: no stamp, no history, no version).
 */
export async function makeAgedOrder(
  db: pg.Pool,
  o: { branchId: string; status: OrderStatus; createdDaysAgo: number; writtenDaysAgo?: number },
) {
  const day = 86_400_000;
  const created = new Date(Date.now() - o.createdDaysAgo * day);
  const order = await makeOrder(db, {
    branchId: o.branchId,
    status: o.status,
    createdAt: created,
    appointmentDate: new Date(created.getTime() + 2 * day).toISOString().slice(0, 10),
    lines: [
      { itemCode: 'AC-100', itemName: '에어컨', quantity: 1 },
      { itemCode: 'TV-55', itemName: 'TV', quantity: 1 },
    ],
  });
  await db.query(
    `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id)
     SELECT id, created_at, 'P01', 1, branch_id FROM orders WHERE id = $1`,
    [order.id],
  );
  await db.query(
    `INSERT INTO serial_numbers(order_id, order_created_at, order_line_id, serial)
     SELECT o.id, o.created_at, $2, $3 FROM orders o WHERE o.id = $1`,
    [order.id, order.lineIds[0], `SN-OLD-${order.id.slice(0, 8)}`],
  );
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL session_replication_role = replica');
    await c.query('UPDATE orders SET updated_at = $2 WHERE id = $1', [
      order.id,
      new Date(Date.now() - (o.writtenDaysAgo ?? o.createdDaysAgo) * day),
    ]);
    await c.query('COMMIT');
  } finally {
    c.release();
  }
  return order;
}
