import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Cache, CacheQuery } from './cache.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache } from './redis-cache.js';

export type { Cache, CacheQuery, CacheStats } from './cache.js';
export { CACHE_TTL, orderDataScopes, scopes, visibilityKey } from './scopes.js';

/**
 * `q`'s answer through `cache`, or straight from its loader without one (a service called outside an HTTP
 * request, e.g. by the sync push, has none).
 */
export function cached<T>(cache: Cache | undefined, q: CacheQuery<T>): Promise<T> {
  return cache ? cache.get(q) : q.load();
}

/** Redis when the server has a Redis client (REDIS_URL), else the in-process cache. */
export function createCache(opts: { redis?: Redis; keyPrefix: string; logger?: Logger }): Cache {
  return opts.redis
    ? new RedisCache(opts.redis, { keyPrefix: opts.keyPrefix, logger: opts.logger })
    : new MemoryCache({ keyPrefix: opts.keyPrefix, logger: opts.logger });
}
