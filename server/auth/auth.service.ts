import type pg from 'pg';
import { z } from 'zod';
import type { SessionUser } from '../../domain/client-api.js';
import { ACTIONS, type Action, ROLES, type Role } from '../../domain/roles.js';
import type { ServerConfig } from '../config.js';
import { type Tx, withAnonymousTransaction, withRequestTransaction } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import * as repo from './auth.repository.js';
import { authorize } from './authorize.js';
import {
  burnVerification,
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProof,
  verifyPassword,
} from './passwords.js';
import type { LoginThrottle } from './throttle.js';
import { type AccessTokens, hashRefreshToken, newRefreshToken } from './tokens.js';

export const loginBody = z
  .object({
    username: z.string().trim().min(1).max(64),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  })
  .strict();

export const refreshBody = z
  .object({
    refreshToken: z.string().min(1).max(200),
    /**
     * Random, chosen by the client for this refresh token and sent again when it retries the refresh: with it,
     * a retry after a lost answer gets new tokens instead of revoking the family as a reused token would.
     */
    retryKey: z.string().min(16).max(200).optional(),
  })
  .strict();

export const passwordChangeBody = z
  .object({
    currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    newPassword: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH),
  })
  .strict();

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  /** seconds */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  user: SessionUser;
}

export interface Me extends SessionUser {
  email: string | null;
  roles: Role[];
  installerId: string | null;
  /** the actions of domain/roles.ts this user's role may do (the client shows only those) */
  actions: Action[];
}

export interface AuthDeps {
  pool: pg.Pool;
  config: ServerConfig;
  tokens: AccessTokens;
  throttle: LoginThrottle;
}

/** A user holding several roles signs in with the broadest (the order of ROLES). */
function primaryRole(roles: readonly Role[]): Role | undefined {
  return ROLES.find((r) => roles.includes(r));
}

function actorOf(user: repo.UserRecord, role: Role): Actor {
  return {
    userId: user.id,
    username: user.username,
    role,
    branchId: user.branchId,
    partnerId: user.partnerId,
    locale: user.locale,
  };
}

function sessionUser(user: repo.UserRecord, role: Role): SessionUser {
  return {
    id: user.id,
    username: user.username,
    fullName: user.fullName,
    role,
    branchId: user.branchId,
    partnerId: user.partnerId,
    locale: user.locale,
  };
}

/** Opens a session for the proved user (login) or the caller (password change) and signs its first pair. */
async function issue(deps: AuthDeps, tx: Tx, user: repo.UserRecord, role: Role): Promise<TokenPair> {
  const refresh = newRefreshToken();
  const session = await repo.openSession(tx, {
    tokenHash: refresh.hash,
    ttlSeconds: deps.config.refreshTokenTtlSeconds,
  });
  return pairOf(deps, user, role, session, refresh.token);
}

async function pairOf(
  deps: AuthDeps,
  user: repo.UserRecord,
  role: Role,
  session: { familyId: string; expiresAt: Date },
  refreshToken: string,
): Promise<TokenPair> {
  return {
    tokenType: 'Bearer',
    // the access token names its session (the family): ending the session ends the token (migration 0071)
    accessToken: await deps.tokens.sign({ ...actorOf(user, role), sessionId: session.familyId }),
    expiresIn: deps.tokens.ttlSeconds,
    refreshToken,
    refreshExpiresAt: session.expiresAt.toISOString(),
    user: sessionUser(user, role),
  };
}

/**
 * POST /api/auth/login. Unknown username and wrong password give the same answer after the same work;
 * the throttle counts every attempt per (username, address), username and address. The password is proved in
 * the database (migrations 0073, 0075): the server recomputes the hash with the stored salt (given for its key),
 * the database compares it with the stored hash in an attempt it throttles by the same rules, and only then lets
 * the user be read and a session be opened for it.
 */
export async function login(deps: AuthDeps, body: unknown, ip: string): Promise<TokenPair> {
  const input = parse(loginBody, body);
  await deps.throttle.attempt(input.username, ip);
  const invalid = () => new UnauthorizedError('INVALID_CREDENTIALS', 'errors.invalidCredentials');
  const key = deps.config.dbServerKey;
  const salt = await withAnonymousTransaction(deps.pool, (tx) => repo.passwordSalt(tx, input.username, key));
  if (!salt) {
    await burnVerification(input.password);
    throw invalid();
  }
  const proof = await passwordProof(salt, input.password);
  if (!proof) throw invalid();
  // committed before its result is asked for: the database's throttle counts every answer (migration 0075)
  const attempt = await withAnonymousTransaction(deps.pool, (tx) =>
    repo.attemptLogin(tx, { username: input.username, proof, address: ip, serverKey: key }),
  );
  return withAnonymousTransaction(deps.pool, async (tx) => {
    const userId = await repo.finishLogin(tx, attempt);
    if (!userId) throw invalid();
    await deps.throttle.succeeded(input.username, ip);
    const user = await repo.findUserById(tx, userId);
    // Only someone who knows the password learns that the account is disabled or has no role.
    if (!user?.isActive) throw new UnauthorizedError('ACCOUNT_INACTIVE', 'errors.accountInactive');
    const role = primaryRole(user.roles);
    if (!role) throw new ForbiddenError('errors.noRole');
    return issue(deps, tx, user, role);
  });
}

type RefreshResult = { ok: true; pair: TokenPair } | { ok: false; error: UnauthorizedError | ForbiddenError };

/**
 * POST /api/auth/refresh: the token is used once and replaced by a new one of the same family. Presenting a
 * used token again means it was copied: the whole family is revoked (the thief's and the owner's sessions) —
 * unless it comes with the retry key of the refresh that used it while the token issued then has never been
 * used: the owner retrying a refresh whose answer the network lost (issue 17), answered with a new pair.
 * Decided in the database (auth_refresh_retry, migration 0062, as 0073's auth_refresh), which alone reaches
 * refresh_tokens.
 */
export async function refresh(deps: AuthDeps, body: unknown): Promise<TokenPair> {
  const input = parse(refreshBody, body);
  const next = newRefreshToken();
  // Revocations must be committed even though the caller gets an error, so the outcome is returned, not thrown.
  const outcome = await withAnonymousTransaction<RefreshResult>(deps.pool, async (tx) => {
    const r = await repo.useRefreshToken(tx, {
      oldHash: hashRefreshToken(input.refreshToken),
      newHash: next.hash,
      retryKeyHash: input.retryKey ? hashRefreshToken(input.retryKey) : null,
      ttlSeconds: deps.config.refreshTokenTtlSeconds,
    });
    if (r.outcome === 'invalid') {
      return { ok: false, error: new UnauthorizedError('REFRESH_INVALID', 'errors.refreshInvalid') };
    }
    if (r.outcome === 'reused') {
      return { ok: false, error: new UnauthorizedError('REFRESH_REUSED', 'errors.refreshReused') };
    }
    if (r.outcome === 'inactive') {
      return { ok: false, error: new UnauthorizedError('ACCOUNT_INACTIVE', 'errors.accountInactive') };
    }
    const user = await repo.findUserById(tx, r.userId);
    const role = user && primaryRole(user.roles);
    if (!user || !role) {
      return { ok: false, error: new UnauthorizedError('ACCOUNT_INACTIVE', 'errors.accountInactive') };
    }
    return { ok: true, pair: await pairOf(deps, user, role, r, next.token) };
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.pair;
}

/**
 * POST /api/auth/logout: ends the refresh token's family — the session — and so its access tokens at once.
 * Unknown tokens are fine (already logged out). Returns the ended session, whose live streams the route closes.
 */
export async function logout(deps: AuthDeps, body: unknown): Promise<{ sessionId: string } | undefined> {
  const input = parse(refreshBody, body);
  const sessionId = await withAnonymousTransaction(deps.pool, (tx) =>
    repo.endSessionOfToken(tx, hashRefreshToken(input.refreshToken)),
  );
  return sessionId ? { sessionId } : undefined;
}

/** GET /api/me */
export async function me(tx: Tx, actor: Actor): Promise<Me> {
  authorize(actor, 'account.self');
  const user = await repo.findUserById(tx, actor.userId);
  if (!user) throw new NotFoundError('user');
  return {
    ...sessionUser(user, actor.role),
    email: user.email,
    roles: user.roles,
    installerId: user.installerId,
    actions: (Object.keys(ACTIONS) as Action[]).filter((a) => (ACTIONS[a] as readonly Role[]).includes(actor.role)),
  };
}

/**
 * POST /api/auth/password: checks the current password (throttled like a login), stores the new hash, ends
 * every session of the user (their access tokens at once, this one's included) and returns a fresh token pair
 * of a new session.
 */
export async function changePassword(deps: AuthDeps, actor: Actor, body: unknown, ip: string): Promise<TokenPair> {
  authorize(actor, 'account.self');
  const input = parse(passwordChangeBody, body);
  if (input.newPassword === input.currentPassword) throw new ValidationError('newPassword', 'errors.samePassword');
  await deps.throttle.attempt(actor.username, ip);
  const user = await withRequestTransaction(deps.pool, actor, (tx) => repo.findUserById(tx, actor.userId));
  if (!user?.isActive) throw new UnauthorizedError('ACCOUNT_INACTIVE', 'errors.accountInactive');
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new ValidationError('currentPassword', 'errors.wrongCurrentPassword');
  }
  await deps.throttle.succeeded(actor.username, ip);
  const newHash = await hashPassword(input.newPassword);
  return withRequestTransaction(deps.pool, actor, async (tx) => {
    await repo.updatePasswordHash(tx, user.id, newHash);
    await repo.revokeRefreshTokensOfUser(tx, user.id);
    return issue(deps, tx, user, actor.role);
  });
}
