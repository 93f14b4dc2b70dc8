// The order list's answer cache (FR-03, GET /api/orders; docs/cache.md "The order list"). The database document's
// cache rules keep `orders:list` answers and drop them on every order change; here, as for every cached answer,
// by the generations of the scopes the list depends on (b:<branch> for a manager's or a branch's list, `all`
// otherwise, and `ref`), bumped after COMMIT by the triggers' report (migration 0021) — on every instance at once
// through Redis, or in this process without it.
//
// An entry is one (caller visibility, query string) pair, stored as the JSON text the route sends:
//   - visibility is what row-level security lets the caller see (scopes.ts visibilityKey: HQ, BM:<branch>,
//     PC:<partner>, an installer's own user id), exactly the inputs of order_visible() (migration 0006);
//   - the query string is the request's, as sent: two spellings of one list are two entries, never one entry for
//     two lists; a query the route refuses (400, 403, 404) is never stored (the loader threw).
// Two paths read it:
//   1. the route (orders.routes.ts), inside the caller's transaction: the request check (app_enter_request) runs
//      as for every request, the list itself only on a miss;
//   2. orderListFromCache, ahead of the body parser and the routers: a hit is answered without a transaction when
//      the request check of the database says the caller's session is live — sync_idle_session (migration 0127:
//      app_enter_request's conditions), one statement, the idle pull's own (server/sync/sync.marks.ts), asked for
//      every hit: the idle pull's cache of its answers is only fresh after a poll that starts after the request,
//      up to 50 ms later, which made repeated lists slower than the database (docs/performance.md, round 6);
//      anything else goes on to the route.
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { can } from '../../domain/roles.js';
import { liveSession } from '../auth/session-check.js';
import type { AccessTokens } from '../auth/tokens.js';
import type { Cache } from '../cache/index.js';
import { CACHE_TTL, orderDataScopes, visibilityKey } from '../cache/scopes.js';
import type { Tx } from '../db/transaction.js';
import { type Actor, setActor } from '../http/context.js';
import { JsonText } from '../http/handler.js';
import { listOrders } from './orders.service.js';

export const ORDER_LIST_NAMESPACE = 'orders:list';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The query string of a request URL, as sent ('' without one). */
export function rawQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

/**
 * The scopes a list depends on: a manager's list holds its branch's orders only (RLS); HQ's list of one branch
 * that branch's; every other list (HQ's of all branches, a coordinator's partner's, an installer's own) may hold
 * any branch's orders. Always `ref` (partners, branches, reason codes).
 */
function listScopes(actor: Actor, query: string): string[] {
  if (actor.role === 'BRANCH_MANAGER') return orderDataScopes(actor.branchId ? actor.branchId.toLowerCase() : null);
  if (actor.role === 'HQ_ADMIN') {
    const ids = new URLSearchParams(query).getAll('branchId');
    if (ids.length === 1 && UUID.test(ids[0]!)) return orderDataScopes(ids[0]!.toLowerCase());
  }
  return orderDataScopes(null);
}

/** The cache entry of `actor`'s list for `query` (the URL's query string). */
export function orderListEntry(actor: Actor, query: string) {
  return { namespace: ORDER_LIST_NAMESPACE, key: [visibilityKey(actor), query], scopes: listScopes(actor, query) };
}

/**
 * GET /api/orders in the caller's transaction: from the cache when `cache` is given, else loaded. The answer
 * carries `X-Cache: hit` when this request did not run the list (another request's load, or a stored entry).
 */
export async function listOrdersAnswer(
  tx: Tx,
  actor: Actor,
  req: { url: string; query: unknown },
  res: { setHeader(name: string, value: string): unknown },
  cache: Cache | undefined,
): Promise<JsonText> {
  // the list is the transaction's last work: its statement carries the COMMIT (db/transaction.ts, lastQuery)
  const load = async () => JSON.stringify(await listOrders(tx, actor, req.query, { last: true }));
  if (!cache) return new JsonText(await load());
  let loaded = false;
  const text = await cache.getText({
    ...orderListEntry(actor, rawQuery(req.url)),
    ttlSeconds: CACHE_TTL.orderList,
    load: () => {
      loaded = true;
      return load();
    },
  });
  res.setHeader('x-cache', loaded ? 'miss' : 'hit');
  return new JsonText(text);
}

/**
 * GET /api/orders answered from the cache before the body parser and the routers, when the caller's token
 * verifies, its role may read orders, an entry is stored for its visibility and query, and its session passes
 * the request check. Otherwise, or on any error, the route answers (and fills the cache).
 */
export function orderListFromCache(tokens: AccessTokens, pool: pg.Pool, cache: Cache): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' || req.path !== '/api/orders') return next();
    const m = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i);
    if (!m?.[1]) return next();
    tokens
      .verify(m[1])
      .then(async (actor) => {
        if (!can(actor.role, 'orders.read')) return false;
        // the entry first (generations read now, after the request arrived): a miss goes to the route at once
        const body = await cache.peekText(orderListEntry(actor, rawQuery(req.url)));
        if (body === undefined) return false;
        if (!(await liveSession(pool, actor))) return false;
        setActor(res, actor);
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'x-cache': 'hit',
        });
        res.end(body);
        return true;
      })
      // a refused token, a failed check: the route answers as it always has (401, 403, 503)
      .catch(() => false)
      .then((answered) => {
        if (!answered) next();
      });
  };
}
