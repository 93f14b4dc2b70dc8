// The shared cache on Redis (REDIS_URL): every head-office instance reads and bumps the same generations, so an
// invalidation by one instance is seen by all (no pub/sub needed: the next read computes a new key).
import type { Redis } from 'ioredis';
import { type CacheOptions, GenerationalCache, lockToken, scopeTtlMs } from './cache.js';

/**
 * Bumps generation keys: INCR, except that a key that does not exist (never bumped, or expired) starts at the
 * server clock in microseconds instead of 1, so a generation number is never handed out twice even when a key
 * disappears and comes back. ARGV[i] > 0 gives KEYS[i] that expiry (ms).
 */
const BUMP = `
for i, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then
    redis.call('INCR', k)
  else
    local t = redis.call('TIME')
    redis.call('SET', k, t[1] .. string.format('%06d', tonumber(t[2])))
  end
  local ttl = tonumber(ARGV[i])
  if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
end
return #KEYS`;

/** Deletes the fill lock only if it is still ours. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** How long one instance may hold a key's fill lock. */
const FILL_LOCK_MS = 5000;
const POLL_MS = 15;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RedisCache extends GenerationalCache {
  readonly backend = 'redis' as const;
  private readonly fillWaitMs: number;

  constructor(
    private readonly redis: Redis,
    opts: CacheOptions,
  ) {
    super(opts);
    this.fillWaitMs = opts.fillWaitMs ?? 2000;
  }

  protected async readGenerations(scopes: string[]): Promise<string[]> {
    const values = await this.redis.mget(...scopes.map((s) => this.genKey(s)));
    return values.map((v) => v ?? '0');
  }

  protected async readValue(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined;
  }

  protected async writeValue(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', Math.max(1, ttlMs));
  }

  protected async bump(scopes: string[]): Promise<void> {
    await this.redis.eval(BUMP, scopes.length, ...scopes.map((s) => this.genKey(s)), ...scopes.map(scopeTtlMs));
  }

  private async tryLock(lockKey: string, token: string): Promise<boolean> {
    return (await this.redis.set(lockKey, token, 'PX', FILL_LOCK_MS, 'NX')) === 'OK';
  }

  /**
   * Stampede protection across instances: one instance takes the key's fill lock (SET NX PX) and loads; the
   * others poll for its value. If the holder gives up (error, crash: the lock expires) a waiter takes over; after
   * fillWaitMs a waiter loads on its own rather than keep its client waiting.
   */
  protected async fill(key: string, ttlMs: number, load: () => Promise<string>): Promise<string> {
    const lockKey = `${key}:fill`;
    const token = lockToken();
    let locked = false;
    try {
      locked = await this.tryLock(lockKey, token);
      if (!locked) {
        this.counters.waits++;
        const deadline = Date.now() + this.fillWaitMs;
        while (!locked && Date.now() < deadline) {
          await sleep(POLL_MS);
          const value = await this.redis.get(key);
          if (value !== null) return value;
          locked = await this.tryLock(lockKey, token);
        }
      }
      if (locked) {
        // filled by another instance between our miss (or our last poll) and our lock: the holder writes the
        // value, then lets the lock go, so a waiter that takes the freed lock must look once more before loading
        const value = await this.redis.get(key);
        if (value !== null) {
          await this.unlock(lockKey, token);
          return value;
        }
      }
    } catch (err) {
      this.counters.errors++;
      this.logger?.warn({ err }, 'cache fill lock failed, loading without it');
    }
    try {
      const value = await load();
      try {
        await this.writeValue(key, value, ttlMs);
      } catch (err) {
        this.counters.errors++;
        this.logger?.warn({ err }, 'cache write failed');
      }
      return value;
    } finally {
      if (locked) await this.unlock(lockKey, token);
    }
  }

  private async unlock(lockKey: string, token: string): Promise<void> {
    try {
      await this.redis.eval(UNLOCK, 1, lockKey, token);
    } catch {
      // it expires by itself
    }
  }

  async close(): Promise<void> {
    // the Redis client belongs to the caller (startServer), which quits it
  }
}
