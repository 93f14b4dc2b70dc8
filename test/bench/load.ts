// npm run bench:load [-- --orders N] [--seed S] [--duration S] [--clients C] [--idle-seconds S] [--idle-only] [--rounds R]
//                    [--plain-pulls] [--memory-only]
//
// Throughput of the head office under autocannon, with the server in its own process (so its CPU, and that of
// its PostgreSQL backends, can be read from /proc apart from the load generator's):
//   1. FR-03 (the assignment list), then FR-11 (notifications) and FR-16 (customer history by phone; --fr03-only
//      leaves them out), each with 32 requests in flight: req/s, p50 / p99, CPU per request of the server and of
//      its backends, and req/s per core;
//   2. C idle branch clients (default 1,000) polling GET /api/sync/changes every 30 s with an up-to-date cursor
//      while another branch writes (one order edit per second), each pull as the client engine sends it: with
//      the window (`window=3`, the default setting) and, every other pull, the outbox report (main/sync/engine.ts
//      reports an unchanged outbox once a minute; --plain-pulls: neither, as rounds 4–5 measured) — the CPU they
//      cost, the reports stored, and how many such clients
//      one instance would carry at 50 % of one core. Run as the server answers (up-to-date clients from memory,
//      server/sync/sync.marks.ts), with that switched off (SYNC_MARKS_POLL_MS=0: every pull a transaction, the
//      scope-note shortcut of migration 0091), and with the shortcut switched off too (every pull probes the 17
//      tables); --rounds R repeats the first two, interleaved, R times. --idle-only leaves out part 1.
// BENCH_DATASET_URL=url: a data set loaded already (e.g. a copy of another's), used as it is.
// Uses the bench:api data set (DATABASE_URL's server or the embedded cluster; generated if missing).
// BENCH_PROF=dir writes a CPU profile of the server process (node --cpu-prof) for each phase into dir.
// BENCH_SERVER_DIR=dir runs the server of another checkout (e.g. `git archive main`, with node_modules), for
// before/after runs in the same minutes; --no-probe leaves out the idle phase with the shortcut switched off,
// --no-idle the idle phase altogether. BENCH_DATABASE=name runs on an existing database of that name (a copy of
// the data set: a "before" server refuses a database migrated past its code).
// FR-03 runs with the order list's cache (server/orders/order-list-cache.ts) and without it (ORDER_LIST_CACHE=0,
// "uncached"), each in its own server process, while one order of a measured branch is edited per second through
// the API (PATCH /api/orders/:id, so the cache is invalidated as in service): the hit ratio (X-Cache) is printed
// beside each. --fr03-writes N: N edits a second instead, over every branch in turn. --fr03-rounds R repeats the pair, interleaved. With REDIS_URL the server uses Redis, whose CPU (the
// whole redis-server's, from INFO: other clients' included) is printed apart.
// Prints; asserts nothing. See docs/performance.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startDatabase, withDatabase } from '../../db/pg/embedded.js';
import { SYNC_ENTITIES } from '../../domain/sync-protocol.js';
import type { Actor } from '../../server/http/context.js';
import { encodeCursor, scopeFingerprint } from '../../server/sync/sync.cursor.js';
import { windowStart } from '../../server/sync/sync.repository.js';
import { ensureDataset } from './dataset.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const ORDERS = arg('orders', 1_000_000);
const DURATION = arg('duration', 15);
const CLIENTS = arg('clients', 1_000);
const IDLE_SECONDS = arg('idle-seconds', 40);
const POLL_SECONDS = 30;
const NO_PROBE = process.argv.includes('--no-probe');
const ONLY_FR03 = process.argv.includes('--fr03-only');
const NO_IDLE = process.argv.includes('--no-idle');
const IDLE_ONLY = process.argv.includes('--idle-only');
const ROUNDS = arg('rounds', 1);
const FR03_ROUNDS = arg('fr03-rounds', 1);
/** order edits a second during FR-03; above 1, spread over the branches in turn (each by its manager) */
const FR03_WRITES = arg('fr03-writes', 1);
const PLAIN = process.argv.includes('--plain-pulls');
// only the memory path (e.g. at 20,000 clients, where the database path would want more than the machine has)
const MEMORY_ONLY = process.argv.includes('--memory-only');
const WINDOW_MONTHS = 3;
const SERVER_DIR = process.env.BENCH_SERVER_DIR;

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServerProcess(
  url: string,
  profDir: string | undefined,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const args = ['--import', 'tsx', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), 'server/main.ts'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    cwd: SERVER_DIR ?? process.cwd(),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return { child, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the server did not start');
}

async function stopServer(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function login(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'demo1234' }),
  });
  const body = (await res.json()) as { accessToken?: string };
  if (!body.accessToken) throw new Error(`login ${username}: ${res.status}`);
  return body.accessToken;
}

/** The CPU of the server process and of its PostgreSQL backends over fn(). */
async function measured<T>(owner: pg.Client, serverPid: number, fn: () => Promise<T>) {
  const backends = async () =>
    (
      await owner.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'dispatch-server'",
      )
    ).rows.map((r) => r.pid);
  const before = new Map<number, number>();
  for (const pid of await backends()) before.set(pid, cpuMs(pid));
  // the last reading of each backend: one that ends during the run (an idle pool connection closed) reads 0 after
  const last = new Map(before);
  const sample = async () => {
    for (const pid of await backends()) {
      const v = cpuMs(pid);
      if (v > 0) last.set(pid, v);
    }
  };
  const sampler = setInterval(() => void sample().catch(() => {}), 500);
  const node0 = cpuMs(serverPid);
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  clearInterval(sampler);
  await sample();
  let pgMs = 0;
  for (const [pid, v] of last) pgMs += v - (before.get(pid) ?? 0);
  return { result, wallMs, nodeMs: cpuMs(serverPid) - node0, pgMs };
}

async function main() {
  const db = await startDatabase();
  // BENCH_DATABASE=name (on DATABASE_URL's server) or BENCH_DATASET_URL=url: an existing copy of the data set (e.g.
  // one left at the migrations of the "before" server)
  const given = process.env.BENCH_DATASET_URL;
  const ds = given
    ? { url: given, name: new URL(given).pathname.slice(1) }
    : process.env.BENCH_DATABASE
      ? { url: withDatabase(db.url, process.env.BENCH_DATABASE), name: process.env.BENCH_DATABASE }
      : await ensureDataset(db.url, { orders: ORDERS, seed: arg('seed', 1), branches: 10 }, { log: console.log });
  const owner = new pg.Client({ connectionString: ds.url });
  await owner.connect();
  const profDir = process.env.BENCH_PROF;
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.versions.node}, ` +
      `${db.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}; data set ${ds.name}; server ${SERVER_DIR ?? process.cwd()}`,
  );
  const users = (
    await owner.query<{ id: string; username: string; branch_id: string; code: string }>(
      `SELECT DISTINCT ON (b.code) u.id, u.username, u.branch_id, b.code
         FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role_code = 'BRANCH_MANAGER'
         JOIN branches b ON b.id = u.branch_id
        WHERE u.is_active ORDER BY b.code, u.username`,
    )
  ).rows;
  const hq = (await owner.query<{ username: string }>("SELECT username FROM users WHERE username = 'hq'")).rows[0]!;

  // ---- 1. FR-03 (cached and uncached, with a writer), FR-11, FR-16 at 32 in flight ----
  if (!IDLE_ONLY) {
    const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined;
    const redisCpuMs = async () => {
      if (!redis) return 0;
      const info = await redis.info('cpu');
      const v = (k: string) => Number(info.match(new RegExp(`${k}:([0-9.]+)`))?.[1] ?? 0);
      return (v('used_cpu_sys') + v('used_cpu_user')) * 1000;
    };
    // the writer's orders: open orders of the first measured branch (its lists are among FR-03's), or of every
    // branch with --fr03-writes above 1
    const writerBranches = FR03_WRITES > 1 ? users : users.slice(0, 1);
    const writerOrders: { id: string; version: number; manager: string }[][] = [];
    for (const u of writerBranches)
      writerOrders.push(
        (
          await owner.query<{ id: string; version: string }>(
            `SELECT id, version FROM orders WHERE branch_id = $1 AND deleted_at IS NULL AND status = '미배정'
              ORDER BY created_at DESC LIMIT 50`,
            [u.branch_id],
          )
        ).rows.map((r) => ({ id: r.id, version: Number(r.version), manager: u.username })),
      );
    type Variant = 'cached' | 'uncached';
    const variants: Variant[] = [];
    for (let i = 0; i < FR03_ROUNDS; i++)
      variants.push(...(i % 2 ? (['uncached', 'cached'] as const) : (['cached', 'uncached'] as const)));
    for (const [vi, variant] of variants.entries()) {
      const others = vi === variants.length - 1 && !ONLY_FR03;
      const { child, base } = await startServerProcess(
        ds.url,
        profDir,
        variant === 'cached' ? {} : { ORDER_LIST_CACHE: '0' },
      );
      let writer: NodeJS.Timeout | undefined;
      try {
        const tokens = new Map<string, string>();
        for (const u of [...users.map((x) => x.username), hq.username]) tokens.set(u, await login(base, u));
        type Req = { method: 'GET'; path: string; headers: Record<string, string> };
        const auth = (user: string) => ({ authorization: `Bearer ${tokens.get(user)}`, 'accept-language': 'ko' });
        const statuses = ['미배정', '미배정', '미배정', '배정', '배정확정', '연기'];
        const fr03: Req[] = users.flatMap((u, i) =>
          statuses.map((s) => ({
            method: 'GET' as const,
            path: `/api/orders?${new URLSearchParams({ branchId: u.branch_id, status: s, sort: '-createdAt' })}`,
            headers: auth(i % 2 ? u.username : hq.username),
          })),
        );
        // FR-11: each manager's and HQ's notifications, all and unread
        const fr11: Req[] = [...users.map((u) => u.username), hq.username].flatMap((u) => [
          { method: 'GET' as const, path: '/api/notifications', headers: auth(u) },
          { method: 'GET' as const, path: '/api/notifications?status=UNREAD', headers: auth(u) },
        ]);
        // FR-16: 400 customers' phones, by HQ (a repeated phone is answered from the cache, as in service)
        const phones = (
          await owner.query<{ p: string }>(
            'SELECT DISTINCT customer_phone AS p FROM orders WHERE deleted_at IS NULL ORDER BY 1 LIMIT 400',
          )
        ).rows.map((r) => r.p);
        const fr16: Req[] = phones.map((p, i) => ({
          method: 'GET' as const,
          path: `/api/customers/history?${new URLSearchParams({ phone: p })}`,
          headers: auth(i % 2 ? users[i % users.length]!.username : hq.username),
        }));
        // FR03_WRITES orders edited a second through the API, each by its branch's manager: the cache hears it
        let edits = 0;
        let editFailures = 0;
        writer = setInterval(() => {
          const n = edits++;
          const branch = writerOrders[n % writerOrders.length]!;
          const o = branch[Math.floor(n / writerOrders.length) % branch.length];
          if (!o) return;
          fetch(`${base}/api/orders/${o.id}`, {
            method: 'PATCH',
            headers: { ...auth(o.manager), 'content-type': 'application/json' },
            body: JSON.stringify({ version: o.version, remarks: `bench:load ${edits}` }),
          })
            .then(async (r) => {
              const b = (await r.json()) as {
                version?: number;
                error?: { details?: { current?: { version?: number } } };
              };
              if (r.ok && b.version) o.version = b.version;
              else {
                editFailures++;
                const v = b.error?.details?.current?.version;
                if (v) o.version = v;
              }
            })
            .catch(() => editFailures++);
        }, 1000 / FR03_WRITES);
        let hits = 0;
        let answered = 0;
        const run = (requests: Req[], duration: number) => {
          let next = 0;
          return autocannon({
            url: base,
            connections: 32,
            duration,
            requests: [
              {
                setupRequest: (req) => {
                  const r = requests[next++ % requests.length]!;
                  return { ...req, ...r };
                },
                onResponse: (status, _body, _ctx, headers) => {
                  if (status !== 200) return;
                  answered++;
                  if (headers?.['x-cache'] === 'hit') hits++;
                },
              },
            ],
          });
        };
        const phases: [string, Req[]][] = [
          [`FR-03 ${variant === 'cached' ? 'with the order list cache' : 'uncached (ORDER_LIST_CACHE=0)'}`, fr03],
          ...(others
            ? ([
                ['FR-11', fr11],
                ['FR-16', fr16],
              ] as [string, Req[]][])
            : []),
        ];
        for (const [name, requests] of phases) {
          await run(requests, 3); // warm-up: plans, pools, JIT of the server's code
          hits = 0;
          answered = 0;
          const edits0 = edits;
          console.log(`\n${name} at 32 in flight, ${DURATION} s (load average ${load()})`);
          const redis0 = await redisCpuMs();
          const m = await measured(owner, child.pid!, () => run(requests, DURATION));
          const redisMs = (await redisCpuMs()) - redis0;
          const r = m.result;
          const cores = (m.nodeMs + m.pgMs) / m.wallMs;
          console.log(
            `  ${r.requests.average.toFixed(0)} req/s, latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
              `${r.non2xx} non-2xx, ${r.errors} errors`,
          );
          console.log(
            `  CPU: server ${(m.nodeMs / r.requests.total).toFixed(2)} ms + PostgreSQL ${(m.pgMs / r.requests.total).toFixed(2)} ms ` +
              `per request; ${cores.toFixed(2)} cores busy → ${(r.requests.average / cores).toFixed(0)} req/s per core ` +
              `(load average after ${load()})`,
          );
          if (name.startsWith('FR-03'))
            console.log(
              `  cache hits ${answered ? ((100 * hits) / answered).toFixed(1) : '0'} % of ${answered} answers; ` +
                `${edits - edits0} order edits in ${writerOrders.length} branch(es) meanwhile (${editFailures} refused so far)` +
                (redis ? `; Redis (the whole server) ${(redisMs / r.requests.total).toFixed(3)} ms per request` : ''),
            );
        }
      } finally {
        if (writer) clearInterval(writer);
        await stopServer(child);
      }
    }
    redis?.disconnect();
  }

  // ---- 2. idle clients polling every 30 s ----
  const polled = users.slice(0, -1);
  const writerBranch = users.at(-1)!.branch_id;
  const writable = (
    await owner.query<{ id: string }>(
      'SELECT id FROM orders WHERE branch_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 500',
      [writerBranch],
    )
  ).rows.map((r) => r.id);
  const horizonBefore = (await owner.query('SELECT pruned_up_to::text AS p FROM sync_scope_log_horizon')).rows[0].p;
  type Variant = 'memory' | 'database' | 'probe';
  const variants: Variant[] = [];
  for (let i = 0; i < (NO_IDLE ? 0 : ROUNDS); i++)
    variants.push(
      ...(MEMORY_ONLY
        ? (['memory'] as const)
        : i % 2
          ? (['database', 'memory'] as const)
          : (['memory', 'database'] as const)),
    );
  if (!NO_PROBE && !NO_IDLE) variants.push('probe');
  for (const variant of variants) {
    const shortcut = variant !== 'probe';
    if (!shortcut) {
      // every window reaches below the pruned notes: each pull probes as before 0091
      await owner.query("UPDATE sync_scope_log_horizon SET pruned_up_to = '9223372036854775807'");
    }
    const { child, base } = await startServerProcess(
      ds.url,
      profDir,
      variant === 'memory' ? {} : { SYNC_MARKS_POLL_MS: '0' },
    );
    try {
      const h = (await owner.query('SELECT sync_horizon()::text AS h')).rows[0].h as string;
      const clients: { path: string; token: string }[] = [];
      for (const u of polled) {
        const token = await login(base, u.username);
        const actor = { userId: u.id, role: 'BRANCH_MANAGER', branchId: u.branch_id, partnerId: null } as Actor;
        // a client after its windowed first sync (the cursor a completed run of a pull with `window` gives)
        const from = windowStart(WINDOW_MONTHS);
        const cursor = encodeCursor({
          v: 1,
          s: scopeFingerprint(actor),
          lo: h,
          hi: h,
          t: SYNC_ENTITIES.length + 2,
          x: null,
          k: null,
          ...(PLAIN ? {} : { m: WINDOW_MONTHS, w: from, e: null, p: 0 as const, u: null }),
        });
        clients.push({
          path: `/api/sync/changes?cursor=${cursor}&limit=500${PLAIN ? '' : `&window=${WINDOW_MONTHS}`}`,
          token,
        });
      }
      // per simulated client, its pulls: every other one carries its (unchanged) outbox report, as the engine
      // sends one when a minute has passed since the last
      const pulls = new Uint32Array(CLIENTS);
      const reportsFrom = new Date();
      let next = 0;
      let writes = 0;
      const writer = setInterval(() => {
        const id = writable[writes++ % writable.length];
        owner.query('UPDATE orders SET remarks = $2 WHERE id = $1', [id, `bench:load ${writes}`]).catch(() => {});
      }, 1000);
      const rate = CLIENTS / POLL_SECONDS;
      console.log(
        `\n${CLIENTS} idle clients (${polled.length} branch managers' cursors) polling every ${POLL_SECONDS} s = ` +
          `${rate.toFixed(1)} pulls/s for ${IDLE_SECONDS} s, another branch writing 1 order/s; ` +
          `${PLAIN ? 'plain pulls (no window, no report); ' : `window ${WINDOW_MONTHS} months, a report every other pull; `}` +
          `${variant === 'memory' ? 'answered from memory (sync.marks.ts)' : variant === 'database' ? 'database path, scope-note shortcut (SYNC_MARKS_POLL_MS=0)' : 'database path, shortcut OFF (every pull probes)'} ` +
          `(load average ${load()})`,
      );
      const poll = (duration: number) =>
        autocannon({
          url: base,
          connections: 50,
          overallRate: rate,
          duration,
          requests: [
            {
              setupRequest: (req) => {
                const j = next++ % CLIENTS;
                const c = clients[j % clients.length]!;
                const report = !PLAIN && pulls[j]!++ % 2 === 0;
                const path = report ? `${c.path}&clientId=bench-${j}&pending=0&conflicts=0&failed=0` : c.path;
                return { ...req, method: 'GET', path, headers: { authorization: `Bearer ${c.token}` } };
              },
            },
          ],
        });
      await poll(5); // warm-up: the server's modules load and its plans are made on first use
      // what the instance costs with no pull at all (timers, job queue polls, the marks' background poll, the
      // writer's notes), over 10 s: at a few pulls a second it is a good part of the figure per pull
      const idle = await measured(owner, child.pid!, () => new Promise((r) => setTimeout(r, 10_000)));
      const m = await measured(owner, child.pid!, () => poll(IDLE_SECONDS));
      clearInterval(writer);
      const r = m.result;
      const baseNode = (idle.nodeMs / idle.wallMs) * m.wallMs;
      const basePg = (idle.pgMs / idle.wallMs) * m.wallMs;
      console.log(
        `  no pulls (10 s): server ${((idle.nodeMs / idle.wallMs) * 1000).toFixed(0)} ms/s + PostgreSQL ` +
          `${((idle.pgMs / idle.wallMs) * 1000).toFixed(0)} ms/s; per pull net of that: server ` +
          `${((m.nodeMs - baseNode) / r.requests.total).toFixed(2)} ms + PostgreSQL ${((m.pgMs - basePg) / r.requests.total).toFixed(2)} ms`,
      );
      const cores = (m.nodeMs + m.pgMs) / m.wallMs;
      console.log(
        `  ${r.requests.total} pulls, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.non2xx} non-2xx; ` +
          `CPU per pull: server ${(m.nodeMs / r.requests.total).toFixed(2)} ms + PostgreSQL ${(m.pgMs / r.requests.total).toFixed(2)} ms`,
      );
      if (!PLAIN) {
        await new Promise((r) => setTimeout(r, 1500)); // the last second's reports, written batched
        const stored = await owner.query<{ n: number; reports: number }>(
          "SELECT count(*)::int AS n FROM sync_client_outbox WHERE client_id LIKE 'bench-%' AND reported_at >= $1",
          [reportsFrom],
        );
        const sent = [...pulls].reduce((a, n) => a + Math.ceil(n / 2), 0);
        console.log(
          `  outbox reports: ${sent} sent (every other pull), ${stored.rows[0]!.n} clients' rows written since the phase began`,
        );
      }
      console.log(
        `  ${CLIENTS} idle clients cost ${(cores * 100).toFixed(1)} % of a core → one instance carries ` +
          `≈ ${Math.round((CLIENTS * 0.5) / cores).toLocaleString('en')} at 50 % of a core (load average after ${load()})`,
      );
    } finally {
      await stopServer(child);
      if (!shortcut) await owner.query('UPDATE sync_scope_log_horizon SET pruned_up_to = $1', [horizonBefore]);
    }
  }
  await owner.end();
  await db.stop();
}

await main();
