// The head office's cache (docs/cache.md): one interface, two implementations — Redis (ioredis) when REDIS_URL is set,
// shared by every instance; an in-process LRU (lru-cache) otherwise. See docs/cache.md for the reasoning.
//
// Invalidation is by GENERATION NUMBERS, never by deleting keys (Redis has no `DEL pattern*`): every cached answer
// names the scopes it depends on (b:<branch>, all, cn:<customer>, ref …, see scopes.ts) and its key embeds their
// current generations. A write bumps the generations of the scopes it touched — AFTER its transaction commits —
// and every later read computes a new key, so old entries are simply never read again and expire by TTL.
//
// Ordering, the part that makes "no read after a committed write returns the old value" hold:
//   reader:  1. read the generations   2. run the query (a new snapshot)   3. store under the generations of 1
//   writer:  a. COMMIT                 b. bump the generations            c. answer the client
// A reader that saw the NEW generation (1 after b) started its query after the commit (b after a), so it loads
// the new data. A reader that saw the OLD generation may load old or new data, but stores it under the old
// generation, which nobody reads after b. A reader between a and b (committed, not yet bumped) reads the old
// generation and may be answered from the old entry: it overlapped the write, whose client has not been answered
// yet (c after b). Bumping BEFORE the commit would be wrong: a reader between b and a would load pre-commit data
// and store it under the new generation, where it would stay until its TTL.
// Step 2 relies on READ COMMITTED (each statement takes a new snapshot), PostgreSQL's default and the server's.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';

export type KeyPart = string | number | boolean | null | undefined;

export interface CacheQuery<T> {
  /** what kind of answer, e.g. "kpi"; part of the key, and the label of the stats */
  namespace: string;
  /** what identifies the answer within its namespace: the caller's visibility and the parameters */
  key: readonly KeyPart[];
  /** the generation scopes the answer depends on (a write to any of them makes it stale) */
  scopes: readonly string[];
  ttlSeconds: number;
  /** computes the answer; must return JSON-serialisable data (what a cache hit returns is JSON.parse of it) */
  load: () => Promise<T>;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** loader calls */
  loads: number;
  /** readers that waited for another instance's load instead of loading themselves */
  waits: number;
  /** cache errors passed over (the answer was loaded from the database instead) */
  errors: number;
  invalidations: number;
}

export interface Cache {
  readonly backend: 'redis' | 'memory';
  /** the cached answer of `q` under the current generations of its scopes, loading (once) on a miss */
  get<T>(q: CacheQuery<T>): Promise<T>;
  /**
   * As get, but the loader's text is stored and returned as it is (an answer serialised once: a hit costs no
   * JSON.parse and no JSON.stringify). The text need not be JSON.
   */
  getText(q: CacheQuery<string>): Promise<string>;
  /**
   * The text `getText(q)` stored under the current generations of q's scopes, or undefined: nothing is loaded or
   * waited for (a miss, or the cache unreachable, is left to a getText that follows).
   */
  peekText(q: Omit<CacheQuery<string>, 'load' | 'ttlSeconds'>): Promise<string | undefined>;
  /** bumps the generations of `scopes` ("*" = everything); call after the write committed */
  invalidate(scopes: readonly string[]): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}

/** Every answer depends on this scope too: "*" bumps it (a write touching too many scopes to list). */
export const EPOCH_SCOPE = 'epoch';

export interface CacheOptions {
  /** prefix of every key, so deployments (and test servers) can share one Redis */
  keyPrefix: string;
  logger?: Logger;
  /** how long a reader waits for another instance loading the same key before loading itself (ms) */
  fillWaitMs?: number;
}

/** Generation scopes that expire when unused (one per customer: unbounded in number). Others live forever. */
export function scopeTtlMs(scope: string): number {
  return scope.startsWith('cn:') || scope.startsWith('cp:') ? 24 * 3600 * 1000 : 0;
}

function hashKey(parts: readonly KeyPart[]): string {
  return createHash('sha1').update(JSON.stringify(parts)).digest('base64url');
}

/**
 * The shared part of both implementations: key building, single-flight per key in this process, error
 * fall-back. Subclasses store strings and generations.
 */
export abstract class GenerationalCache implements Cache {
  abstract readonly backend: 'redis' | 'memory';
  protected readonly prefix: string;
  protected readonly logger: Logger | undefined;
  private readonly inFlight = new Map<string, Promise<string>>();
  protected readonly counters: CacheStats = { hits: 0, misses: 0, loads: 0, waits: 0, errors: 0, invalidations: 0 };

  constructor(opts: CacheOptions) {
    this.prefix = opts.keyPrefix;
    this.logger = opts.logger;
  }

  protected genKey(scope: string): string {
    return `${this.prefix}:gen:${scope}`;
  }

  /** current generation of each scope ("0" for one never bumped) */
  protected abstract readGenerations(scopes: string[]): Promise<string[]>;
  protected abstract readValue(key: string): Promise<string | undefined>;
  protected abstract writeValue(key: string, value: string, ttlMs: number): Promise<void>;
  protected abstract bump(scopes: string[]): Promise<void>;
  /**
   * Fills `key` with `load()` unless another instance already does (then waits for its value). The memory
   * cache has no other instance: it just loads.
   */
  protected abstract fill(key: string, ttlMs: number, load: () => Promise<string>): Promise<string>;
  abstract close(): Promise<void>;

  /** The key of q's answer under the current generations of its scopes (read first: see the top of this file). */
  private async entryKey(q: Pick<CacheQuery<unknown>, 'namespace' | 'key' | 'scopes'>): Promise<string> {
    const scopes = [EPOCH_SCOPE, ...new Set(q.scopes)].sort();
    const gens = await this.readGenerations(scopes);
    return `${this.prefix}:v:${q.namespace}:${hashKey(q.key)}:${gens.join('.')}`;
  }

  async get<T>(q: CacheQuery<T>): Promise<T> {
    return JSON.parse(await this.text(q, async () => JSON.stringify(await q.load()))) as T;
  }

  getText(q: CacheQuery<string>): Promise<string> {
    return this.text(q, q.load);
  }

  async peekText(q: Omit<CacheQuery<string>, 'load' | 'ttlSeconds'>): Promise<string | undefined> {
    try {
      const cached = await this.readValue(await this.entryKey(q));
      if (cached !== undefined) this.counters.hits++;
      return cached;
    } catch (err) {
      this.counters.errors++;
      this.logger?.warn({ err, namespace: q.namespace }, 'cache unavailable');
      return undefined;
    }
  }

  private async text(q: CacheQuery<unknown>, load: () => Promise<string>): Promise<string> {
    let key: string;
    let cached: string | undefined;
    try {
      // 1. generations first, then (on a miss) the query: see the ordering argument at the top of this file
      key = await this.entryKey(q);
      cached = await this.readValue(key);
    } catch (err) {
      this.counters.errors++;
      this.logger?.warn({ err, namespace: q.namespace }, 'cache unavailable, reading the database');
      this.counters.loads++;
      return load();
    }
    if (cached !== undefined) {
      this.counters.hits++;
      return cached;
    }
    this.counters.misses++;
    // Single-flight: concurrent misses of one key in this process share one load. The key includes the
    // generations, so a reader after a bump never joins a load started before it.
    let flight = this.inFlight.get(key);
    if (!flight) {
      const ttlMs = q.ttlSeconds * 1000;
      flight = this.fill(key, ttlMs, async () => {
        this.counters.loads++;
        return load();
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, flight);
    }
    return flight;
  }

  async invalidate(scopes: readonly string[]): Promise<void> {
    const list = [...new Set(scopes.map((s) => (s === '*' ? EPOCH_SCOPE : s)))];
    if (list.length === 0) return;
    this.counters.invalidations++;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bump(list);
        return;
      } catch (err) {
        if (attempt >= 3) {
          // The write is committed; its cached answers stay until their TTL. Logged loudly: it should not happen.
          this.counters.errors++;
          this.logger?.error({ err, scopes: list }, 'cache invalidation failed');
          return;
        }
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    }
  }

  stats(): CacheStats {
    return { ...this.counters };
  }
}

/** A random token for lock ownership. */
export function lockToken(): string {
  return randomBytes(12).toString('base64url');
}
