// npm run bench:sync [-- --orders N] [--window M|none|both] [--initial-only] [--keep-others] : initial sync of a branch with its orders and their lines (rows/s, seconds,
// client peak RSS), no-change pull latency (p50/p95), push throughput (ops/s, one client and four at once).
// Prints its figures; asserts nothing. Uses DATABASE_URL, else the embedded PostgreSQL. The data set (db/seed
// generator, 2 branches) is kept in its own database between runs; the largest branch gets ~63 % of the orders.
// BENCH_CLIENT_PROF=dir: each client process writes a CPU profile into dir (node --cpu-prof; NODE_OPTIONS may not).
// --window: the initial sync's window (issue 16): M months, none (the whole scope), or both (3 months, then the
// whole scope, side by side; the default). Each initial sync prints the CPU it cost: the client process, the
// head office (this process) and PostgreSQL (the bench database's backends, from /proc), and the load average.
// --initial-only skips the push measurements; --keep-others leaves other bench:sync databases (another checkout's
// migrations) in place instead of dropping them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { appRolePassword, migrate, migrationsDir } from '../../db/migrate.js';
import { startDatabase, withDatabase, withUser } from '../../db/pg/embedded.js';
import { generate } from '../../db/seed/generate.js';
import { DEMO_PASSWORD } from '../../db/seed/passwords.js';
import { createLogger } from '../../server/logger.js';
import { startServer } from '../../server/start.js';

const args = process.argv.slice(2);
const ordersArg = args.indexOf('--orders');
const TOTAL_ORDERS = ordersArg >= 0 ? Number(args[ordersArg + 1]) : 158_000;
const windowArg = args.indexOf('--window');
const WINDOW = windowArg >= 0 ? args[windowArg + 1]! : 'both';
const WINDOWS: (string | undefined)[] =
  WINDOW === 'both' ? ['3', undefined] : WINDOW === 'none' ? [undefined] : [String(Number(WINDOW))];
const INITIAL_ONLY = args.includes('--initial-only');
const KEEP_OTHERS = args.includes('--keep-others');

/** user + system CPU in ms of each given local process, from /proc (Linux; empty elsewhere) */
function processCpuMs(pids: Iterable<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * 10); // USER_HZ is 100 on Linux
    } catch {
      // the backend ended, or no /proc
    }
  }
  return out;
}

function runClient(env: Record<string, string>): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_CLIENT_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CLIENT_PROF}`] : []),
        '--import',
        'tsx',
        join(import.meta.dirname, 'sync-client.ts'),
      ],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`client exited ${code}`)),
    );
  });
}

const db = await startDatabase();
// the data set is kept between runs, for as long as the migrations stay the same
const hash = createHash('sha256');
for (const f of readdirSync(migrationsDir).sort()) hash.update(f).update(readFileSync(join(migrationsDir, f)));
// BENCH_SYNC_DATABASE=name: a data set of one's own (e.g. one per checkout compared, other sessions' left alone)
const name =
  process.env.BENCH_SYNC_DATABASE ?? `dispatch_bench_sync_o${TOTAL_ORDERS}_${hash.digest('hex').slice(0, 8)}`;
const admin = new pg.Client({ connectionString: db.url });
await admin.connect();
for (const { datname } of KEEP_OTHERS
  ? []
  : (
      await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'dispatch\\_bench\\_sync\\_%' AND datname <> $1",
        [name],
      )
    ).rows)
  await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
const url = withDatabase(db.url, name);
if (!exists) {
  await admin.query(`CREATE DATABASE "${name}"`);
  console.log(`generating ${TOTAL_ORDERS.toLocaleString('en')} orders into ${name} …`);
  try {
    await generate(url, { orders: TOTAL_ORDERS, branches: 2, seed: 1, notifyDays: 60 });
  } catch (e) {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw e;
  }
} else {
  await migrate(url);
}
await admin.end();

const owner = new pg.Client({ connectionString: url });
await owner.connect();
// The generated history locks past settlement weeks; the pushed edits would all be refused (423) and the
// bench would time refusals. It measures accepted edits: every week is opened.
await owner.query("UPDATE settlement_periods SET status = 'OPEN', unlocked_at = now() WHERE status = 'LOCKED'");
const branch = (
  await owner.query<{ id: string; orders: number; lines: number; username: string }>(
    `SELECT b.id, count(o.*)::int AS orders,
            (SELECT count(*)::int FROM order_lines l JOIN orders o2 ON o2.id = l.order_id WHERE o2.branch_id = b.id) AS lines,
            (SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id
              WHERE u.branch_id = b.id AND r.role_code = 'BRANCH_MANAGER' ORDER BY u.username LIMIT 1) AS username
       FROM branches b JOIN orders o ON o.branch_id = b.id AND o.deleted_at IS NULL
      GROUP BY b.id ORDER BY count(o.*) DESC LIMIT 1`,
  )
).rows[0]!;
const otherBranch = (
  await owner.query<{ id: string }>('SELECT id FROM branches WHERE id <> $1 ORDER BY id LIMIT 1', [branch.id])
).rows[0]!.id;
await owner.end();

const server = await startServer({
  ownerUrl: url,
  appUrl: withUser(url, 'dispatch_app', appRolePassword()),
  migrate: false,
  port: 0,
  host: '127.0.0.1',
  logger: createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'),
  config: { throttle: { keyPrefix: `bench:${process.pid}` } },
});
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'bench-sync-'));
  dirs.push(d);
  return d;
};
const base = { SERVER_URL: server.url, USERNAME: branch.username, PASSWORD: DEMO_PASSWORD };
try {
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ` +
      `PostgreSQL ${db.embedded ? 'embedded' : 'DATABASE_URL'}`,
  );
  console.log(
    `branch: ${branch.orders.toLocaleString('en')} orders, ${branch.lines.toLocaleString('en')} lines; user ${branch.username}`,
  );

  let initialDir = '';
  const probe = new pg.Client({ connectionString: url });
  await probe.connect();
  const backends = async () =>
    (
      await probe.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).rows.map((r) => r.pid);
  for (const window of WINDOWS) {
    const dir = tmp();
    // the database's backends' CPU, sampled while the sync runs: a backend the pool closes meanwhile keeps its
    // last reading (at most one sample period of it is lost), one it opens counts from zero
    const pgFirst = processCpuMs(await backends());
    const pgLast = new Map(pgFirst);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [pid, ms] of processCpuMs(await backends())) pgLast.set(pid, ms);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const node0 = process.cpuUsage();
    const load0 = loadavg()[0]!;
    const initial = await runClient({
      ...base,
      DATA_DIR: dir,
      PHASE: 'initial',
      PAGE_SIZE: '5000',
      OTHER_BRANCH_WRITER_URL: url,
      OTHER_BRANCH_ID: otherBranch,
      ...(window ? { WINDOW: window } : {}),
      ...(INITIAL_ONLY ? { NOCHANGE_PULLS: '0' } : {}),
    });
    const node = process.cpuUsage(node0);
    sampling = false;
    await sampler;
    let pgMs = 0;
    for (const [pid, ms] of pgLast) pgMs += ms - (pgFirst.get(pid) ?? 0);
    if (window === undefined || !initialDir) initialDir = dir;
    console.log(
      `initial sync, ${window ? `window ${window} months` : 'whole scope'}: ${initial.rows!.toLocaleString('en')} rows ` +
        `(${initial.orders!.toLocaleString('en')} orders) in ${initial.seconds!.toFixed(1)} s: ` +
        `${Math.round(initial.rowsPerSecond!).toLocaleString('en')} rows/s; client peak RSS ${Math.round(initial.maxRssMB!)} MB ` +
        `(${initial.pages} pages; ${initial.applySeconds!.toFixed(1)} s of it writing SQLite); CPU: client ` +
        `${initial.clientCpuSeconds!.toFixed(1)} s, head office ${((node.user + node.system) / 1e6).toFixed(1)} s, ` +
        `PostgreSQL ${(pgMs / 1000).toFixed(1)} s (incl. the no-change pulls below); load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    );
    if (!INITIAL_ONLY) {
      console.log(
        `no-change pull: p50 ${initial.noChangeP50!.toFixed(1)} ms, p95 ${initial.noChangeP95!.toFixed(1)} ms ` +
          `(the request alone, without saving the cursor: p50 ${initial.requestP50!.toFixed(1)} ms, p95 ${initial.requestP95!.toFixed(1)} ms)`,
      );
      console.log(
        `no-change pull while the other branch writes (one order edited before each pull): p50 ${initial.busyNoChangeP50!.toFixed(1)} ms, ` +
          `p95 ${initial.busyNoChangeP95!.toFixed(1)} ms (${initial.busyChanges} changes delivered)`,
      );
    }
  }
  if (!INITIAL_ONLY) {
    // push clients start from a copy of the synced database (their own first sync is then only the delta)
    const synced = () => {
      const d = tmp();
      copyFileSync(join(initialDir, 'bench.sqlite'), join(d, 'bench.sqlite'));
      return d;
    };

    // CPU of the push itself (from the client's first push to its last answer): the client process, the head
    // office (this process) and PostgreSQL (the bench database's backends, sampled from /proc while it runs)
    const pgPush0 = processCpuMs(await backends());
    const pgPushLast = new Map(pgPush0);
    let pushSampling = true;
    const pushSampler = (async () => {
      while (pushSampling) {
        for (const [pid, ms] of processCpuMs(await backends())) pgPushLast.set(pid, ms);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const pushNode0 = process.cpuUsage();
    const pushLoad0 = loadavg()[0]!;
    const one = await runClient({ ...base, DATA_DIR: synced(), PHASE: 'push', PUSH_OPS: '2000', TAG: 'one' });
    const pushNode = process.cpuUsage(pushNode0);
    pushSampling = false;
    await pushSampler;
    let pgPushMs = 0;
    for (const [pid, ms] of pgPushLast) pgPushMs += ms - (pgPush0.get(pid) ?? 0);
    console.log(
      `push, one client: ${one.ops} ops in ${one.seconds!.toFixed(1)} s: ${Math.round(one.opsPerSecond!)} ops/s; ` +
        `CPU per op (incl. the client's start-up sync and the pull after the push): client ${((one.pushCpuSeconds! * 1000) / one.ops!).toFixed(2)} ms ` +
        `(${((one.clientCpuSeconds! * 1000) / one.ops!).toFixed(2)} ms with its start), head office ${((pushNode.user + pushNode.system) / 1000 / one.ops!).toFixed(2)} ms, ` +
        `PostgreSQL ${(pgPushMs / one.ops!).toFixed(2)} ms; load average ${pushLoad0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    );

    const t0 = performance.now();
    const four = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        runClient({
          ...base,
          DATA_DIR: synced(),
          PHASE: 'push',
          PUSH_OPS: '1000',
          OFFSET: String(2000 + i * 1000),
          TAG: `four${i}`,
        }),
      ),
    );
    // each client edits its own 1,000 orders
    const ops = four.reduce((n, r) => n + r.ops!, 0);
    const pushSeconds = Math.max(...four.map((r) => r.seconds!));
    console.log(
      `push, four clients at once: ${ops} ops in ${pushSeconds.toFixed(1)} s: ${Math.round(ops / pushSeconds)} ops/s ` +
        `(wall ${((performance.now() - t0) / 1000).toFixed(1)} s incl. their start and first sync)`,
    );
  }
  await probe.end();
} finally {
  await server.stop();
  await db.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
