// A seeded, time-bounded run of several client processes editing the same orders while the head office
// restarts, the link drops and clients are killed. At the end every client's SQLite equals what PostgreSQL lets
// its user see (row checksums), every op a client made reached the head office, and none was applied twice.
// Re-run a failure with SYNC_SEED=<the seed printed>.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClientStore } from '../../main/store/client-store.js';
import { databaseFile } from '../../main/sync/session.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createInstaller, createUser, type UserFixture } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { type ChildRun, runChild, startChild } from './child.js';
import { clientChecksums, differences, makeOrder, serverChecksums, tempDir } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

const SEED = Number(process.env.SYNC_SEED ?? 20261125);
const CHAOS_MS = Number(process.env.SYNC_CHAOS_MS ?? 20_000);

let db: TestDatabase;
let server: TestServer;
let proxy: TcpProxy;
const running = new Set<ChildRun>();

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  proxy = await TcpProxy.start(server.url);
});
afterAll(async () => {
  for (const c of running) c.proc.kill('SIGKILL');
  await proxy?.close();
  await server?.stop();
  await db?.drop();
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Clerk {
  name: string;
  user: UserFixture;
  branchId: string;
  installers: string[];
  dataDir: string;
  journal: string;
  run: ChildRun | null;
  runs: number;
  kills: number;
}

it(`randomized run (seed ${SEED}): clients converge with the head office, no op lost, none applied twice`, async () => {
  const rnd = mulberry32(SEED);
  const a = await createBranch(db.owner);
  const b = await createBranch(db.owner);
  const installersA: string[] = [];
  for (let i = 0; i < 3; i++)
    installersA.push((await createInstaller(db.owner, { branchId: a.id, capacityPerDay: 500 })).id);
  const seeded: string[] = [];
  for (let i = 0; i < 15; i++) seeded.push((await makeOrder(db.owner, { branchId: a.id })).id);
  for (let i = 0; i < 5; i++) seeded.push((await makeOrder(db.owner, { branchId: b.id })).id);

  const clerks: Clerk[] = [];
  for (const [name, branchId] of [
    ['a1', a.id],
    ['a2', a.id],
    ['b1', b.id],
  ] as const) {
    const user = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId });
    const dataDir = tempDir(`rand-${name}-`);
    clerks.push({
      name,
      user,
      branchId,
      installers: branchId === a.id ? installersA : [],
      dataDir,
      journal: join(dataDir, 'journal.txt'),
      run: null,
      runs: 0,
      kills: 0,
    });
  }
  const envOf = (c: Clerk): Record<string, string> => ({
    SERVER_URL: proxy.url,
    USERNAME: c.user.username,
    PASSWORD: c.user.password,
    DATA_DIR: c.dataDir,
    JOURNAL: c.journal,
    BRANCH_ID: c.branchId,
    INSTALLER_IDS: JSON.stringify(c.installers),
    BATCH_SIZE: '20',
  });
  // first login is online, and the first snapshot with it
  for (const c of clerks) await runChild({ ...envOf(c), MODE: 'sync' });

  const end = Date.now() + CHAOS_MS;
  const launch = (c: Clerk) => {
    const run = startChild({
      ...envOf(c),
      MODE: 'random',
      SEED: String(Math.floor(rnd() * 2 ** 31)),
      DURATION_MS: String(Math.max(500, end - Date.now())),
    });
    c.run = run;
    c.runs++;
    running.add(run);
    void run.done.then(() => running.delete(run));
  };
  for (const c of clerks) launch(c);

  const rawEdits = new Map<string, number>();
  let restarts = 0;
  let outages = 0;
  while (Date.now() < end - 1500) {
    await new Promise((r) => setTimeout(r, 500 + rnd() * 1500));
    const r = rnd();
    if (r < 0.4) {
      const c = clerks[Math.floor(rnd() * clerks.length)]!;
      c.run?.proc.kill('SIGKILL');
      await c.run?.done;
      c.kills++;
      launch(c);
    } else if (r < 0.6) {
      outages++;
      proxy.setDown(true);
      await new Promise((res) => setTimeout(res, 300 + rnd() * 1200));
      proxy.setDown(false);
    } else if (r < 0.75) {
      restarts++;
      proxy.setDown(true);
      await server.stop();
      server = await startTestServer(db);
      proxy.retarget(server.url);
      proxy.setDown(false);
    } else {
      // head-office maintenance by hand: a raw SQL change the clients must pull
      const id = seeded[Math.floor(rnd() * seeded.length)]!;
      await db.owner.query("UPDATE orders SET vendor = 'HQ ' || floor(random() * 1000) WHERE id = $1", [id]);
      rawEdits.set(id, (rawEdits.get(id) ?? 0) + 1);
    }
  }
  for (const c of clerks) await c.run?.done;
  proxy.setDown(false);

  // everyone settles twice: a later client's push is pulled by the earlier ones on the second round
  for (let round = 0; round < 2; round++)
    await Promise.all(clerks.map((c) => runChild({ ...envOf(c), MODE: 'converge' })));

  const summary = clerks.map((c) => `${c.name}: runs ${c.runs}, kills ${c.kills}`).join('; ');
  const queue = await db.owner.query<{ op_id: string; status: string; op_kind: string; entity_id: string }>(
    'SELECT op_id, status, op_kind, entity_id FROM offline_sync_queue',
  );
  const byStatus: Record<string, number> = {};
  for (const q of queue.rows) byStatus[q.status] = (byStatus[q.status] ?? 0) + 1;
  console.log(
    `seed ${SEED}: ${summary}; server restarts ${restarts}, outages ${outages}, raw edits ${rawEdits.size}; ops ${JSON.stringify(byStatus)}`,
  );
  const answered = new Map(queue.rows.map((q) => [q.op_id, q.status]));
  let journaled = 0;
  for (const c of clerks) {
    // every op the client wrote reached the head office and got an answer
    const ops = existsSync(c.journal) ? readFileSync(c.journal, 'utf8').split('\n').filter(Boolean) : [];
    journaled += ops.length;
    expect(ops.filter((op) => !answered.has(op))).toEqual([]);

    const store = new ClientStore(databaseFile(c.dataDir, proxy.url, c.user.username));
    try {
      expect(store.counts()).toEqual({ pending: 0, conflicts: 0, failed: store.counts().failed });
      const rls = { id: c.user.id, role: c.user.role, branchId: c.branchId, partnerId: null };
      expect(differences(clientChecksums(store), await serverChecksums(db, rls, store))).toEqual({});
    } finally {
      store.close();
    }
  }
  expect(journaled).toBeGreaterThan(100);
  expect(queue.rows.filter((q) => q.status === 'SYNCED').length).toBeGreaterThan(50);

  // none applied twice: each order's version = 1 + its SYNCED edits + the raw SQL edits
  const synced = new Map<string, number>();
  for (const q of queue.rows)
    if (q.status === 'SYNCED' && q.op_kind !== 'order.create')
      synced.set(q.entity_id, (synced.get(q.entity_id) ?? 0) + 1);
  const { rows: orders } = await db.owner.query<{ id: string; version: number }>(
    'SELECT id, version FROM orders WHERE branch_id = ANY($1)',
    [[a.id, b.id]],
  );
  const wrong = orders.filter((o) => o.version !== 1 + (synced.get(o.id) ?? 0) + (rawEdits.get(o.id) ?? 0));
  expect(wrong).toEqual([]);
}, 240_000);
