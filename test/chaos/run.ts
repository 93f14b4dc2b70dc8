// `npm run chaos -- --runs N --seed S [--seconds T] [--clients C] [--until HH:MM]`: the project's own
// Jepsen-style run (issue 17, docs/reliability.md). Per run: a fresh database; the real head office as a child
// process; C branch client engines as child processes (test/sync/child-client.ts, editing at random), each behind
// a fault-injecting TCP proxy; a nemesis seeded by the run's seed — head office and client SIGKILL (also at the engine's own crash
// points), lost answers, link cuts, silent
// link resets, PostgreSQL backends terminated, head-office edits through REST. Then heal, converge, and check:
//   1. every op a client journaled was answered and recorded once (offline_sync_queue, unique by op id);
//   2. every client's copy equals PostgreSQL under its user's row-level security (checksums of every column);
//   3. versions: each order's version = 1 + its SYNCED edits + the head-office REST edits that succeeded
//      (nothing applied twice, no version reused);
//   4. no 5xx answered to a REST edit outside a window in which the head office was killed or its backends
//      terminated.
// Every failure prints its seed; `--runs 1 --seed <it>` runs the same nemesis schedule and op streams again
// (schedule.ts, random-ops.ts: pure functions of the seed; what still varies with timing: docs/reliability.md).
// --until HH:MM (UTC) starts no run after that time, so a long batch can be ended between runs instead of killed
// (a kill mid-run leaves a run that is neither counted nor checked).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { appRolePassword, migrate, migrationsDir } from '../../db/migrate.js';
import { dataRoot } from '../../db/pg/data-dir.js';
import { startDatabase, withDatabase, withUser } from '../../db/pg/embedded.js';
import { ClientStore } from '../../main/store/client-store.js';
import { databaseFile } from '../../main/sync/session.js';
import type { TestDatabase } from '../support/db.js';
import { createBranch, createInstaller, createUser, type UserFixture } from '../support/fixtures.js';
import { type ChildRun, runChild, startChild } from '../sync/child.js';
import { clientChecksums, differences, makeAgedOrder, makeOrder, serverChecksums, tempDir } from '../sync/support.js';
import { TcpProxy } from '../sync/tcp-proxy.js';
import { type NemesisEvent, nemesisSchedule, scheduleFingerprint } from './schedule.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    seed: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    clients: { type: 'string', default: '3' },
    until: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const FIRST_SEED = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const UNTIL = args.until === undefined ? null : untilTime(args.until);

function untilTime(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`--until needs HH:MM (UTC), not "${hhmm}"`);
  const t = new Date();
  t.setUTCHours(Number(m[1]), Number(m[2]), 0, 0);
  // a time already past today means tomorrow's
  if (t.getTime() <= Date.now()) t.setUTCDate(t.getUTCDate() + 1);
  return t.getTime();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

// ---- the database: a cluster of its own, a template migrated once per change of the migrations -------------

const pgPort = Number(
  process.env.CHAOS_PG_PORT ??
    55330 + (Number.parseInt(createHash('md5').update(dataRoot).digest('hex').slice(0, 4), 16) % 500),
);
const cluster = await startDatabase({ name: 'pg-chaos', port: pgPort });
const hash = createHash('sha256');
for (const f of readdirSync(migrationsDir).sort()) hash.update(f).update(readFileSync(join(migrationsDir, f)));
const template = `dispatch_chaos_tpl_${hash.digest('hex').slice(0, 12)}`;
const admin = new pg.Client({ connectionString: cluster.url });
// Ctrl-C stops the embedded cluster (its own signal hook) under this connection: without a listener the
// termination (57P01) was an unhandled 'error' that printed a stack over the batch's last lines.
admin.on('error', (e) => console.error(`chaos: the checking connection ended: ${e.message}`));
await admin.connect();
if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 0) {
  await admin.query(`CREATE DATABASE "${template}"`);
  await migrate(withDatabase(cluster.url, template));
} else {
  await admin.query(`ALTER ROLE dispatch_app WITH LOGIN PASSWORD '${appRolePassword()}'`);
}

// ---- one run -------------------------------------------------------------------------------------------------

interface Clerk {
  name: string;
  user: UserFixture;
  branchId: string;
  installers: string[];
  dataDir: string;
  journal: string;
  /** the seeded orders of its branch, in creation order: what its random child picks from (random-ops.ts) */
  orders: string[];
  proxy: TcpProxy;
  run: ChildRun | null;
  /** the nemesis is killing the current process itself (not a crash point it reached) */
  killing: boolean;
}

interface RunResult {
  seed: number;
  /** of the nemesis schedule and the clerks' seeds: the same seed prints the same one */
  schedule: string;
  anomalies: string[];
  counts: Record<string, number>;
}

async function oneRun(seed: number): Promise<RunResult> {
  const anomalies: string[] = [];
  const counts: Record<string, number> = {};
  const count = (k: string, n = 1) => {
    counts[k] = (counts[k] ?? 0) + n;
  };
  const name = `dispatch_chaos_${seed}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const ownerUrl = withDatabase(cluster.url, name);
  const appUrl = withUser(ownerUrl, 'dispatch_app', appRolePassword());
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 4 });
  owner.on('error', () => {});
  // what serverChecksums reads of a test database (it never drops it)
  const asTestDatabase = { appUrl, owner } satisfies Pick<TestDatabase, 'appUrl' | 'owner'> as TestDatabase;
  const port = await freePort();
  const jwtSecret = randomBytes(32).toString('base64url');
  const children = new Set<ChildProcess>();
  let server: ChildProcess | null = null;
  const serverUrl = `http://127.0.0.1:${port}`;

  const startHeadOffice = async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server-child.ts')], {
      env: { ...process.env, OWNER_URL: ownerUrl, APP_URL: appUrl, PORT: String(port), CHAOS_JWT_SECRET: jwtSecret },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(proc);
    proc.on('exit', () => children.delete(proc));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('ready ')) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`head office exited ${code} before it was ready`)));
    });
    server = proc;
  };

  // head-office edits through REST, and whether a 5xx came outside a window in which it was expected
  let hqToken: string | null = null;
  let disturbedUntil = 0;
  const restEdits = new Map<string, number>();
  let fingerprint = '';
  /** the clerks' random children have ended: a process ending after this is the harness's own clean-up */
  let settled = false;
  const hqLogin = async (hq: UserFixture) => {
    const res = await fetch(`${serverUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: hq.username, password: hq.password }),
    });
    hqToken = res.ok ? ((await res.json()) as { accessToken: string }).accessToken : null;
  };
  const hqEdit = async (hq: UserFixture, orderId: string, remarks: number) => {
    try {
      if (!hqToken) await hqLogin(hq);
      const auth = { authorization: `Bearer ${hqToken}`, 'content-type': 'application/json' };
      const got = await fetch(`${serverUrl}/api/orders/${orderId}`, { headers: auth });
      if (got.status >= 500 && Date.now() > disturbedUntil) anomalies.push(`GET order: ${got.status} outside a fault`);
      if (!got.ok) return;
      const order = (await got.json()) as { version: number };
      const res = await fetch(`${serverUrl}/api/orders/${orderId}`, {
        method: 'PATCH',
        headers: auth,
        body: JSON.stringify({ version: order.version, remarks: `본사 ${remarks}` }),
      });
      count(`hq edit ${res.status}`);
      if (res.status === 200) restEdits.set(orderId, (restEdits.get(orderId) ?? 0) + 1);
      if (res.status >= 500 && Date.now() > disturbedUntil)
        anomalies.push(`PATCH order: ${res.status} outside a fault`);
      if (res.status === 401) hqToken = null;
    } catch {
      count('hq edit unreachable'); // the head office is down: not an answer
    }
  };

  try {
    await startHeadOffice();
    const a = await createBranch(owner);
    const b = await createBranch(owner);
    const hq = await createUser(owner, { role: 'HQ_ADMIN' });
    const installersA: string[] = [];
    for (let i = 0; i < 3; i++)
      installersA.push((await createInstaller(owner, { branchId: a.id, capacityPerDay: 500 })).id);
    const seeded: string[] = [];
    for (let i = 0; i < 15; i++) seeded.push((await makeOrder(owner, { branchId: a.id })).id);
    for (let i = 0; i < 5; i++) seeded.push((await makeOrder(owner, { branchId: b.id })).id);

    // the client's window (issue 16): old orders no clerk touches — two closed long ago (outside: one of them the
    // head office edits mid-run, which brings it in with its children), one open (inside whatever its age)
    const oldOutside = await makeAgedOrder(owner, { branchId: a.id, status: '인수', createdDaysAgo: 200 });
    const oldEntering = await makeAgedOrder(owner, { branchId: a.id, status: '취소', createdDaysAgo: 250 });
    const oldOpen = await makeAgedOrder(owner, { branchId: a.id, status: '연기', createdDaysAgo: 220 });
    await makeAgedOrder(owner, { branchId: b.id, status: '인수', createdDaysAgo: 300 });

    const ordersA = seeded.slice(0, 15);
    const ordersB = seeded.slice(15);
    const schedule = nemesisSchedule(seed, { seconds: SECONDS, clients: CLIENTS, orders: seeded.length });
    fingerprint = scheduleFingerprint(schedule);
    const clerks: Clerk[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const branchId = i % 3 === 2 ? b.id : a.id;
      const user = await createUser(owner, { role: 'BRANCH_MANAGER', branchId });
      const dataDir = tempDir(`chaos-${seed}-${i}-`);
      clerks.push({
        name: `c${i}`,
        user,
        branchId,
        installers: branchId === a.id ? installersA : [],
        orders: branchId === a.id ? ordersA : ordersB,
        dataDir,
        journal: join(dataDir, 'journal.txt'),
        proxy: await TcpProxy.start(serverUrl),
        run: null,
        killing: false,
      });
    }
    const envOf = (c: Clerk): Record<string, string> => ({
      SERVER_URL: c.proxy.url,
      USERNAME: c.user.username,
      PASSWORD: c.user.password,
      DATA_DIR: c.dataDir,
      JOURNAL: c.journal,
      BRANCH_ID: c.branchId,
      INSTALLER_IDS: JSON.stringify(c.installers),
      ORDER_IDS: JSON.stringify(c.orders),
      BATCH_SIZE: '20',
    });
    for (const c of clerks) await runChild({ ...envOf(c), MODE: 'sync' });

    /** what a random child that ran to its end says it made: intents, ops, intents its copy refused (by why) */
    const tally = (stdout: string) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const made = JSON.parse(last) as { intents?: number; refused?: Record<string, number> };
        count('client intents', made.intents ?? 0);
        for (const [why, n] of Object.entries(made.refused ?? {})) count(`intents refused locally (${why})`, n);
      } catch {
        // no summary line: nothing to add
      }
    };
    const start = Date.now();
    const end = start + SECONDS * 1000;
    /**
     * Starts the clerk's random child with `childSeed`; with `crash`, the engine's crash point armed: when the
     * child kills itself there, it is started again with `crash.afterSeed` (while the run lasts).
     */
    const launch = (c: Clerk, childSeed: number, crash?: { at: string; afterSeed: number }) => {
      c.killing = false;
      const run = startChild({
        ...envOf(c),
        MODE: 'random',
        SEED: String(childSeed),
        DURATION_MS: String(Math.max(500, end - Date.now())),
        ...(crash ? { CRASH_AT: crash.at } : {}),
      });
      c.run = run;
      children.add(run.proc);
      void run.done.then((r) => {
        children.delete(run.proc);
        if (c.killing || c.run !== run || settled) return;
        if (crash && r.signal === 'SIGKILL') {
          count('client killed at its crash point');
          if (Date.now() < end) launch(c, crash.afterSeed);
        } else if (r.code === 0) {
          if (crash) count('client crash point not reached');
          tally(r.stdout);
        } else {
          // the engine threw, or the process died on its own: its later ops were never made
          anomalies.push(`${c.name}: client process ended ${r.code ?? r.signal}: ${r.stderr.trim().slice(-400)}`);
        }
      });
    };
    for (const [i, c] of clerks.entries()) launch(c, schedule.clientSeeds[i]!);
    // halfway through, the head office edits an order closed long ago: it enters every branch-a copy
    const entering = sleep((SECONDS * 1000) / 2).then(() => hqEdit(hq, oldEntering.id, 0));
    const killClient = async (c: Clerk) => {
      c.killing = true;
      c.run?.proc.kill('SIGKILL');
      await c.run?.done;
    };

    const act = async (e: NemesisEvent) => {
      if (e.kind === 'client kill -9') {
        const c = clerks[e.client]!;
        await killClient(c);
        launch(c, e.seed);
      } else if (e.kind === 'client crash point') {
        count(`client crash point ${e.crashAt.split(':')[0]} armed`);
        const c = clerks[e.client]!;
        await killClient(c);
        launch(c, e.seed, { at: e.crashAt, afterSeed: e.afterSeed });
      } else if (e.kind === 'head office kill -9') {
        disturbedUntil = Date.now() + 60_000;
        (server as ChildProcess | null)?.kill('SIGKILL');
        await sleep(e.restartMs);
        await startHeadOffice();
        disturbedUntil = Date.now() + 2000;
      } else if (e.kind === 'lost ack') {
        clerks[e.client]!.proxy.cutResponses('POST /api/sync/push');
      } else if (e.kind === 'link cut') {
        const c = clerks[e.client]!;
        c.proxy.setDown(true);
        await sleep(e.downMs);
        c.proxy.setDown(false);
      } else if (e.kind === 'silent link reset') {
        await clerks[e.client]!.proxy.resetLink(1000);
      } else if (e.kind === 'backends terminated') {
        disturbedUntil = Date.now() + 3000;
        await owner.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND usename = 'dispatch_app'`,
        );
      } else {
        await hqEdit(hq, seeded[e.order]!, e.remarks);
      }
    };
    // every event of the schedule, each at its time (at once when the ones before it ran late)
    for (const e of schedule.events) {
      await sleep(start + e.at - Date.now());
      count(e.kind);
      await act(e);
    }
    // the clerks' children end at `end`; one that a crash point killed may have been started again meanwhile
    for (;;) {
      const runs = clerks.map((c) => c.run);
      await Promise.all(runs.map((r) => r?.done));
      if (clerks.every((c, i) => c.run === runs[i])) break;
    }
    settled = true;
    await entering;
    if (!restEdits.has(oldEntering.id)) await hqEdit(hq, oldEntering.id, 1);

    // heal, then everyone settles twice: a later client's push is pulled by the earlier ones on the second round
    for (const c of clerks) c.proxy.setDown(false);
    for (let round = 0; round < 2; round++)
      await Promise.all(clerks.map((c) => runChild({ ...envOf(c), MODE: 'converge' })));

    // 1. every journaled op answered, once
    const queue = await owner.query<{ op_id: string; status: string; op_kind: string; entity_id: string }>(
      'SELECT op_id, status, op_kind, entity_id FROM offline_sync_queue',
    );
    for (const q of queue.rows) count(`op ${q.status}`);
    const answered = new Set(queue.rows.map((q) => q.op_id));
    for (const c of clerks) {
      const ops = existsSync(c.journal) ? readFileSync(c.journal, 'utf8').split('\n').filter(Boolean) : [];
      count('ops journaled', ops.length);
      const missing = ops.filter((op) => !answered.has(op));
      if (missing.length)
        anomalies.push(`${c.name}: ${missing.length} ops never answered (${missing.slice(0, 3).join(', ')})`);
      // 2. the copy equals PostgreSQL under the user's row-level security
      const store = new ClientStore(databaseFile(c.dataDir, c.proxy.url, c.user.username));
      try {
        const st = store.counts();
        if (st.pending || st.conflicts) anomalies.push(`${c.name}: not settled ${JSON.stringify(st)}`);
        // the comparison is with RLS ∩ the copy's window: the window must be in force, and hold what it should
        if (store.windowFrom() === null) anomalies.push(`${c.name}: no window in force`);
        if (c.branchId === a.id) {
          const has = (id: string) => Boolean(store.getOrder(id));
          if (has(oldOutside.id)) anomalies.push(`${c.name}: holds an order outside its window`);
          if (!has(oldOpen.id)) anomalies.push(`${c.name}: lacks an old open order`);
          if (!has(oldEntering.id)) anomalies.push(`${c.name}: lacks the old order the head office edited`);
        }
        const rls = { id: c.user.id, role: c.user.role, branchId: c.branchId, partnerId: null };
        const diff = differences(clientChecksums(store), await serverChecksums(asTestDatabase, rls, store));
        if (Object.keys(diff).length) anomalies.push(`${c.name}: copy differs ${JSON.stringify(diff).slice(0, 300)}`);
      } finally {
        store.close();
      }
    }
    // 3. versions: nothing applied twice, no version reused
    const synced = new Map<string, number>();
    for (const q of queue.rows)
      if (q.status === 'SYNCED' && q.op_kind !== 'order.create')
        synced.set(q.entity_id, (synced.get(q.entity_id) ?? 0) + 1);
    const { rows: orders } = await owner.query<{ id: string; version: number }>(
      'SELECT id, version FROM orders WHERE branch_id = ANY($1)',
      [[a.id, b.id]],
    );
    for (const o of orders) {
      const expected = 1 + (synced.get(o.id) ?? 0) + (restEdits.get(o.id) ?? 0);
      if (o.version !== expected) anomalies.push(`order ${o.id}: version ${o.version}, expected ${expected}`);
    }
    for (const c of clerks) await c.proxy.close();
  } catch (e) {
    anomalies.push(`run failed: ${(e as Error).stack ?? e}`);
  } finally {
    for (const p of children) p.kill('SIGKILL');
    await owner.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
  }
  return { seed, schedule: fingerprint, anomalies, counts };
}

let failed = 0;
let done = 0;
const totals: Record<string, number> = {};
for (let i = 0; i < RUNS; i++) {
  if (UNTIL !== null && Date.now() >= UNTIL) {
    console.log(`--until ${args.until} reached: no further run started`);
    break;
  }
  done++;
  const seed = FIRST_SEED + i;
  const r = await oneRun(seed);
  for (const [k, v] of Object.entries(r.counts)) totals[k] = (totals[k] ?? 0) + v;
  if (r.anomalies.length) {
    failed++;
    console.log(`run ${i + 1}/${RUNS} seed ${seed} schedule ${r.schedule}: ${r.anomalies.length} anomalies`);
    for (const a of r.anomalies) console.log(`  - ${a}`);
    console.log(`  reproduce: npm run chaos -- --runs 1 --seed ${seed} --seconds ${SECONDS} --clients ${CLIENTS}`);
  } else {
    console.log(`run ${i + 1}/${RUNS} seed ${seed} schedule ${r.schedule}: ok ${JSON.stringify(r.counts)}`);
  }
}
console.log(`${done} runs of ${SECONDS} s, ${CLIENTS} clients, first seed ${FIRST_SEED}: ${failed} with anomalies`);
console.log(`totals ${JSON.stringify(totals)}`);
await admin.end();
await cluster.stop();
process.exit(failed ? 1 : 0);
