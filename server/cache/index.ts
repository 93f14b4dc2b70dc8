import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Cache } from './cache.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache } from './redis-cache.js';

export type { Cache, CacheQuery, CacheStats } from './cache.js';
export { CACHE_TTL, orderDataScopes, scopes, visibilityKey } from './scopes.js';

/** Redis when the server has a Redis client (REDIS_URL), else the in-process cache. */
export function createCache(opts: { redis?: Redis; keyPrefix: string; logger?: Logger }): Cache {
  return opts.redis
    ? new RedisCache(opts.redis, { keyPrefix: opts.keyPrefix, logger: opts.logger })
    : new MemoryCache({ keyPrefix: opts.keyPrefix, logger: opts.logger });
}
