// Login throttling. Each attempt takes a point from three buckets before the password is checked (so parallel
// guesses cannot slip through): the (username, address) pair — tight, so the clerk's own typos and an attacker at
// one address are stopped without locking the clerk out from another address; the username over all addresses —
// looser and slower, against guesses spread over many addresses; the address over all usernames — high, since a
// whole branch office shares one NAT address. A success forgets the username's failures and returns the point.
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ServerConfig, ThrottleRule } from '../config.js';
import { ThrottledError } from '../http/errors.js';

export interface LoginThrottle {
  /** Takes one attempt for the pair, the username and the address; 429 when any has none left. */
  attempt(username: string, ip: string): Promise<void>;
  /** A correct password: the username's failures are forgotten and the address gets its point back. */
  succeeded(username: string, ip: string): Promise<void>;
}

function limiter(rule: ThrottleRule, keyPrefix: string, redis: Redis | undefined): RateLimiterAbstract {
  const opts = { keyPrefix, points: rule.points, duration: rule.durationSeconds };
  if (!redis) return new RateLimiterMemory(opts);
  // If Redis is unreachable, each instance keeps throttling on its own rather than letting everything through.
  return new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) });
}

export function createLoginThrottle(config: ServerConfig['throttle'], redis?: Redis): LoginThrottle {
  const byPair = limiter(config.perUserAddress, `${config.keyPrefix}:pair`, redis);
  const byUser = limiter(config.perUsername, `${config.keyPrefix}:user`, redis);
  const byIp = limiter(config.perIp, `${config.keyPrefix}:ip`, redis);
  const userKey = (u: string) => u.trim().toLowerCase();
  // JSON keeps the two parts apart whatever characters the username holds
  const pairKey = (u: string, ip: string) => JSON.stringify([userKey(u), ip]);

  return {
    async attempt(username, ip) {
      const results = await Promise.allSettled([
        byPair.consume(pairKey(username, ip)),
        byUser.consume(userKey(username)),
        byIp.consume(ip),
      ]);
      const refused = results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => r.reason as unknown);
      if (refused.length === 0) return;
      const waits = refused.map((r) => (r instanceof RateLimiterRes ? r.msBeforeNext : 60_000));
      throw new ThrottledError(Math.max(...waits) / 1000);
    },
    async succeeded(username, ip) {
      await Promise.all([byPair.delete(pairKey(username, ip)), byUser.delete(userKey(username)), byIp.reward(ip, 1)]);
    },
  };
}
