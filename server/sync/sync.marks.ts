// The idle pull from memory (docs/sync-protocol.md "The idle pull from memory", migration 0127). An up-to-date
// client's no-change pull is most of the head office's sync traffic; this answers it without a transaction:
//
//   - every instance polls sync_idle_marks about once a second on a connection of its own and keeps, per scope
//     (b:/p:/i:/u:/ref of migration 0091), the newest transaction id a write noted, and the horizon H up to which
//     that knowledge is complete: every note below H is known, from `base` (what was kept when it started) up;
//   - a pull whose window [cursor.hi, H) holds no note of the caller's scopes has nothing to deliver, exactly
//     as the database path's sync_scope_changed would say, and its next window starts at H, so a write below H
//     that committed late has been seen by the poll (its transaction had ended before H was read);
//   - the caller's session is checked from a cache filled by sync_idle_session (the request check of
//     app_enter_request) and emptied for a user as soon as a poll reads a note of sync_auth_log about them
//     (revocation, logout, password, role, branch, partner, installer);
//   - when the polls stop (the connection lost, the database slow or away) for longer than `staleMs`, or before
//     the first poll after a (re)connection, every pull takes the database path, which checks everything itself.
//
// Staleness never makes an answer wrong: knowledge up to an older H is still exact, the answer's window just ends
// lower and the next pull's starts there. It only bounds how late a revocation can take effect on this path.
import pg from 'pg';
import { pullQuery, type ServerCursor, SYNC_ENTITIES } from '../../domain/sync-protocol.js';
import type { Actor } from '../http/context.js';
import type { Logger } from '../logger.js';
import { decodeCursor, encodeCursor, scopeFingerprint } from './sync.cursor.js';
import { hasOutboxReport, pullPageJson } from './sync.service.js';

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
  private polling: Promise<void> | undefined;
  private readonly pollMs: number;
  private readonly staleMs: number;
  private readonly sessionMaxAgeMs: number;
  private readonly maxSessions: number;
  /** answers given from memory and pulls sent to the database (tests, /metrics-like counting) */
  readonly counts = { fast: 0, database: 0 };

  constructor(private readonly o: SyncMarksOptions) {
    this.pollMs = o.pollMs ?? 1000;
    this.staleMs = o.staleMs ?? Math.max(2000, 3 * this.pollMs);
    this.sessionMaxAgeMs = o.sessionMaxAgeMs ?? 10 * 60_000;
    this.maxSessions = o.maxSessions ?? 200_000;
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
    await this.polling?.catch(() => {});
    const c = this.client;
    this.forget();
    await c?.end().catch(() => {});
  }

  /** Whether pulls may be answered from memory now. */
  get ready(): boolean {
    return this.known !== undefined && Date.now() - this.known.at <= this.staleMs;
  }

  /** The poll connection's backend (tests terminate it). */
  get backendPid(): number | undefined {
    return this.pid;
  }

  /** A poll now (tests; also what the timer runs). Connects first when the connection is gone. */
  pollNow(): Promise<void> {
    if (!this.polling) {
      this.polling = (this.client ? this.poll(this.client) : this.connect()).finally(() => {
        this.polling = undefined;
      });
    }
    return this.polling;
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
    const client = new pg.Client({ connectionString: this.o.appUrl, application_name: 'dispatch-server' });
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
    const { rows } = await this.o.pool.query<{ s: { expiresAt: number; installerId: string | null } | null }>({
      name: 'sync_idle_session',
      text: 'SELECT sync_idle_session($1, $2, $3, $4, $5::bigint, $6::uuid) AS s',
      values: [
        actor.userId,
        actor.role,
        actor.branchId ?? '',
        actor.partnerId ?? '',
        Number.isFinite(actor.issuedAt) ? String(Math.floor(actor.issuedAt!)) : null,
        actor.sessionId,
      ],
    });
    const s = rows[0]?.s;
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
    let keys = this.byUser.get(actor.userId);
    if (!keys) this.byUser.set(actor.userId, (keys = new Set()));
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

  private async tryAnswer(actor: Actor, query: unknown): Promise<string | null> {
    if (!this.ready || hasOutboxReport(query)) return null;
    const q = pullQuery.safeParse(query);
    if (!q.success || !q.data.cursor) return null;
    let previous: ServerCursor;
    try {
      previous = decodeCursor(q.data.cursor);
    } catch {
      return null;
    }
    const s = scopeFingerprint(actor);
    if (previous.s !== s || previous.t < RUN_DONE) return null;
    const lo = BigInt(previous.hi);
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
    const c: ServerCursor = { v: 1, s, lo: previous.hi, hi: hi.toString(), t: RUN_DONE, x: null, k: null };
    return pullPageJson({ changes: [], cursor: encodeCursor(c), hasMore: false, reset: false });
  }
}

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
