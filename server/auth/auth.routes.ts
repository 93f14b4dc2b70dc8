import { type Request, Router } from 'express';
import { decodeJwt } from 'jose';
import { authenticate, guarded, open, type RouteDeps } from '../http/handler.js';
import type { NotificationHub } from '../notifications/notification-stream.js';
import { type AuthDeps, changePassword, login, logout, me, refresh } from './auth.service.js';
import { authorize } from './authorize.js';

function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function authRoutes(deps: AuthDeps & RouteDeps & { hub?: NotificationHub }): Router {
  const r = Router();
  r.post(
    '/auth/login',
    open((req) => login(deps, req.body, clientIp(req))),
  );
  r.post(
    '/auth/refresh',
    open((req) => refresh(deps, req.body)),
  );
  r.post(
    '/auth/logout',
    open(async (req) => {
      const ended = await logout(deps, req.body);
      if (ended) deps.hub?.endSessions((s) => s.actor.sessionId === ended.sessionId);
    }),
  );
  r.get(
    '/me',
    guarded(deps, 'account.self', ({ tx, actor }) => me(tx, actor)),
  );
  // Not `guarded`: hashing must not hold a transaction open, so the service opens its own.
  r.post(
    '/auth/password',
    open(async (req, res) => {
      const actor = await authenticate(req, res, deps.tokens);
      authorize(actor, 'account.self');
      const pair = await changePassword(deps, actor, req.body, clientIp(req));
      // every earlier session of the user ended with the change, so did their live streams
      const fresh = decodeJwt(pair.accessToken).sid;
      deps.hub?.endSessions((s) => s.actor.userId === actor.userId && s.actor.sessionId !== fresh);
      return pair;
    }),
  );
  return r;
}
