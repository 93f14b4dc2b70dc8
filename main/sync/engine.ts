// The sync engine: pushes the outbox, pulls changes, and keeps the connection state the UI shows. One cycle is
// push (until the outbox is empty or held) then pull (until the run is complete). A cycle runs after a local
// write (debounced), on a timer while online, after a failure on the backoff timer, and when the shell says the
// link is back (kick()).
import { EventEmitter } from 'node:events';
import type { OutageReport, SyncState } from '../../domain/client-api.js';
import {
  type OutboxReport,
  type PullResponse,
  type PushResponse,
  SYNC_ENTITIES,
  type SyncEntity,
} from '../../domain/sync-protocol.js';
import type { ClientStore, SendableOp } from '../store/client-store.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { bucketSums, checkpointBucket } from './checkpoint.js';
import { type HeadOfficeClient, HttpError, NetworkError } from './http-client.js';

export interface EngineHooks {
  /** inside a pull page's transaction, rows written, cursor not yet (fault-injection tests) */
  beforeCursorSaved?: (page: PullResponse) => void;
  /** the push was answered and the answers are not stored yet (fault-injection tests) */
  afterPushAnswered?: (batch: SendableOp[], res: PushResponse) => void;
}

export interface EngineOptions {
  store: ClientStore;
  http: HeadOfficeClient;
  /** pull period while online (default 5 s) */
  pullIntervalMs?: number;
  /** how often a complete pull is followed by a checkpoint comparison (default 10 min) */
  verifyEveryMs?: number;
  /** debounce of the push after a local write (default 50 ms) */
  writeDebounceMs?: number;
  backoff?: BackoffOptions;
  batchSize?: number;
  pageSize?: number;
  hooks?: EngineHooks;
  random?: () => number;
  /**
   * The window's months for every pull; null: the whole scope (a head-office PC, a measurement); absent: the
   * installation's setting (store.windowMonths()).
   */
  window?: number | null;
}

export interface EngineEvents {
  state: [SyncState];
  'orders-changed': [string[]];
}

/** An unchanged outbox is reported again after this long, so the monitor sees the client is alive. */
const REPORT_EVERY_MS = 60_000;

/** The head office answered with something the engine cannot act on: it stops this cycle, keeps the ops. */
class StopCycle extends Error {}

export class SyncEngine extends EventEmitter<EngineEvents> {
  private readonly store: ClientStore;
  private readonly http: HeadOfficeClient;
  private readonly o: Required<Omit<EngineOptions, 'store' | 'http' | 'hooks' | 'window'>> & { hooks: EngineHooks };
  private readonly window: number | null | undefined;
  private status: SyncState['status'] = 'offline';
  private offlineSince: string | null = new Date().toISOString();
  private lastSyncAt: string | null;
  private lastError: string | null = null;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private started = false;
  private lastEmitted = '';
  private lastReport = { key: '', at: 0 };
  private lastVerifyAt = Date.now();
  /** the outage going on (from the first failed cycle while the head office was away): what was answered since */
  private outage: { since: string; sent: number; conflicts: number; failed: number } | null = null;
  private recovered: OutageReport | null = null;
  private snapshot: { done: number; total: number | null } | null = null;
  private rev = 0;
  /** the ops of the push under way (taken from the outbox, not yet answered) */
  private readonly sending = new Set<string>();
  /**
   * The last cycle found the head office away: the next one checks the link before it sends anything, so that
   * ops are not thrown at a dead link (each such send may have arrived, and then can no longer be withdrawn).
   */
  private linkDoubtful = false;

  constructor(opts: EngineOptions) {
    super();
    this.store = opts.store;
    this.http = opts.http;
    this.o = {
      pullIntervalMs: opts.pullIntervalMs ?? 5000,
      writeDebounceMs: opts.writeDebounceMs ?? 50,
      verifyEveryMs: opts.verifyEveryMs ?? 10 * 60_000,
      backoff: opts.backoff ?? { baseMs: 500, maxMs: 30_000, minMs: 100 },
      batchSize: opts.batchSize ?? 100,
      pageSize: opts.pageSize ?? 1000,
      random: opts.random ?? Math.random,
      hooks: opts.hooks ?? {},
    };
    this.window = opts.window;
    this.lastSyncAt = this.store.getState('last_sync_at');
  }

  state(): SyncState {
    const c = this.store.counts();
    return {
      rev: ++this.rev,
      status: this.status,
      offlineSince: this.status === 'offline' ? this.offlineSince : null,
      pending: c.pending,
      conflicts: c.conflicts,
      failed: c.failed,
      lastSyncAt: this.lastSyncAt,
      lastError: this.lastError,
      firstSync: this.snapshot ? { ...this.snapshot } : null,
      recovered: this.recovered,
    };
  }

  /**
   * The op ids of the push under way. The store counts them as sent in the transaction that takes them
   * (takeBatch), so ClientStore.withdrawOps refuses them either way; this says which are on their way right now.
   */
  inFlight(): ReadonlySet<string> {
    return this.sending;
  }

  /** Emits the state when anything the UI shows changed. */
  publish(): SyncState {
    const s = this.state();
    const { rev: _rev, ...shown } = s;
    const key = JSON.stringify(shown);
    if (key !== this.lastEmitted) {
      this.lastEmitted = key;
      this.emit('state', s);
    }
    return s;
  }

  start(): void {
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  private schedule(ms: number): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.syncNow();
    }, ms);
    this.timer.unref?.();
  }

  /** A local write happened: push soon (and show the new pending count now). */
  localWrite(): void {
    this.publish();
    if (this.running) this.again = true;
    else if (this.status !== 'offline' || this.failures === 0) this.schedule(this.o.writeDebounceMs);
  }

  /** The shell saw the network come back (or the user pressed "sync now"): try at once, whatever the backoff. */
  kick(): void {
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /**
   * The link is known to work again (the live stream reopened; the shell saw the network return): requests still
   * waiting for an answer from before went out on connections the outage may have left dead, which say nothing
   * and would hold this cycle until their timeout. They are dropped and sent again at once; then a cycle runs.
   */
  linkBack(): void {
    this.http.dropStale();
    this.kick();
  }

  /**
   * Compares the copy with a checkpoint of what its scope holds at the head office (per table, per bucket of
   * keys), fetches the buckets that differ, repairs what is missing, outdated or not there, and reports the
   * repairs (the head office counts them in /metrics). Run after a complete pull run, every `verifyEveryMs`.
   */
  async verify(): Promise<{ repaired: number }> {
    const cursor = this.store.cursor();
    if (!cursor) return { repaired: 0 };
    const cp = await this.http.checkpoint(cursor);
    const perEntity: Partial<Record<SyncEntity, number>> = {};
    let repaired = 0;
    for (const entity of SYNC_ENTITIES) {
      const mine = bucketSums(this.store.checkpointRows(entity));
      const theirs = new Map((cp.tables[entity] ?? []).map((b) => [b.b, b]));
      const differ = [...new Set([...mine.keys(), ...theirs.keys()])].filter((b) => {
        const m = mine.get(b);
        const t = theirs.get(b);
        return m?.n !== t?.n || m?.h.toString() !== t?.h;
      });
      for (const b of differ) {
        const { rows } = await this.http.checkpointBucket(cursor, entity, b);
        const n = this.store.repairBucket(entity, (k) => checkpointBucket(k) === b, rows);
        if (n) perEntity[entity] = (perEntity[entity] ?? 0) + n;
        repaired += n;
      }
    }
    this.lastVerifyAt = Date.now();
    if (repaired) await this.http.reportRepairs(perEntity);
    return { repaired };
  }

  /** The months the pulls ask for (undefined: no window). */
  windowMonths(): number | undefined {
    if (this.window === undefined) return this.store.windowMonths();
    return this.window ?? undefined;
  }

  /** Runs a cycle now (or joins the one running) and resolves with the state after it. */
  async syncNow(): Promise<SyncState> {
    if (this.running) {
      this.again = true;
      await this.running;
      return this.state();
    }
    this.running = this.cycle();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
    if (this.again) {
      this.again = false;
      this.schedule(0);
    }
    return this.state();
  }

  private async cycle(): Promise<void> {
    this.status = 'syncing';
    this.publish();
    try {
      await this.pushAll();
      await this.pullAll();
      if (Date.now() - this.lastVerifyAt >= this.o.verifyEveryMs) await this.verify();
      this.failures = 0;
      this.linkDoubtful = false;
      this.status = 'online';
      this.offlineSince = null;
      this.lastError = null;
      this.lastSyncAt = new Date().toISOString();
      this.store.setState('last_sync_at', this.lastSyncAt);
      if (this.outage) {
        const { since, sent, conflicts, failed } = this.outage;
        this.recovered = { since, until: this.lastSyncAt, sent, conflicts, failed };
        this.outage = null;
      }
      this.schedule(this.o.pullIntervalMs);
    } catch (e) {
      this.failures++;
      // No answer, a 5xx, or a batch cut short: the head office (or the VPN to it) is away. Any other error
      // came from a head office that is there (e.g. a refused login): online, with the error shown.
      const away = e instanceof NetworkError || e instanceof StopCycle || (e instanceof HttpError && e.transient);
      if (e instanceof HttpError && e.status === 401) {
        // the head office is there but will not take this session's calls (refresh token refused, user
        // disabled): nothing syncs until the user signs in again, and the clerk is told so, not "online"
        this.offlineSince = null;
        this.status = 'signedOut';
      } else if (away) {
        this.linkDoubtful = true;
        this.offlineSince ??= new Date().toISOString();
        this.status = 'offline';
        // a new outage: the report of the last one has been seen (or never will be)
        if (!this.outage) {
          this.outage = { since: this.offlineSince, sent: 0, conflicts: 0, failed: 0 };
          this.recovered = null;
        }
      } else {
        this.offlineSince = null;
        this.status = 'online';
      }
      this.lastError = describe(e);
      this.schedule(backoffDelay(this.failures, this.o.backoff, this.o.random));
    } finally {
      this.publish();
    }
  }

  private async pushAll(): Promise<void> {
    if (this.linkDoubtful && this.store.counts().pending > 0 && !(await this.http.health()))
      throw new NetworkError('the head office is still out of reach: nothing sent');
    for (;;) {
      const batch = this.store.takeBatch(this.o.batchSize);
      if (batch.length === 0) return;
      for (const op of batch) this.sending.add(op.opId);
      let res: PushResponse;
      let change: { orderIds: string[] };
      try {
        try {
          res = await this.http.push(
            this.store.clientId(),
            batch.map(({ seq: _seq, ...op }) => op),
          );
        } catch (e) {
          // refused before a byte went out: the head office has none of it, and the ops may still be withdrawn
          if (e instanceof NetworkError && e.unsent) this.store.markNotSent(batch);
          this.store.markAttempt(batch, describe(e));
          throw e;
        }
        this.o.hooks.afterPushAnswered?.(batch, res);
        change = this.store.applyResults(batch, res.results);
      } finally {
        this.sending.clear();
      }
      if (this.outage) {
        for (const r of res.results) {
          if (r.status === 'SYNCED') this.outage.sent++;
          else if (r.status === 'CONFLICT') this.outage.conflicts++;
          else this.outage.failed++;
        }
      }
      if (change.orderIds.length) this.emit('orders-changed', change.orderIds);
      this.publish();
      if (res.results.length < batch.length) {
        // the head office stopped part-way (its database went away): the rest waits for the next attempt
        this.store.markAttempt(batch.slice(res.results.length), 'not applied: the head office stopped part-way');
        throw new StopCycle('the head office applied only part of the batch');
      }
    }
  }

  /**
   * The outbox report for this run's first page: when it changed since the last one the head office took, or a
   * minute has passed (so the monitor's "reported at" says the client is alive); otherwise none.
   */
  private reportDue(): OutboxReport | undefined {
    const report = this.store.outboxReport();
    const key = JSON.stringify(report);
    if (key === this.lastReport.key && Date.now() - this.lastReport.at < REPORT_EVERY_MS) return undefined;
    return report;
  }

  /**
   * Pulls until the run is complete. The next page is asked for (with the cursor of the page in hand), and sent,
   * before the page in hand is written: the head office computes it while this copy writes SQLite — on a first
   * sync, where both take seconds per thousand orders, that overlaps them instead of adding them. Pages are still
   * written in order, each with its cursor; a page that fails to write stops the run, and the page asked ahead is
   * dropped (the next run asks for it again from the saved cursor).
   */
  private async pullAll(): Promise<void> {
    let report = this.reportDue();
    const ask = (cursor: string | null, rep: OutboxReport | undefined) =>
      this.http.pull(cursor, this.o.pageSize, rep, this.windowMonths());
    let ahead: Promise<PullResponse> | null = null;
    try {
      let next = ask(this.store.cursor(), report);
      for (;;) {
        const page = await next;
        if (report) this.lastReport = { key: JSON.stringify(report), at: Date.now() };
        report = undefined;
        if (page.hasMore) {
          ahead = ask(page.cursor, undefined);
          // dropped if this page fails to write: its failure must not surface as an unhandled rejection
          ahead.catch(() => {});
          // the write below is synchronous (better-sqlite3): until it returns, nothing goes out. fetch writes the
          // request on a later turn of the event loop; two turns let it leave on a kept-alive connection (a new
          // connection may need more: the page then only overlaps less)
          await new Promise((r) => setImmediate(r));
          await new Promise((r) => setImmediate(r));
        }
        const hook = this.o.hooks.beforeCursorSaved;
        const change = this.store.applyPage(page, hook ? { beforeCursorSaved: () => hook(page) } : {});
        if (change.orderIds.length) this.emit('orders-changed', change.orderIds);
        this.snapshotProgress(page);
        if (!page.hasMore || !ahead) return;
        next = ahead;
        ahead = null;
      }
    } finally {
      // complete, or cut off (the next run goes on from the saved cursor and its count starts again)
      if (this.snapshot) {
        this.snapshot = null;
        this.publish();
      }
    }
  }

  /**
   * A snapshot's progress: its first page says how many orders it brings (orderTotal), each page brings some; the
   * UI shows "orders N of M" while the first sync fills the copy.
   */
  private snapshotProgress(page: PullResponse): void {
    if (page.reset) this.snapshot = { done: 0, total: page.orderTotal ?? null };
    if (!this.snapshot) return;
    this.snapshot.done += page.changes.filter((c) => c.entity === 'orders').length;
    if (page.hasMore) this.publish();
  }
}

function describe(e: unknown): string {
  if (e instanceof HttpError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
