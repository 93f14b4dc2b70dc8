import { type Request, Router } from 'express';
import { authenticate, guarded, open, type RouteDeps } from '../http/handler.js';
import { type AuthDeps, changePassword, login, logout, me, refresh } from './auth.service.js';
import { authorize } from './authorize.js';

function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function authRoutes(deps: AuthDeps & RouteDeps): Router {
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
    open((req) => logout(deps, req.body)),
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
      return changePassword(deps, actor, req.body, clientIp(req));
    }),
  );
  return r;
}
