// A route is one line: its action of the role × action matrix and the service call. The wrapper authenticates,
// checks the action (403 before any service code runs), opens the caller's transaction and sends the result.
import type { Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import type { Action } from '../../domain/roles.js';
import { authorize } from '../auth/authorize.js';
import type { AccessTokens } from '../auth/tokens.js';
import type { Cache } from '../cache/index.js';
import type { ReportReads } from '../db/reports.js';
import { type Tx, withRequestTransaction } from '../db/transaction.js';
import { type Actor, setActor } from './context.js';
import { UnauthorizedError } from './errors.js';

export interface RouteDeps {
  pool: pg.Pool;
  tokens: AccessTokens;
  /** the answer cache (server/cache); services read through it where docs/cache.md lists one */
  cache?: Cache;
  /** where report reads go (server/db/reports.ts); absent: the pool */
  reports?: ReportReads;
}

export interface Call {
  tx: Tx;
  actor: Actor;
  req: Request;
  res: Response;
}

export interface SendOptions {
  /** success status, default 200 (204 when the handler returns undefined) */
  status?: number;
}

/** An answer serialised already (e.g. kept so by a cache): sent as it is, as res.json would send its JSON. */
export class JsonText {
  constructor(readonly text: string) {}
}

function send(res: Response, result: unknown, opts: SendOptions): void {
  if (result === undefined) res.status(204).end();
  else if (result instanceof JsonText)
    res
      .status(opts.status ?? 200)
      .set('content-type', 'application/json; charset=utf-8')
      .send(result.text);
  else res.status(opts.status ?? 200).json(result);
}

/** The caller of a request with `Authorization: Bearer <access token>`, or 401. */
export async function authenticate(req: Request, res: Response, tokens: AccessTokens): Promise<Actor> {
  const header = req.get('authorization');
  const m = header?.match(/^Bearer\s+(\S+)$/i);
  if (!m?.[1]) throw new UnauthorizedError();
  const actor = await tokens.verify(m[1]);
  setActor(res, actor);
  return actor;
}

/** A route that needs `action`, run in one transaction under the caller's row-level-security context. */
export function guarded<T>(
  deps: RouteDeps,
  action: Action,
  fn: (call: Call) => Promise<T>,
  opts: SendOptions = {},
): RequestHandler {
  return async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, action);
    const result = await withRequestTransaction(deps.pool, actor, (tx) => fn({ tx, actor, req, res }));
    send(res, result, opts);
  };
}

/**
 * A read-only report route (FR-07, FR-08): as guarded(), but the transaction runs where report reads go — a
 * streaming replica that has replayed what the primary had written, else the primary — under the same
 * row-level-security context.
 */
export function guardedReport<T>(deps: RouteDeps, action: Action, fn: (call: Call) => Promise<T>): RequestHandler {
  return async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, action);
    const pool = deps.reports ? await deps.reports.pool() : deps.pool;
    const result = await withRequestTransaction(pool, actor, (tx) => fn({ tx, actor, req, res }));
    send(res, result, {});
  };
}

/** A route that needs `action` but manages its own transactions (e.g. slow work that must not hold one open). */
export function guardedNoTx<T>(
  deps: RouteDeps,
  action: Action,
  fn: (actor: Actor, req: Request, res: Response) => Promise<T>,
  opts: SendOptions = {},
): RequestHandler {
  return async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, action);
    send(res, await fn(actor, req, res), opts);
  };
}

/** A route anyone may call (login, token refresh). */
export function open<T>(fn: (req: Request, res: Response) => Promise<T>, opts: SendOptions = {}): RequestHandler {
  return async (req, res) => {
    send(res, await fn(req, res), opts);
  };
}
