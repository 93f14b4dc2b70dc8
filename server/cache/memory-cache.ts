// The in-process cache: used when REDIS_URL is not set, i.e. one head-office instance. Same interface and the same
// generation-number scheme as the Redis one; invalidations do not cross processes (that needs Redis).
import { LRUCache } from 'lru-cache';
import { type CacheOptions, GenerationalCache } from './cache.js';

export interface MemoryCacheOptions extends CacheOptions {
  /** upper bound of the stored answers' total size (characters of JSON), default 64 MiB */
  maxSize?: number;
  /** how many scope generations are remembered, default 100 000 */
  maxScopes?: number;
}

export class MemoryCache extends GenerationalCache {
  readonly backend = 'memory' as const;
  private readonly values: LRUCache<string, string>;
  private readonly generations: LRUCache<string, number>;
  /** strictly increasing source of generation numbers: a number is never handed out twice */
  private counter = 0;
  /**
   * The generation of a scope that has none remembered. Raised whenever a remembered generation is evicted, so
   * that a scope whose entry was dropped can never fall back to a number its old answers were stored under.
   */
  private floor = 0;

  constructor(opts: MemoryCacheOptions) {
    super(opts);
    this.values = new LRUCache<string, string>({
      maxSize: opts.maxSize ?? 64 * 1024 * 1024,
      sizeCalculation: (v, k) => v.length + k.length,
      ttlAutopurge: false,
    });
    this.generations = new LRUCache<string, number>({
      max: opts.maxScopes ?? 100_000,
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') this.floor = ++this.counter;
      },
    });
  }

  protected async readGenerations(scopes: string[]): Promise<string[]> {
    return scopes.map((s) => String(this.generations.get(s) ?? this.floor));
  }

  protected async readValue(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  protected async writeValue(key: string, value: string, ttlMs: number): Promise<void> {
    this.values.set(key, value, { ttl: ttlMs });
  }

  protected async bump(scopes: string[]): Promise<void> {
    for (const s of scopes) this.generations.set(s, ++this.counter);
  }

  protected async fill(key: string, ttlMs: number, load: () => Promise<string>): Promise<string> {
    const value = await load();
    await this.writeValue(key, value, ttlMs);
    return value;
  }

  async close(): Promise<void> {
    this.values.clear();
  }
}
