// npm run bench:api [-- --orders N] [--seed S] [--branches B] [--requests R] [--concurrency C] [--warmup W]
//                    [--only FR-03,FR-08] [--fresh] [--no-explain] [--dataset NAME]
//
// Measures the head office's FR endpoints against the seed's target latencies (schema-seed.md, "성능 개선
// 기대효과") through HTTP on a generated data set: a scratch database on DATABASE_URL's server (or the embedded
// cluster) holding N orders, reused by later runs with the same N, seed and branches. The real server runs in
// this process (startServer) as dispatch_app under row-level security; users of each role log in. Per endpoint:
// warm-up, R sequential requests with varied parameters, then the same R with C in flight; p50/p95/p99 and their
// ratio to the target; the SQL time node-pg saw per request; and one representative request's statements
// replayed under EXPLAIN (ANALYZE, BUFFERS) — the generic plan the server gets, the custom plan for the same
// values, and the same statement without row-level security — so a slow endpoint shows whether its time is in
// planning, execution, RLS or Node. It prints; it asserts nothing. See docs/performance.md.
//
// --dataset NAME runs on that database of the same server instead, a finished data set of the bench (its comment
// carries the mark) under another name: a copy of a kept data set that a branch's migrations may be applied to
// without changing the data set others measure (the kept ones must not get migrations other branches lack).
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { appRolePassword, migrate } from '../../db/migrate.js';
import { startDatabase, withUser } from '../../db/pg/embedded.js';
import type { Cache } from '../../server/cache/index.js';
import { createLogger } from '../../server/logger.js';
import { type RunningServer, startServer } from '../../server/start.js';
import { type RecordedStatement, SqlProbe } from '../support/sql-probe.js';
import { describeVisibility, visibility } from '../support/visibility.js';
import { type Dataset, ensureDataset, openDataset } from './dataset.js';
import { describePlan, explain, type PlanSummary } from './explain.js';

// ---- options ----

interface Options {
  orders: number;
  seed: number;
  branches: number;
  requests: number;
  concurrency: number;
  warmup: number;
  only: string[] | null;
  fresh: boolean;
  explain: boolean;
  dataset: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    orders: 1_000_000,
    seed: 1,
    branches: 10,
    requests: 200,
    concurrency: 8,
    warmup: 20,
    only: null,
    fresh: false,
    explain: true,
    dataset: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (min: number) => {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) throw new Error(`${a} needs an integer ≥ ${min}`);
      return Number(v);
    };
    if (a === '--orders') o.orders = int(1);
    else if (a === '--seed') o.seed = int(0);
    else if (a === '--branches') o.branches = int(2);
    else if (a === '--requests') o.requests = int(1);
    else if (a === '--concurrency') o.concurrency = int(1);
    else if (a === '--warmup') o.warmup = int(0);
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',').map((s) => s.trim().toUpperCase());
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--no-explain') o.explain = false;
    else if (a === '--dataset') {
      const v = argv[++i];
      if (!v || !/^[a-z0-9_]+$/.test(v)) throw new Error(`${a} needs a database name ([a-z0-9_]+)`);
      o.dataset = v;
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

// ---- the data the requests are drawn from ----

interface Login {
  username: string;
  role: string;
  branchId: string | null;
  partnerId: string | null;
}

interface World {
  today: string;
  branches: { id: string; code: string }[];
  hq: Login;
  managers: Map<string, Login>; // by branch id
  coordinators: Login[];
  names: string[];
  phones: string[];
  notified: Login[];
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function readWorld(ds: Dataset): Promise<World> {
  const c = new pg.Client({ connectionString: ds.url });
  await c.connect();
  try {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date(ds.info.now));
    const branches = (await c.query('SELECT id, code FROM branches ORDER BY code')).rows;
    const logins = (
      await c.query<Login>(
        `SELECT u.username, r.role_code AS role, u.branch_id AS "branchId", u.partner_id AS "partnerId"
           FROM users u JOIN user_roles r ON r.user_id = u.id
          WHERE u.is_active ORDER BY u.username`,
      )
    ).rows;
    for (const l of logins) roleOf.set(l.username, l.role);
    const managers = new Map<string, Login>();
    for (const l of logins) {
      if (l.role === 'BRANCH_MANAGER' && l.username.startsWith('mgr.') && l.branchId) managers.set(l.branchId, l);
    }
    // Deterministic samples: the same data set gives the same customers and users on every run.
    const customers = (
      await c.query(
        `SELECT customer_name, customer_phone FROM orders WHERE deleted_at IS NULL
          ORDER BY md5(order_no) LIMIT 200`,
      )
    ).rows;
    const notified = (
      await c.query<Login>(
        `SELECT u.username, r.role_code AS role, u.branch_id AS "branchId", u.partner_id AS "partnerId"
           FROM (SELECT user_id, count(*) FROM notifications GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 40) n
           JOIN users u ON u.id = n.user_id JOIN user_roles r ON r.user_id = u.id
          WHERE u.is_active ORDER BY md5(u.username) LIMIT 12`,
      )
    ).rows;
    return {
      today,
      branches,
      hq: logins.find((l) => l.username === 'hq')!,
      managers,
      coordinators: logins.filter((l) => l.role === 'PARTNER_COORDINATOR'),
      names: customers.slice(0, 100).map((r) => r.customer_name),
      phones: customers.slice(100).map((r) => r.customer_phone),
      notified,
    };
  } finally {
    await c.end();
  }
}

// ---- the endpoints and their requests ----

interface Call {
  user: string;
  path: string;
}

/** role of each login, for the per-role breakdown */
const roleOf = new Map<string, string>();

interface Endpoint {
  id: string;
  title: string;
  targetMs: number;
  /** the request i of a run (i ≥ 0); varied over branches, statuses, customers, users */
  call: (i: number) => Call;
  /** informational rows have no target of their own */
  info?: boolean;
}

const ASSIGNMENT_STATUSES = ['미배정', '미배정', '미배정', '배정', '배정확정', '연기'];

function endpoints(w: World): Endpoint[] {
  const B = w.branches.length;
  const manager = (branchId: string) => w.managers.get(branchId)?.username ?? w.hq.username;
  const q = (params: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  // a 30-day window ending up to 60 days before the data's today, or the 7 days up to today
  const range = (i: number) => {
    const end = addDays(w.today, -((i * 7) % 61));
    const days = [30, 31, 7, 30][i % 4]!;
    return { from: addDays(end, -(days - 1)), to: end };
  };
  return [
    {
      id: 'FR-03',
      title: '배정 리스트 GET /api/orders?branchId&status&sort=-createdAt',
      targetMs: 50,
      call: (i) => {
        const b = w.branches[i % B]!;
        const status = ASSIGNMENT_STATUSES[Math.floor(i / B) % ASSIGNMENT_STATUSES.length]!;
        const user = i % 2 === 0 ? w.hq.username : manager(b.id);
        return { user, path: `/api/orders?${q({ branchId: b.id, status, sort: '-createdAt' })}` };
      },
    },
    {
      id: 'FR-08',
      title: '진행 현황 GET /api/dashboard/progress?branchId&from&to',
      targetMs: 80,
      call: (i) => {
        const b = w.branches[i % B]!;
        const r = range(i);
        // HQ names a branch, a manager gets its own, a coordinator sees its partner's orders (RLS)
        if (i % 3 === 0) return { user: w.hq.username, path: `/api/dashboard/progress?${q({ branchId: b.id, ...r })}` };
        if (i % 3 === 1) return { user: manager(b.id), path: `/api/dashboard/progress?${q(r)}` };
        const coord = w.coordinators[i % w.coordinators.length]!;
        return { user: coord.username, path: `/api/dashboard/progress?${q(r)}` };
      },
    },
    {
      id: 'FR-16',
      title: '고객 이력 GET /api/customers/history?name|phone',
      targetMs: 120,
      call: (i) => {
        const byName = i % 2 === 0;
        const value = byName ? w.names[(i >> 1) % w.names.length]! : w.phones[(i >> 1) % w.phones.length]!;
        const user = i % 4 < 2 ? w.hq.username : manager(w.branches[i % B]!.id);
        return { user, path: `/api/customers/history?${q(byName ? { name: value } : { phone: value })}` };
      },
    },
    {
      id: 'FR-07',
      title: '폐가전 집계 GET /api/waste/summary?from&to[&branchId]',
      targetMs: 60,
      call: (i) => {
        const b = w.branches[i % B]!;
        const r = range(i);
        const groupBy = ['code', 'code', 'day', 'partner'][i % 4]!;
        if (i % 3 === 0) return { user: w.hq.username, path: `/api/waste/summary?${q({ ...r, groupBy })}` };
        if (i % 3 === 1) return { user: manager(b.id), path: `/api/waste/summary?${q({ ...r, groupBy })}` };
        const coord = w.coordinators[i % w.coordinators.length]!;
        return { user: coord.username, path: `/api/waste/summary?${q({ ...r, groupBy })}` };
      },
    },
    {
      id: 'FR-11',
      title: '알림 GET /api/notifications[?status=UNREAD]',
      targetMs: 30,
      call: (i) => {
        const u = w.notified[i % w.notified.length]!;
        return { user: u.username, path: `/api/notifications?${q({ status: i % 2 === 0 ? 'UNREAD' : undefined })}` };
      },
    },
  ];
}

// ---- HTTP ----

class Client {
  private tokens = new Map<string, string>();
  constructor(private readonly base: string) {}

  async login(username: string): Promise<void> {
    if (this.tokens.has(username)) return;
    const res = await fetch(`${this.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'demo1234' }),
    });
    const body = (await res.json()) as { accessToken?: string };
    if (res.status !== 200 || !body.accessToken) throw new Error(`login ${username}: ${res.status}`);
    this.tokens.set(username, body.accessToken);
  }

  /** One request; ms is until the whole body has arrived. */
  async get(c: Call): Promise<{ status: number; ms: number; bytes: number; body: string }> {
    const t0 = performance.now();
    const res = await fetch(`${this.base}${c.path}`, {
      headers: { authorization: `Bearer ${this.tokens.get(c.user)}`, 'accept-language': 'ko' },
    });
    const body = await res.text();
    return { status: res.status, ms: performance.now() - t0, bytes: body.length, body };
  }
}

// ---- CPU time: what a request costs, whatever else the machine is doing ----

interface CpuMark {
  nodeMs: number;
  pg: Map<number, number>;
}

function cpuNow(probe: SqlProbe): CpuMark {
  const node = process.cpuUsage();
  return { nodeMs: (node.user + node.system) / 1000, pg: probe.backendCpuMs() };
}

/**
 * CPU spent between two marks: every backend that served the pool meanwhile, including one it opened (counted
 * from its start), one it opened before the probe attached (from when it was first handed out), and one it
 * closed (up to its end); see SqlProbe.backendCpuMs.
 */
function cpuSince(a: CpuMark, b: CpuMark): { nodeMs: number; pgMs: number } {
  let pgMs = 0;
  for (const [pid, ms] of b.pg) pgMs += ms - (a.pg.get(pid) ?? 0);
  return { nodeMs: b.nodeMs - a.nodeMs, pgMs };
}

// ---- statistics ----

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

interface RunStats {
  n: number;
  errors: number;
  firstError?: string;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  sqlMs?: number; // median per request of the statements' time (sequential run only)
  /** CPU per request (sequential run only): this process (server and client) and the PostgreSQL backends */
  cpu?: { nodeMs: number; pgMs: number };
  byRole?: Map<string, number[]>;
  statements?: number;
  bytes: number;
  seconds: number;
}

function stats(times: number[], extra: Omit<RunStats, 'n' | 'p50' | 'p95' | 'p99' | 'max' | 'mean'>): RunStats {
  const s = [...times].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: quantile(s, 0.5),
    p95: quantile(s, 0.95),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? Number.NaN,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    ...extra,
  };
}

const f1 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(1));

// ---- runs ----

/**
 * With `cold`, the server's cache (FR-08 and FR-16 answers are cached) is invalidated before every request, as a
 * write to the branch would, so each request runs its SQL; without it, answers repeat as the calls do.
 */
async function sequential(
  http: Client,
  probe: SqlProbe,
  ep: Endpoint,
  n: number,
  cold: Cache | undefined,
  offset = 0,
): Promise<RunStats> {
  const times: number[] = [];
  const sql: number[] = [];
  const stmts: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let bytes = 0;
  const byRole = new Map<string, number[]>();
  const cpu0 = cpuNow(probe);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await cold?.invalidate(['*']);
    probe.reset();
    // the run with the cache repeats 20 calls, as users reopening the same screens would
    const call = ep.call(cold ? i + offset : offset + (i % 20));
    const r = await http.get(call);
    times.push(r.ms);
    const role = roleOf.get(call.user) ?? '?';
    byRole.set(role, [...(byRole.get(role) ?? []), r.ms]);
    sql.push(probe.totalMs);
    stmts.push(probe.statements);
    bytes += r.bytes;
    if (r.status !== 200) {
      errors++;
      firstError ??= `${r.status} ${r.body.slice(0, 200)}`;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0, cpuNow(probe));
  const sortedSql = [...sql].sort((a, b) => a - b);
  return stats(times, {
    cpu: { nodeMs: cpu.nodeMs / n, pgMs: cpu.pgMs / n },
    errors,
    firstError,
    byRole,
    sqlMs: quantile(sortedSql, 0.5),
    statements: quantile(
      [...stmts].sort((a, b) => a - b),
      0.5,
    ),
    bytes: bytes / n,
    seconds,
  });
}

async function concurrent(
  http: Client,
  ep: Endpoint,
  n: number,
  inFlight: number,
  cold: Cache | undefined,
): Promise<RunStats> {
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let bytes = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      await cold?.invalidate(['*']);
      // offset so the concurrent run does not replay the sequential run's exact order
      const r = await http.get(ep.call(i + 1000));
      times.push(r.ms);
      bytes += r.bytes;
      if (r.status !== 200) {
        errors++;
        firstError ??= `${r.status} ${r.body.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return stats(times, { errors, firstError, bytes: bytes / n, seconds: (performance.now() - t0) / 1000 });
}

// ---- EXPLAIN of one representative request ----

interface ExplainedRequest {
  call: Call;
  role: string;
  statements: StatementReport[];
}

interface StatementReport {
  sql: string;
  named: boolean;
  genericApp: PlanSummary;
  customApp: PlanSummary;
  genericOwner: PlanSummary;
}

// the context is sent with BEGIN in one message, and the cache_touched read with COMMIT (server/db/transaction.ts)
const isContextStatement = (s: RecordedStatement) =>
  /^\s*(BEGIN;\s*)?SELECT (set_config|app_enter_request)\(/i.test(s.text);
const isReplayable = (s: RecordedStatement) =>
  /^\s*(SELECT|WITH)\b/i.test(s.text) && !isContextStatement(s) && !/;\s*COMMIT\s*$/i.test(s.text);

/**
 * Replays the statements of one request: as dispatch_app with the request's context (generic plan as the
 * server gets it, and the custom plan for the same values), and as the owner, a superuser that row-level
 * security does not filter (generic plan), in transactions that are rolled back.
 */
async function explainRequest(
  server: RunningServer,
  ownerUrl: string,
  recorded: RecordedStatement[],
): Promise<StatementReport[]> {
  const context = recorded.find(isContextStatement);
  const statements = recorded.filter(isReplayable);
  const app = await server.pool.connect();
  const owner = new pg.Client({ connectionString: ownerUrl, options: '-c plan_cache_mode=force_generic_plan' });
  await owner.connect();
  const out: StatementReport[] = [];
  try {
    for (const st of statements) {
      await app.query('BEGIN');
      try {
        if (context) await app.query({ text: context.text.replace(/^\s*BEGIN;\s*/i, ''), values: context.values });
        const genericApp = await explain(app, st, 'generic');
        const customApp = await explain(app, st, 'custom');
        out.push({ sql: st.text, named: !!st.name, genericApp, customApp, genericOwner: genericApp });
      } finally {
        await app.query('ROLLBACK');
      }
      await owner.query('BEGIN');
      try {
        out[out.length - 1]!.genericOwner = await explain(owner, st, 'generic');
      } finally {
        await owner.query('ROLLBACK');
      }
    }
  } finally {
    app.release();
    await owner.end();
  }
  return out;
}

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

// ---- main ----

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (l: string) => console.log(l);
  const db = await startDatabase();
  let server: RunningServer | undefined;
  try {
    const start = (url: string) =>
      startServer({
        ownerUrl: url,
        appUrl: withUser(url, 'dispatch_app', appRolePassword()),
        port: 0,
        host: '127.0.0.1',
        logger: createLogger('silent'),
        config: { jwtSecret: randomBytes(32).toString('base64url'), accessTokenTtlSeconds: 3600 },
      });
    const ds = opts.dataset
      ? await openDataset(db.url, opts.dataset, log)
      : await ensureDataset(db.url, opts, { fresh: opts.fresh, log });
    try {
      // new migrations apply to the kept data set (that is how a fix's migration gets measured) ...
      server = await start(ds.url);
    } catch (err) {
      // ... unless one sorts before a migration the data set already has (node-pg-migrate checks the order): two
      // branches' migrations merged after the set ran one of them. Loading 10M orders again takes an hour (it was
      // dropped so once); the pending ones are applied out of order instead, and said so.
      if (!/is preceding already run migration/.test(String(err))) throw err;
      log(
        `the data set's migrations do not precede the current ones (${(err as Error).message}): applying the pending ones out of order`,
      );
      const applied = await migrate(ds.url, { outOfOrder: true });
      log(`applied out of order: ${applied.join(', ')}`);
      server = await start(ds.url);
    }
    const probe = new SqlProbe();
    probe.attach(server.pool);
    const w = await readWorld(ds);
    const http = new Client(server.url);

    const pgVersion = (await server.pool.query('SHOW server_version')).rows[0].server_version;
    console.log(
      `\nmachine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
        `Node ${process.versions.node}, PostgreSQL ${pgVersion} (${db.embedded ? 'embedded' : 'DATABASE_URL'})`,
    );
    console.log(
      `data set: ${ds.name}: ${ds.info.orders.toLocaleString('en')} orders, seed ${ds.info.seed}, ${ds.info.branches} ` +
        `branches, ${ds.info.totalRows.toLocaleString('en')} rows, generated ${ds.info.now}`,
    );
    console.log(`all-visible: ${describeVisibility(await visibility(ds.url))}`);
    console.log(
      `runs: ${opts.warmup} warm-up, ${opts.requests} sequential and ${opts.requests} with ${opts.concurrency} in ` +
        `flight with the cache invalidated before each request, ${opts.requests} sequential repeating 20 calls ` +
        'with the cache as it comes\n',
    );

    const cache = server.app.locals.cache as Cache;
    const results: Result[] = [];
    for (const ep of endpoints(w)) {
      if (opts.only && !opts.only.includes(ep.id)) continue;
      const users = new Set<string>();
      for (let i = 0; i < Math.max(opts.requests, 50); i++) users.add(ep.call(i).user);
      for (let i = 1000; i < 1000 + opts.requests; i++) users.add(ep.call(i).user);
      for (const u of users) await http.login(u);
      // an endpoint that has not landed on this branch yet answers 404 for its route
      // (without a token a route that exists answers 401, one that does not 404)
      if ((await fetch(`${server.url}${ep.call(0).path}`)).status === 404) {
        console.log(`${ep.id} ${ep.title}: not on this branch (404), skipped\n`);
        continue;
      }
      for (let i = 0; i < opts.warmup; i++) await http.get(ep.call(i + 5000));
      const load0 = loadavg()[0]!;
      const seq = await sequential(http, probe, ep, opts.requests, cache);
      const conc = await concurrent(http, ep, opts.requests, opts.concurrency, cache);
      const before = cache.stats();
      const warm = await sequential(http, probe, ep, opts.requests, undefined, 2000);
      const after = cache.stats();
      const hits = after.hits - before.hits;
      const load1 = loadavg()[0]!;
      const plans: ExplainedRequest[] = [];
      // the first request of each role (the calls cycle through them)
      const seen = new Set<string>();
      for (let i = 0; opts.explain && i < 12; i++) {
        const call = ep.call(i);
        const role = roleOf.get(call.user) ?? '?';
        if (seen.has(role)) continue;
        seen.add(role);
        await cache.invalidate(['*']);
        probe.record();
        await http.get(call);
        plans.push({ call, role, statements: await explainRequest(server, ds.url, probe.stopRecording()) });
      }
      results.push({ ep, seq, conc, warm, hits, load: [load0, load1] });
      printEndpoint(ep, seq, conc, warm, hits, [load0, load1], plans);
    }
    printSummary(results);
  } finally {
    await server?.stop();
    await db.stop();
  }
}

interface Result {
  ep: Endpoint;
  seq: RunStats;
  conc: RunStats;
  warm: RunStats;
  hits: number;
  load: [number, number];
}

function printEndpoint(
  ep: Endpoint,
  seq: RunStats,
  conc: RunStats,
  warm: RunStats,
  hits: number,
  load: [number, number],
  plans: ExplainedRequest[],
) {
  console.log(
    `${ep.id} ${ep.title} — target ${ep.targetMs} ms (load average ${load[0].toFixed(1)} → ${load[1].toFixed(1)})`,
  );
  const row = (label: string, s: RunStats) =>
    `  ${label.padEnd(14)} p50 ${f1(s.p50).padStart(7)}  p95 ${f1(s.p95).padStart(7)}  p99 ${f1(s.p99).padStart(7)}` +
    `  max ${f1(s.max).padStart(7)} ms  p95/target ${(s.p95 / ep.targetMs).toFixed(2)}` +
    `  ${(s.n / s.seconds).toFixed(0)} req/s, ${(s.bytes / 1024).toFixed(1)} KiB` +
    (s.errors ? `  ERRORS ${s.errors}: ${s.firstError}` : '');
  console.log(row('sequential', seq));
  console.log(row('concurrent', conc));
  console.log(`${row('20 repeated', warm)}  (${hits} of ${warm.n} answered by the cache)`);
  const roles = [...(seq.byRole ?? [])].map(([role, t]) => {
    const s = [...t].sort((a, b) => a - b);
    return `${role} p50 ${f1(quantile(s, 0.5))} p95 ${f1(quantile(s, 0.95))} (${s.length})`;
  });
  console.log(`  sequential by role: ${roles.join(' · ')}`);
  if (seq.cpu) {
    console.log(
      `  CPU per request (sequential): ${f1(seq.cpu.pgMs)} ms PostgreSQL + ${f1(seq.cpu.nodeMs)} ms Node (server ` +
        'and this client) — what the request costs whatever else the machine runs',
    );
  }
  console.log(
    `  per request (sequential, median): ${f1(seq.sqlMs)} ms in ${seq.statements} SQL round trips ` +
      `(node-pg's view), ${f1(seq.p50 - (seq.sqlMs ?? 0))} ms outside SQL (HTTP, auth, Node, JSON)`,
  );
  for (const r of plans) {
    console.log(`  EXPLAIN of ${r.role} ${decodeURIComponent(r.call.path)}`);
    // the cache was invalidated before it: a request that sent no statement the probe saw is the probe's fault
    if (!r.statements.length) console.log('    NO SQL STATEMENT RECORDED for this request: nothing to replay');
    for (const p of r.statements) printStatement(p);
  }
  const parallel = plans.flatMap((r) => r.statements).reduce((n, p) => n + p.genericApp.workersLaunched, 0);
  if (parallel) {
    console.log(
      `  NOTE: the plans above launched ${parallel} parallel workers: processes of their own whose CPU is not in ` +
        "the PostgreSQL CPU per request (only the pool's backends are read)",
    );
  }
  console.log('');
}

function printStatement(p: StatementReport) {
  const total = (s: PlanSummary) => s.planningMs + s.executionMs;
  if (total(p.genericApp) < 0.5 && total(p.customApp) < 0.5) {
    console.log(`    trivial (${total(p.genericApp).toFixed(2)} ms): ${oneLine(p.sql).slice(0, 100)}`);
    return;
  }
  console.log(`    SQL${p.named ? ' (named: planned once per connection)' : ''}: ${oneLine(p.sql).slice(0, 150)}…`);
  console.log(`      generic, app role: ${describePlan(p.genericApp)}`);
  console.log(`        shape: ${p.genericApp.shape}`);
  console.log(`      custom, app role:  ${describePlan(p.customApp)}`);
  if (p.customApp.shape !== p.genericApp.shape) console.log(`        shape: ${p.customApp.shape}`);
  console.log(`      generic, no RLS:   ${describePlan(p.genericOwner)}`);
  if (p.genericOwner.shape !== p.genericApp.shape) console.log(`        shape: ${p.genericOwner.shape}`);
}

function printSummary(results: Result[]) {
  console.log('summary (ms; cache invalidated before each request; met = sequential p95 within the target)');
  console.log(
    '| FR | target | seq p50 | seq p95 | seq p99 | conc p50 | conc p95 | conc p99 | p95/target | met | 20 repeated p50 / p95 | CPU PG + Node | load |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |');
  for (const { ep, seq, conc, warm, load } of results) {
    console.log(
      `| ${ep.id} | ${ep.targetMs} | ${f1(seq.p50)} | ${f1(seq.p95)} | ${f1(seq.p99)} | ${f1(conc.p50)} | ` +
        `${f1(conc.p95)} | ${f1(conc.p99)} | ${(seq.p95 / ep.targetMs).toFixed(2)} | ` +
        `${seq.errors || conc.errors ? 'errors' : seq.p95 <= ep.targetMs ? 'yes' : 'no'} | ` +
        `${f1(warm.p50)} / ${f1(warm.p95)} | ${f1(seq.cpu?.pgMs)} + ${f1(seq.cpu?.nodeMs)} | ` +
        `${load[0].toFixed(1)}–${load[1].toFixed(1)} |`,
    );
  }
}

await main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
