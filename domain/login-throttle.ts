// The login throttle's numbers, in one place: the server's HTTP throttle (server/auth/throttle.ts) uses them, and
// `npm run db:migrate` stores them for the database's own throttle of auth_login (migration 0075), so a caller
// holding dispatch_app's password meets the same policy. Each bucket counts failed attempts in a sliding window:
// the (username, address) pair — tight, the clerk's own typos and an attacker at one address; the username over
// all addresses — looser and slower, the back-off against guesses spread over many addresses; the address over
// all usernames — high, since a whole branch office shares one NAT address. A success forgets the username's
// failures.

export interface ThrottleRule {
  /** failed attempts allowed within the window */
  points: number;
  durationSeconds: number;
}

export interface LoginThrottleRules {
  perUserAddress: ThrottleRule;
  perUsername: ThrottleRule;
  perIp: ThrottleRule;
}

function count(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** The rules, with the operators' LOGIN_MAX_FAILURES_* overrides from `env` (the process environment). */
export function loginThrottleRules(env: Readonly<Record<string, string | undefined>>): LoginThrottleRules {
  return {
    perUserAddress: { points: count(env, 'LOGIN_MAX_FAILURES_PER_USER_ADDRESS', 5), durationSeconds: 15 * 60 },
    perUsername: { points: count(env, 'LOGIN_MAX_FAILURES_PER_USER', 20), durationSeconds: 60 * 60 },
    perIp: { points: count(env, 'LOGIN_MAX_FAILURES_PER_IP', 300), durationSeconds: 15 * 60 },
  };
}
