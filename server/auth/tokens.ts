import { createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { ROLES, type Role } from '../../domain/roles.js';
import type { ServerConfig } from '../config.js';
import type { Actor } from '../http/context.js';
import { UnauthorizedError } from '../http/errors.js';
import { isLocale } from '../i18n/index.js';

const ISSUER = 'branch-dispatch';
const AUDIENCE = 'dispatch-api';

/**
 * Tokens verified by this process, until they expire: a client sends the same access token with every request
 * for its lifetime, and jose's HS256 verification (WebCrypto: an async job, a key import check, a promise) was
 * the largest single cost of a request in the bench's CPU profile (≈ 7 % of the server's CPU under FR-03 load).
 * Keyed by the whole token string, so a token differing in any character (a forged one) is verified afresh;
 * expiry is checked on every use. Revocation does not live in the token: every request's context statement
 * checks the session (migration 0046).
 */
const VERIFIED_MAX = 20_000;

/** Short-lived access tokens (JWT, HS256) carrying the caller's row-level-security context. */
export class AccessTokens {
  private readonly key: Uint8Array;
  private readonly verified = new LRUCache<string, { actor: Actor; expiresAtMs: number }>({ max: VERIFIED_MAX });

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  static fromConfig(config: ServerConfig): AccessTokens {
    return new AccessTokens(config.jwtSecret, config.accessTokenTtlSeconds);
  }

  sign(actor: Actor): Promise<string> {
    return new SignJWT({
      usr: actor.username,
      role: actor.role,
      br: actor.branchId,
      pt: actor.partnerId,
      loc: actor.locale,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(actor.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<Actor> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return { ...known.actor };
      this.verified.delete(token);
      throw new UnauthorizedError('TOKEN_EXPIRED', 'errors.tokenExpired');
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      const role = payload.role as Role;
      if (typeof payload.sub !== 'string' || !ROLES.includes(role) || typeof payload.usr !== 'string') {
        throw new UnauthorizedError();
      }
      const actor: Actor = {
        userId: payload.sub,
        username: payload.usr,
        role,
        branchId: typeof payload.br === 'string' ? payload.br : null,
        partnerId: typeof payload.pt === 'string' ? payload.pt : null,
        locale: isLocale(payload.loc) ? payload.loc : 'ko',
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
      };
      // jose refuses a token without exp only if told to; ours always carry one (sign())
      if (typeof payload.exp === 'number') this.verified.set(token, { actor, expiresAtMs: payload.exp * 1000 });
      return { ...actor };
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new UnauthorizedError('TOKEN_EXPIRED', 'errors.tokenExpired');
      if (e instanceof UnauthorizedError) throw e;
      throw new UnauthorizedError();
    }
  }
}

/** A new opaque refresh token; only its SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
