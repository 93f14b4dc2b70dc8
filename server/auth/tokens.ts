import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { ROLES, type Role } from '../../domain/roles.js';
import type { ServerConfig } from '../config.js';
import type { Actor } from '../http/context.js';
import { UnauthorizedError } from '../http/errors.js';
import { isLocale } from '../i18n/index.js';

const ISSUER = 'branch-dispatch';
const AUDIENCE = 'dispatch-api';
/** clocks of several instances may differ a little */
const CLOCK_TOLERANCE_SECONDS = 30;

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
  private readonly sealKey: Buffer;
  private readonly verified = new LRUCache<string, { actor: Actor; expiresAtMs: number }>({ max: VERIFIED_MAX });

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
    this.sealKey = createHash('sha256').update(`session-seal\0${secret}`).digest();
  }

  /**
   * A session id sealed (AES-256-GCM) with a key derived from the token key, for a job that later acts in the
   * session (an export build): the job's row is readable by dispatch_app, the session id must not be, since it
   * is what the database accepts as proof of a caller (migration 0071).
   */
  sealSession(sessionId: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([c.update(sessionId, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
  }

  /** The session id of sealSession(), or undefined for anything else. */
  openSession(sealed: unknown): string | undefined {
    if (typeof sealed !== 'string') return undefined;
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const d = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  static fromConfig(config: ServerConfig): AccessTokens {
    return new AccessTokens(config.jwtSecret, config.accessTokenTtlSeconds);
  }

  sign(actor: Actor & { sessionId: string }): Promise<string> {
    return new SignJWT({
      sid: actor.sessionId,
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
      // exp and iat are required and a token may not live longer than the configured lifetime: a token signed
      // with the key but without an end (or issued in the future) is refused
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat', 'sub', 'sid'],
        maxTokenAge: this.ttlSeconds,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      const role = payload.role as Role;
      if (
        typeof payload.sub !== 'string' ||
        !ROLES.includes(role) ||
        typeof payload.usr !== 'string' ||
        typeof payload.sid !== 'string' ||
        typeof payload.iat !== 'number' ||
        typeof payload.exp !== 'number' ||
        payload.exp - payload.iat > this.ttlSeconds ||
        payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS
      ) {
        throw new UnauthorizedError();
      }
      const actor: Actor = {
        userId: payload.sub,
        username: payload.usr,
        role,
        branchId: typeof payload.br === 'string' ? payload.br : null,
        partnerId: typeof payload.pt === 'string' ? payload.pt : null,
        locale: isLocale(payload.loc) ? payload.loc : 'ko',
        issuedAt: payload.iat,
        sessionId: payload.sid,
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
