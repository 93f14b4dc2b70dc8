// The idle pull from memory (docs/sync-protocol.md "The idle pull from memory", migration 0127). An up-to-date
// client's no-change pull is most of the head office's sync traffic; this answers it without a transaction:
//
//   - the instance polls sync_idle_marks on a connection of its own and keeps, per scope (b:/p:/i:/u:/ref of
//     migration 0091), the newest transaction id a write noted, and the horizon H up to which that knowledge is
//     complete: every note in (base, H) is known;
//   - a pull waits for a poll that started after it arrived (shared by all pulls waiting meanwhile, on average at most
//     one every minGapMs), so it is as fresh as the database path; a pull whose window [cursor.hi, H) holds no note of
//     the caller's scopes has nothing to deliver, exactly as sync_scope_changed would say, and its next window
//     starts at H: a write below H that committed late had ended before H was read, so the poll saw its note;
//   - the caller's session is checked from a cache filled by sync_idle_session (the request check of
//     app_enter_request) and emptied for a user when a poll reads a note of sync_auth_log about them
//     (revocation, logout, password, role, branch, partner, installer) — the pull's own poll included;
//   - a failed poll (the connection lost, the database away) drops everything known: until a new connection's
//     first poll, every pull takes the database path, which checks everything itself.
import type { RequestHandler } from 'express';
import pg from 'pg';
import { can } from '../../domain/roles.js';
import { type ServerCursor, SYNC_ENTITIES, SYNC_WINDOW_MAX_MONTHS } from '../../domain/sync-protocol.js';
import { liveSession } from '../auth/session-check.js';
import type { AccessTokens } from '../auth/tokens.js';
import type { Actor } from '../http/context.js';
import { setActor } from '../http/context.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import { logAnswered, markRequestStart, requestIdOf, requestStart } from '../ops/request-log.js';
import { decodeCursor, encodeCursor, scopeFingerprint } from './sync.cursor.js';
import { OutboxReports } from './sync.outbox-reports.js';
import { windowStart } from './sync.repository.js';
import { pullPageJson, windowOf } from './sync.service.js';

/** polls may come this many at once, as long as they average ≥ minGapMs apart (pollNow) */
const POLL_BURST = 10;

/** sync.service.ts's sections of a run: a cursor at this section has completed its run. */
const RUN_DONE = SYNC_ENTITIES.length + 2;

export interface SyncMarksOptions {
  /** dispatch_app connection for the polls (a dedicated client: it must not wait behind the pool) */
  appUrl: string;
  /** for the session checks (one statement, no transaction) */
  pool: pg.Pool;
  logger?: Logger;
  /** between polls (default 1000) */
  pollMs?: number;
  /** no successful poll for this long: every pull takes the database path (default 3 × pollMs, at least 2 s) */
  staleMs?: number;
  /**
   * a pull waits for a poll that starts after it arrives; polls start at most this often on average, up to
   * POLL_BURST at once (default 5 ms: a quiet instance answers a pull after one poll's round trip, a busy one
   * makes ≤ 200 polls a second however many pulls arrive, each shared by all pulls waiting meanwhile)
   */
  minGapMs?: number;
  /** outbox reports taken from memory are written at most this often (default 1000 ms; sync.outbox-reports.ts) */
  reportFlushMs?: number;
  /** a cached session is checked again after this long whatever the notes say (default 10 min) */
  sessionMaxAgeMs?: number;
  /** more cached sessions than this: the cache starts over (default 200,000) */
  maxSessions?: number;
}

interface Known {
  /** every note with an id above base is known (base: the pruned notes' horizon at the first poll) */
  base: bigint;
  /** ... and below h: every transaction below h had ended when its notes were read */
  h: bigint;
  scopes: Map<string, bigint>;
  /** the newest note of any scope (HQ sees every scope) */
  any: bigint;
  /** sync_log_horizon: a cursor whose window starts at or below it may have missed deletes (a fresh snapshot) */
  tombPruned: bigint;
  /** Date.now() of the last successful poll */
  at: number;
}

interface CachedSession {
  userId: string;
  expiresAt: number;
  installerId: string | null;
  checkedAt: number;
}

interface Marks {
  h: string;
  scopePruned: string | null;
  tombPruned: string | null;
  notes: Record<string, string>;
  users: string[];
}

export class SyncMarks {
  private client: pg.Client | undefined;
  private known: Known | undefined;
  private readonly sessions = new Map<string, CachedSession>();
  private readonly byUser = new Map<string, Set<string>>();
  /** bumped whenever sessions are forgotten: a check that began before must not fill the cache after */
  private epoch = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pid: number | undefined;
  /** the poll under way, and the one callers arriving now wait for (not started yet) */
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** when the last POLL_BURST polls started */
  private readonly starts: number[] = [];
  private readonly minGapMs: number;
  private readonly pollMs: number;
  private readonly staleMs: number;
  private readonly sessionMaxAgeMs: number;
  private readonly maxSessions: number;
  /** answers given from memory and pulls sent to the database (tests, /metrics-like counting) */
  readonly counts = { fast: 0, database: 0 };
  /** the outbox reports of pulls answered from memory, written batched */
  readonly reports: OutboxReports;

  constructor(private readonly o: SyncMarksOptions) {
    this.pollMs = o.pollMs ?? 1000;
    this.staleMs = o.staleMs ?? Math.max(2000, 3 * this.pollMs);
    this.minGapMs = o.minGapMs ?? 5;
    this.sessionMaxAgeMs = o.sessionMaxAgeMs ?? 10 * 60_000;
    this.maxSessions = o.maxSessions ?? 200_000;
    this.reports = new OutboxReports({ pool: o.pool, logger: o.logger, flushMs: o.reportFlushMs });
  }

  /** Connects and makes the first poll; a database not reachable yet is tried again in the background. */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.o.logger?.warn({ err }, 'sync marks: cannot connect yet; pulls take the database path');
      this.schedule(this.pollMs);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.next?.catch(() => {});
    await this.running?.catch(() => {});
    const c = this.client;
    this.forget();
    await c?.end().catch(() => {});
    await this.reports.stop();
  }

  /** Whether pulls may be answered from memory now. */
  get ready(): boolean {
    return this.known !== undefined && Date.now() - this.known.at <= this.staleMs;
  }

  /** The poll connection's backend (tests terminate it). */
  get backendPid(): number | undefined {
    return this.pid;
  }

  /**
   * Resolves once a poll that started after this call has ended (failed polls too: then nothing is known). Polls
   * are shared: every caller waiting meanwhile is served by the same next poll, which starts when the one under
   * way has ended, and no sooner than POLL_BURST × `minGapMs` after the POLL_BURST-th last one started (a few
   * in a row start at once) — at most 1000 / minGapMs polls a second
   * however many pulls arrive. A connection lost is opened again by the next poll.
   */
  pollNow(): Promise<void> {
    if (this.next) return this.next;
    let started: Promise<void> | undefined;
    const next: Promise<void> = (async () => {
      // (this.next is set below before any of this runs past here)
      await null;
      if (this.running) await this.running.catch(() => {});
      // at most POLL_BURST polls in any POLL_BURST × minGapMs: a pull arriving soon after the last poll (one
      // client's back-to-back pulls) does not wait for the gap, a busy instance still makes ≤ 1000 / minGapMs
      const oldest = this.starts.length < POLL_BURST ? 0 : this.starts[0]!;
      const wait = oldest + POLL_BURST * this.minGapMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // from here on a new caller needs a later poll than this one
      if (this.next === started) this.next = undefined;
      this.starts.push(Date.now());
      if (this.starts.length > POLL_BURST) this.starts.shift();
      const p = this.stopped ? Promise.resolve() : this.client ? this.poll(this.client) : this.connect();
      this.running = p;
      try {
        await p;
      } finally {
        if (this.running === p) this.running = undefined;
      }
    })();
    started = next;
    this.next = next;
    return next;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pollNow()
        .catch(() => {})
        .finally(() => this.schedule(this.pollMs));
    }, ms);
    this.timer.unref();
  }

  private async connect(): Promise<void> {
    // bounded: pulls wait for the polls, and a poll that cannot finish must fail them over to the database path
    const client = new pg.Client({
      connectionString: this.o.appUrl,
      application_name: 'dispatch-server',
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.forget();
      client.end().catch(() => {});
      if (!this.stopped) this.o.logger?.warn({ err }, 'sync marks: poll connection lost; pulls take the database path');
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      this.pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    await this.poll(client);
    this.schedule(this.pollMs);
  }

  /** Drops what is known and every cached session: until the next first poll, the database path. */
  private forget(): void {
    this.client = undefined;
    this.pid = undefined;
    this.known = undefined;
    this.sessions.clear();
    this.byUser.clear();
    this.epoch++;
  }

  private async poll(client: pg.Client): Promise<void> {
    const before = this.known;
    let m: Marks;
    try {
      const { rows } = await client.query<{ m: Marks }>('SELECT sync_idle_marks($1::xid8) AS m', [
        before ? before.h.toString() : null,
      ]);
      m = rows[0]!.m;
    } catch (err) {
      if (this.client === client) {
        this.o.logger?.warn({ err }, 'sync marks: poll failed; reconnecting');
        this.forget();
        client.end().catch(() => {});
      }
      throw err;
    }
    // the connection was lost (and maybe replaced) while the poll was under way: its answer belongs to no one
    if (this.client !== client || this.known !== before) return;
    const h = BigInt(m.h);
    if (!before) {
      const k: Known = {
        base: BigInt(m.scopePruned ?? '0'),
        h,
        scopes: new Map(),
        any: -1n,
        tombPruned: BigInt(m.tombPruned ?? '0'),
        at: Date.now(),
      };
      for (const [scope, x] of Object.entries(m.notes)) note(k, scope, BigInt(x));
      this.known = k;
      // this poll read no user notes: a session check that began before it may have missed a revocation
      // committed before it, which no later poll reads (they read from h on) — such a check is not cached
      this.epoch++;
      return;
    }
    for (const [scope, x] of Object.entries(m.notes)) note(before, scope, BigInt(x));
    if (m.users.length) this.forgetUsers(m.users);
    if (h > before.h) before.h = h;
    before.tombPruned = BigInt(m.tombPruned ?? '0');
    before.at = Date.now();
  }

  private forgetUsers(users: string[]): void {
    this.epoch++;
    for (const u of users) {
      const keys = this.byUser.get(u);
      if (!keys) continue;
      for (const k of keys) this.sessions.delete(k);
      this.byUser.delete(u);
    }
  }

  /** The request check of the database (sync_idle_session, migration 0127), cached; false: take the database path. */
  private async sessionLive(actor: Actor): Promise<CachedSession | null> {
    if (!actor.sessionId) return null;
    const key = `${actor.sessionId}|${actor.userId}|${actor.role}|${actor.branchId ?? ''}|${actor.partnerId ?? ''}|${actor.issuedAt ?? ''}`;
    const now = Date.now();
    const cached = this.sessions.get(key);
    if (cached && cached.expiresAt > now && now - cached.checkedAt < this.sessionMaxAgeMs) return cached;
    if (cached) this.sessions.delete(key);
    const epoch = this.epoch;
    const s = await liveSession(this.o.pool, actor);
    if (!s) return null;
    const entry: CachedSession = {
      userId: actor.userId,
      expiresAt: Number(s.expiresAt),
      installerId: s.installerId,
      checkedAt: now,
    };
    // a note about this user read while the check was under way may be newer than what the check saw
    if (epoch !== this.epoch) return null;
    if (this.sessions.size >= this.maxSessions) {
      this.sessions.clear();
      this.byUser.clear();
    }
    this.sessions.set(key, entry);
    const keys = this.byUser.get(actor.userId) ?? new Set<string>();
    this.byUser.set(actor.userId, keys);
    keys.add(key);
    return entry;
  }

  /**
   * The answer to a pull (GET /api/sync/changes) from memory, as the database path would give it (sync.service.ts
   * pullChanges: a completed run, no change, the next window from the cursor's hi), or null: the database path
   * answers (anything but an up-to-date client's no-change pull, or when in doubt).
   */
  async answer(actor: Actor, query: unknown): Promise<string | null> {
    const quick = await this.tryAnswer(actor, query).catch(() => null);
    if (quick === null) this.counts.database++;
    else this.counts.fast++;
    return quick;
  }

  private readonly fingerprints = new Map<string, string>();
  /** scopeFingerprint (a sha256) remembered per scope: the same few thousand users poll all day */
  private fingerprint(actor: Actor): string {
    const key = `${actor.userId}|${actor.role}|${actor.branchId ?? ''}|${actor.partnerId ?? ''}`;
    let f = this.fingerprints.get(key);
    if (f === undefined) {
      if (this.fingerprints.size >= this.maxSessions) this.fingerprints.clear();
      f = scopeFingerprint(actor);
      this.fingerprints.set(key, f);
    }
    return f;
  }

  private async tryAnswer(actor: Actor, query: unknown): Promise<string | null> {
    if (!this.ready) return null;
    const pull = plainPull(query);
    if (pull === null) return null;
    let previous: ServerCursor;
    try {
      previous = decodeCursor(pull.cursor);
    } catch {
      return null;
    }
    const s = this.fingerprint(actor);
    if (previous.s !== s || previous.t < RUN_DONE) return null;
    const lo = BigInt(previous.hi);
    // the window as pullChanges has it: fixed for the run, narrowed by the days; a wider one (more months, or
    // none after some) starts a snapshot — the database path's
    const months = pull.window;
    const from = months === null ? null : windowStart(months);
    const prevFrom = previous.w ?? null;
    if (prevFrom !== null && (from === null || Date.parse(from) < Date.parse(prevFrom))) return null;
    // what committed before this pull arrived is known after a poll that started after it: the answer is as
    // fresh as the database path's (whose window also ends at the horizon), and the poll has read every
    // revocation committed before, so the session check below sees it
    await this.pollNow();
    const session = await this.sessionLive(actor);
    const k = this.known;
    if (!session || !k || !this.ready) return null;
    // the window must lie where every note is known, and the cursor must not be older than pruned tombstones
    if (lo <= k.base) return null;
    if (previous.lo !== '0' && BigInt(previous.lo) <= k.tombPruned) return null;
    for (const scope of callerScopes(actor, session)) {
      const x = scope === '*' ? k.any : (k.scopes.get(scope) ?? -1n);
      if (x >= lo) return null;
    }
    const hi = k.h > lo ? k.h : lo;
    const c: ServerCursor = {
      v: 1,
      s,
      lo: previous.hi,
      hi: hi.toString(),
      t: RUN_DONE,
      x: null,
      k: null,
      ...windowOf(months, from, prevFrom),
    };
    // the report of a verified, live session: written with the others of this second (sync.outbox-reports.ts)
    if (pull.report) {
      this.reports.take({
        ...pull.report,
        userId: actor.userId,
        branchId: actor.branchId ?? null,
        reportedAt: new Date().toISOString(),
      });
    }
    return pullPageJson({
      changes: [],
      cursor: encodeCursor(c),
      hasMore: false,
      reset: false,
      windowFrom: c.w ?? undefined,
    });
  }
}

interface PlainPullQuery {
  cursor: string;
  /** the window's months (null: none) */
  window: number | null;
  report: { clientId: string; pending: number; conflicts: number; failed: number; pendingSince: string | null } | null;
}

const COUNT = /^(0|[1-9][0-9]{0,8})$/;
const INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/;

/**
 * A pull that asks the next run with what a client sends (pullQuery's rules, stricter where a value would need
 * zod's coercion): `cursor`, a valid `limit`, `window` and the outbox report (`clientId`, `pending`,
 * `conflicts`, `failed`, `pendingSince`), else null: a first pull or bad input go to the database path (which
 * answers 400 for the latter).
 */
function plainPull(query: unknown): PlainPullQuery | null {
  if (typeof query !== 'object' || query === null) return null;
  let cursor: string | null = null;
  let window: number | null = null;
  let clientId: string | undefined;
  let pendingSince: string | null = null;
  const counts: Record<'pending' | 'conflicts' | 'failed', number | undefined> = {
    pending: undefined,
    conflicts: undefined,
    failed: undefined,
  };
  for (const [k, v] of Object.entries(query)) {
    if (typeof v !== 'string') return null;
    if (k === 'cursor' && v.length <= 2000) cursor = v;
    else if (k === 'limit' && /^[0-9]{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 5000) continue;
    else if (k === 'window' && /^[1-9][0-9]?$/.test(v) && Number(v) <= SYNC_WINDOW_MAX_MONTHS) window = Number(v);
    else if (k === 'clientId' && v.length >= 1 && v.length <= 64 && v.trim() === v) clientId = v;
    else if ((k === 'pending' || k === 'conflicts' || k === 'failed') && COUNT.test(v)) counts[k] = Number(v);
    else if (k === 'pendingSince' && INSTANT.test(v) && realInstant(v)) pendingSince = v;
    else return null;
  }
  if (cursor === null) return null;
  const reported =
    clientId !== undefined ||
    counts.pending !== undefined ||
    counts.conflicts !== undefined ||
    counts.failed !== undefined ||
    pendingSince !== null;
  if (!reported) return { cursor, window, report: null };
  // an outbox report needs its client and pending (pullQuery's refine); without a client the database path
  // stores nothing: it goes there
  if (clientId === undefined || counts.pending === undefined) return null;
  return {
    cursor,
    window,
    report: {
      clientId,
      pending: counts.pending,
      conflicts: counts.conflicts ?? 0,
      failed: counts.failed ?? 0,
      pendingSince,
    },
  };
}

/** An instant whose calendar date exists (a 30 February would fail the batch's whole statement). */
function realInstant(v: string): boolean {
  const t = Date.parse(v);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 19) === v.slice(0, 19);
}

/** What the idle pull's answer needs of the app: the middleware it runs ahead of. */
export interface IdlePullOptions {
  /** the security headers of every answer (helmet's, captured once: securityHeaders) */
  headers?: readonly [string, string][];
  /** the request log's line for an answer given here */
  logger?: Logger;
  /** counted and timed in http_request_duration_seconds as every request */
  metrics?: Metrics;
}

/**
 * GET /api/sync/changes answered from memory ahead of everything else — helmet, the request log, the metrics,
 * the body parser, the routers: an idle pull's CPU was theirs as much as its own. What they would have done is
 * done here at less cost: helmet's headers written from a list captured once, the request id echoed, the line
 * logged, the request counted and timed. Anything else, or a pull this cannot answer, goes on to them (timed
 * from its arrival) and to the route (which then does not ask again). The token is verified as the route does
 * (AccessTokens, cached).
 */
export function idlePullFromMemory(tokens: AccessTokens, marks: SyncMarks, o: IdlePullOptions = {}): RequestHandler {
  const fixed: string[] = [];
  for (const [k, v] of o.headers ?? []) fixed.push(k, v);
  fixed.push('Content-Type', 'application/json; charset=utf-8');
  return (req, res, next) => {
    if (req.method !== 'GET') return next();
    const url = req.url;
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== '/api/sync/changes') return next();
    const m = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i);
    if (!m?.[1]) return next();
    markRequestStart(req);
    const start = requestStart(req);
    triedFromMemory.add(req);
    tokens
      .verify(m[1])
      .then(async (actor) => {
        if (!can(actor.role, 'sync.use')) return false;
        const body = await marks.answer(actor, req.query);
        if (body === null) return false;
        setActor(res, actor);
        const id = requestIdOf(req);
        res.writeHead(200, [...fixed, 'X-Request-Id', id, 'Content-Length', String(Buffer.byteLength(body))]);
        res.end(body);
        o.metrics?.idlePullAnswered(start);
        if (o.logger) logAnswered(o.logger, req, id, 200, start);
        return true;
      })
      // a refused token, a failed check: the route answers as it always has (401, 403, 503)
      .catch(() => false)
      .then((answered) => {
        if (!answered) next();
      });
  };
}

/**
 * The headers a middleware that sets only fixed ones (helmet) gives every answer, captured by running it once
 * against a stand-in response: the idle pull writes them itself. A middleware that does anything else (calls
 * something not here, passes on an error, does not pass on) is refused.
 */
export function securityHeaders(mw: RequestHandler): [string, string][] {
  const out = new Map<string, [string, string]>();
  const res = {
    setHeader(k: string, v: unknown) {
      if (Array.isArray(v) || (typeof v !== 'string' && typeof v !== 'number')) throw new Error(`header ${k}: ${v}`);
      out.set(k.toLowerCase(), [k, String(v)]);
      return res;
    },
    removeHeader(k: string) {
      out.delete(k.toLowerCase());
    },
    getHeader(k: string) {
      return out.get(k.toLowerCase())?.[1];
    },
  };
  let passed = false;
  mw(
    { method: 'GET', url: '/api/sync/changes', headers: {} } as never,
    res as never,
    ((err?: unknown) => {
      if (err) throw err;
      passed = true;
    }) as never,
  );
  if (!passed) throw new Error('the middleware did not pass the request on at once');
  return [...out.values()];
}

/** Requests idlePullFromMemory has asked about already. */
export const triedFromMemory = new WeakSet<object>();

function note(k: Known, scope: string, x: bigint): void {
  if ((k.scopes.get(scope) ?? -1n) < x) k.scopes.set(scope, x);
  if (k.any < x) k.any = x;
}

/** The scopes sync_scope_changed (migration 0091) looks at for the caller; '*': every scope (HQ). */
function callerScopes(actor: Actor, session: CachedSession): string[] {
  if (actor.role === 'HQ_ADMIN') return ['*'];
  // the notes hold ids as PostgreSQL prints a uuid (lower case); a token's spelling must not miss them
  const id = (v: string | null | undefined) => (v ? v.toLowerCase() : null);
  const own =
    actor.role === 'BRANCH_MANAGER'
      ? id(actor.branchId) && `b:${id(actor.branchId)}`
      : actor.role === 'PARTNER_COORDINATOR'
        ? id(actor.partnerId) && `p:${id(actor.partnerId)}`
        : actor.role === 'INSTALLER'
          ? id(session.installerId) && `i:${id(session.installerId)}`
          : null;
  return ['ref', `u:${id(actor.userId)}`, ...(own ? [own] : [])];
}
