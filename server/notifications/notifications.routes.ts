import { type Request, type Response, Router } from 'express';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { UNREAD_COUNT_LIMIT } from '../../domain/notifications.js';
import { authorize } from '../auth/authorize.js';
import { withRequestTransaction } from '../db/transaction.js';
import { type Actor, localeOf, setActor } from '../http/context.js';
import { UnauthorizedError } from '../http/errors.js';
import { authenticate, guarded, type RouteDeps } from '../http/handler.js';
import { describeRoutes, idParams } from '../openapi/registry.js';
import { type NotificationHub, SseStream } from './notification-stream.js';
import {
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  NOTIFICATION_CATEGORIES,
  notificationListQuery,
  notificationReadAllBody,
  notificationReadBody,
  notificationsAfter,
  toView,
  unreadCount,
} from './notifications.service.js';

const unreadCountSchema = z
  .number()
  .int()
  .max(UNREAD_COUNT_LIMIT)
  .describe(`unread notifications, counted up to ${UNREAD_COUNT_LIMIT} (that many means at least as many: show 99+)`);

/** Notifications replayed to a stream that reconnects with Last-Event-ID. */
const REPLAY_LIMIT = 100;

/**
 * The caller of a stream request. EventSource cannot set headers, so besides `Authorization: Bearer` this one
 * route also takes `?access_token=`. Trade-off: a token in a URL can land in proxy access logs and browser
 * history. Mitigations: only this read-only GET accepts it, access tokens live minutes, our own request log
 * redacts it (server/ops/request-log.ts), and the stream ends when the token expires. Clients that can set
 * headers (the Electron main process, fetch-based readers) should send the header instead.
 */
async function authenticateStream(
  req: Request,
  res: Response,
  deps: RouteDeps,
): Promise<{ actor: Actor; exp?: number }> {
  const header = req.get('authorization');
  const queryToken = typeof req.query.access_token === 'string' ? req.query.access_token : undefined;
  let token: string | undefined;
  let actor: Actor;
  if (header || !queryToken) {
    actor = await authenticate(req, res, deps.tokens);
    token = header?.replace(/^Bearer\s+/i, '');
  } else {
    actor = await deps.tokens.verify(queryToken);
    setActor(res, actor);
    token = queryToken;
  }
  let exp: number | undefined;
  try {
    const claims = token ? decodeJwt(token) : undefined;
    exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    throw new UnauthorizedError();
  }
  return { actor, exp };
}

export function notificationsRoutes(deps: RouteDeps & { hub: NotificationHub }): Router {
  const r = Router();
  r.get(
    '/notifications',
    guarded(deps, 'notifications.read', ({ tx, actor, req, res }) =>
      listNotifications(tx, actor, req.query, localeOf(req, res)),
    ),
  );
  r.get('/notifications/stream', async (req, res) => {
    const { actor, exp } = await authenticateStream(req, res, deps);
    authorize(actor, 'notifications.read');
    const locale = localeOf(req, res);
    const lastEventId = req.get('last-event-id');
    const replayFrom = lastEventId && z.uuid().safeParse(lastEventId).success ? lastEventId : undefined;
    const stream = new SseStream(actor, locale, res, exp, (s) => deps.hub.remove(s));
    stream.open();
    // joined before the backlog is read: a notification committed in between is pushed, never lost
    deps.hub.add(stream);
    const { unread, replay } = await withRequestTransaction(deps.pool, actor, async (tx) => ({
      unread: await unreadCount(tx, actor.userId),
      replay: replayFrom ? await notificationsAfter(tx, actor.userId, replayFrom, REPLAY_LIMIT) : [],
    }));
    for (const n of replay) stream.notification(toView(n, locale));
    stream.send('ready', { unreadCount: unread });
  });
  r.post(
    '/notifications/read-all',
    guarded(deps, 'notifications.read', ({ tx, actor, req }) => markAllNotificationsRead(tx, actor, req.body)),
  );
  r.post(
    '/notifications/:id/read',
    guarded(deps, 'notifications.read', ({ tx, actor, req, res }) =>
      markNotificationRead(tx, actor, req.params.id, req.body, localeOf(req, res)),
    ),
  );
  return r;
}

const notificationView = z
  .object({
    id: z.uuid(),
    category: z.enum(NOTIFICATION_CATEGORIES),
    orderId: z.uuid().nullable(),
    payload: z.record(z.string(), z.unknown()),
    status: z.enum(['UNREAD', 'READ']),
    readAt: z.string().nullable(),
    createdAt: z.string().meta({ description: 'microsecond ISO timestamp (UTC)' }),
    version: z.number().int(),
    title: z.string(),
    message: z.string(),
  })
  .meta({ id: 'Notification' });

export const notificationRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/notifications',
    action: 'notifications.read',
    tag: 'notifications',
    summary: 'My notifications, newest first (keyset paging)',
    query: notificationListQuery,
    responses: {
      200: {
        description: 'one page',
        schema: z.object({
          items: z.array(notificationView),
          nextCursor: z.string().nullable(),
          unreadCount: unreadCountSchema,
        }),
      },
    },
  },
  {
    method: 'get',
    path: '/api/notifications/stream',
    action: 'notifications.read',
    tag: 'notifications',
    summary: 'Live notifications (Server-Sent Events)',
    description:
      'Events: `ready` {unreadCount} once connected, `notification` (a Notification, id = its id), `resync` (re-list: ' +
      'live events may have been missed), `expired` (the access token expired; reconnect with a fresh one). Comment ' +
      'lines every SSE_HEARTBEAT_SECONDS. Send `Last-Event-ID` to replay what arrived since. EventSource cannot set ' +
      'headers, so this route also accepts `?access_token=` (see docs/api-operations.md for the trade-off).',
    query: z.object({ access_token: z.string().optional() }),
    responses: {
      200: { description: 'an event stream', contentType: 'text/event-stream', schema: z.string() },
    },
  },
  {
    method: 'post',
    path: '/api/notifications/read-all',
    action: 'notifications.read',
    tag: 'notifications',
    summary: 'Mark all my unread notifications (up to `until`) as read',
    body: notificationReadAllBody,
    responses: {
      200: {
        description: 'how many were marked',
        schema: z.object({ updated: z.number().int(), unreadCount: unreadCountSchema }),
      },
    },
  },
  {
    method: 'post',
    path: '/api/notifications/:id/read',
    action: 'notifications.read',
    tag: 'notifications',
    summary: 'Mark one of my notifications as read',
    params: idParams,
    body: notificationReadBody,
    responses: {
      200: { description: 'the notification, now read', schema: notificationView },
      404: { description: 'not one of mine' },
      409: { description: 'stale version; details.current is the notification' },
    },
  },
);
