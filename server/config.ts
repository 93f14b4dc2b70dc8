import { persistentSecret } from '../db/pg/data-dir.js';

export interface ThrottleRule {
  /** failed attempts allowed within the window */
  points: number;
  durationSeconds: number;
}

export interface ServerConfig {
  /** HS256 key of the access tokens */
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Redis for the login throttle (shared between instances); unset → in-process memory */
  redisUrl: string | undefined;
  /** Express "trust proxy": set when a reverse proxy forwards the client address */
  trustProxy: boolean | number | string;
  bodyLimit: string;
  throttle: {
    /** prefix of the limiter keys, so several deployments (or test files) can share one Redis */
    keyPrefix: string;
    perUsername: ThrottleRule;
    perIp: ThrottleRule;
  };
}

export type ConfigOverrides = Partial<Omit<ServerConfig, 'throttle'>> & {
  throttle?: Partial<ServerConfig['throttle']>;
};

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function trustProxyFromEnv(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^[0-9]+$/.test(raw) ? Number(raw) : raw;
}

/** The server's settings from the environment; `overrides` wins (tests, scripts). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): ServerConfig {
  const base: ServerConfig = {
    jwtSecret: overrides.jwtSecret ?? persistentSecret('JWT_SECRET', 'jwt_secret', 48),
    accessTokenTtlSeconds: intFromEnv(env, 'ACCESS_TOKEN_TTL_SECONDS', 15 * 60),
    refreshTokenTtlSeconds: intFromEnv(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600),
    redisUrl: env.REDIS_URL || undefined,
    trustProxy: trustProxyFromEnv(env.TRUST_PROXY),
    bodyLimit: env.BODY_LIMIT ?? '1mb',
    throttle: {
      keyPrefix: env.THROTTLE_KEY_PREFIX ?? 'dispatch:login',
      perUsername: { points: intFromEnv(env, 'LOGIN_MAX_FAILURES_PER_USER', 5), durationSeconds: 15 * 60 },
      perIp: { points: intFromEnv(env, 'LOGIN_MAX_FAILURES_PER_IP', 50), durationSeconds: 15 * 60 },
    },
  };
  const { throttle, ...rest } = overrides;
  return { ...base, ...rest, throttle: { ...base.throttle, ...throttle } };
}
