import { createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role } from '../../domain/roles.js';
import type { ServerConfig } from '../config.js';
import type { Actor } from '../http/context.js';
import { UnauthorizedError } from '../http/errors.js';
import { isLocale } from '../i18n/index.js';

const ISSUER = 'branch-dispatch';
const AUDIENCE = 'dispatch-api';

/** Short-lived access tokens (JWT, HS256) carrying the caller's row-level-security context. */
export class AccessTokens {
  private readonly key: Uint8Array;

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
      return {
        userId: payload.sub,
        username: payload.usr,
        role,
        branchId: typeof payload.br === 'string' ? payload.br : null,
        partnerId: typeof payload.pt === 'string' ? payload.pt : null,
        locale: isLocale(payload.loc) ? payload.loc : 'ko',
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
      };
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
