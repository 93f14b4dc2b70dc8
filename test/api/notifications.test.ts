import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRequestTransaction } from '../../server/db/transaction.js';
import { notify } from '../../server/notifications/notifications.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  addDays,
  createOrder,
  createUser,
  createWorld,
  mondayOf,
  seoulToday,
  type UserFixture,
  type World,
} from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { openSession } from '../support/session.js';
import { openSse } from '../support/sse.js';

let db: TestDatabase;
let api: TestServer;
let w: World;
let other: World;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
  w = await createWorld(db.owner);
  other = await createWorld(db.owner);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

async function unread(server: TestServer, user: UserFixture, headers: Record<string, string> = {}) {
  const res = await server.request('GET', '/api/notifications?status=UNREAD', {
    token: await server.login(user.username),
    headers,
  });
  expect(res.status).toBe(200);
  return res.body as { items: { category: string; orderId: string; title: string; message: string }[] };
}

async function assign(server: TestServer, user: UserFixture, world: World) {
  const order = await createOrder(db.owner, { branchId: world.branch.id });
  const res = await server.request('POST', `/api/orders/${order.id}/assign`, {
    token: await server.login(user.username),
    body: { version: order.version, installerId: world.installer.id },
  });
  expect(res.status).toBe(200);
  return { order, assigned: res.body };
}

describe('events create notifications', () => {
  it('an assignment notifies the installer and the partner coordinator, not the one who assigned', async () => {
    const { order } = await assign(api, w.manager, w);
    for (const user of [w.installerUser, w.coordinator]) {
      const list = await unread(api, user);
      const n = list.items.find((i) => i.orderId === order.id);
      expect(n).toMatchObject({ category: 'ASSIGNMENT', title: '새 배정' });
      expect(n?.message).toContain(order.orderNo);
    }
    expect((await unread(api, w.manager)).items.some((i) => i.orderId === order.id)).toBe(false);
  });

  it('부재, 연기 and 취소 notify the branch managers of the order’s branch, with the reason in their language', async () => {
    const secondManager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
    const order = await createOrder(db.owner, {
      branchId: w.branch.id,
      partnerId: w.partner.id,
      installerId: w.installer.id,
      status: '출문',
    });
    const token = await api.login(w.installerUser.username);
    const absent = await api.request('POST', `/api/orders/${order.id}/status`, {
      token,
      body: { version: order.version, status: '부재', reasonCode: 'A01' },
    });
    expect(absent.status).toBe(200);
    const postponed = await api.request('POST', `/api/orders/${order.id}/status`, {
      token,
      body: {
        version: absent.body.version,
        status: '연기',
        reasonCode: 'P01',
        appointmentDate: addDays(seoulToday(), 3),
      },
    });
    expect(postponed.status).toBe(200);
    const cancelled = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: await api.login(w.hq.username),
      body: { version: postponed.body.version, status: '취소', reasonCode: 'C01' },
    });
    expect(cancelled.status).toBe(200);

    for (const manager of [w.manager, secondManager]) {
      const mine = (await unread(api, manager)).items.filter((i) => i.orderId === order.id);
      expect(mine.map((i) => i.category)).toEqual(['CANCEL', 'POSTPONE', 'ABSENCE']);
      expect(mine[2]?.message).toContain('A01 고객 부재');
    }
    const english = (await unread(api, w.manager, { 'accept-language': 'en' })).items.find(
      (i) => i.orderId === order.id && i.category === 'POSTPONE',
    );
    expect(english?.message).toBe(
      `Order ${order.orderNo} was postponed to ${addDays(seoulToday(), 3)} (P01 Postponed at the customer's request).`,
    );
    // another branch's manager hears nothing of it
    expect((await unread(api, other.manager)).items.some((i) => i.orderId === order.id)).toBe(false);
  });

  it('locking and unlocking a settlement week notify the branch’s users', async () => {
    const monday = mondayOf(addDays(seoulToday(), -21));
    const managerToken = await api.login(w.manager.username);
    expect(await api.runtime.jobs.runNow('settlement-weeks')).toBe('completed');
    const weeks = await api.request('GET', `/api/settlements?branchId=${w.branch.id}&from=${monday}&to=${monday}`, {
      token: managerToken,
    });
    expect(weeks.status).toBe(200);
    const week = weeks.body.items[0];
    const locked = await api.request('POST', `/api/settlements/${week.id}/lock`, {
      token: managerToken,
      body: { version: week.version },
    });
    expect(locked.status).toBe(200);
    const unlocked = await api.request('POST', `/api/settlements/${week.id}/unlock`, {
      token: await api.login(w.hq.username),
      body: { version: locked.body.version },
    });
    expect(unlocked.status).toBe(200);

    const installerSees = (await unread(api, w.installerUser)).items.filter((i) => i.category.startsWith('SETTLEMENT'));
    expect(installerSees.map((i) => i.category)).toEqual(['SETTLEMENT_UNLOCK', 'SETTLEMENT_LOCK']);
    expect(installerSees[1]?.message).toContain(monday);
    // the manager who locked hears only of the unlock
    const managerSees = (await unread(api, w.manager)).items.filter((i) => i.category.startsWith('SETTLEMENT'));
    expect(managerSees.map((i) => i.category)).toEqual(['SETTLEMENT_UNLOCK']);
    expect((await unread(api, other.manager)).items.some((i) => i.category.startsWith('SETTLEMENT'))).toBe(false);
  });

  it('a sync push answered CONFLICT notifies the user whose op it was', async () => {
    const order = await createOrder(db.owner, { branchId: w.branch.id });
    const token = await api.login(w.manager.username);
    const opId = '0190a3c2-0000-7000-8000-00000000c0f1';
    const pushed = await api.request('POST', '/api/sync/push', {
      token,
      body: {
        clientId: 'branch-pc-1',
        ops: [
          {
            opId,
            entity: 'orders',
            entityId: order.id,
            kind: 'order.update',
            payload: { remarks: 'edited offline' },
            expectedVersion: order.version + 5,
          },
        ],
      },
    });
    expect(pushed.status).toBe(200);
    expect(pushed.body.results[0].status).toBe('CONFLICT');
    const n = (await unread(api, w.manager)).items.find((i) => i.category === 'SYNC_CONFLICT');
    expect(n).toMatchObject({ orderId: order.id, title: '동기화 충돌' });
    expect(n?.message).toContain('order.update');
  });

  it('a rolled-back transaction leaves no notification', async () => {
    const ctx = {
      userId: w.hq.id,
      role: 'HQ_ADMIN' as const,
      branchId: null,
      partnerId: null,
      sessionId: await openSession(db.owner, w.hq.id),
    };
    await expect(
      withRequestTransaction(api.pool, ctx, async (tx) => {
        await notify(tx, { userIds: [other.installerUser.id], category: 'CANCEL', payload: { orderNo: 'GONE-1' } });
        throw new Error('the change failed after notifying');
      }),
    ).rejects.toThrow('the change failed');
    const { rows } = await db.owner.query('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1', [
      other.installerUser.id,
    ]);
    expect(rows[0].n).toBe(0);
  });
});

describe('GET /api/notifications, read, read-all', () => {
  let user: UserFixture;
  beforeAll(async () => {
    user = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: other.branch.id });
    const ctx = {
      userId: w.hq.id,
      role: 'HQ_ADMIN' as const,
      branchId: null,
      partnerId: null,
      sessionId: await openSession(db.owner, w.hq.id),
    };
    // seven notifications in seven transactions, and three more in one (identical created_at: the id breaks ties)
    for (let i = 1; i <= 7; i++) {
      await withRequestTransaction(api.pool, ctx, (tx) =>
        notify(tx, { userIds: [user.id], category: 'CANCEL', payload: { orderNo: `N-${i}` } }),
      );
    }
    await withRequestTransaction(api.pool, ctx, async (tx) => {
      for (let i = 8; i <= 10; i++) {
        await notify(tx, { userIds: [user.id], category: 'CANCEL', payload: { orderNo: `N-${i}` } });
      }
    });
  });

  it('pages newest first with a cursor, each notification exactly once', async () => {
    const token = await api.login(user.username);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await api.request('GET', `/api/notifications?status=UNREAD&limit=3${q}`, { token });
      expect(res.status).toBe(200);
      expect(res.body.unreadCount).toBe(10);
      seen.push(...res.body.items.map((i: { payload: { orderNo: string } }) => i.payload.orderNo));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['N-10', 'N-9', 'N-8', 'N-7', 'N-6', 'N-5', 'N-4', 'N-3', 'N-2', 'N-1']);
  });

  it('names the bad field', async () => {
    const token = await api.login(user.username);
    for (const [query, field] of [
      ['status=NEW', 'status'],
      ['limit=0', 'limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['sort=asc', 'sort'],
    ]) {
      const res = await api.request('GET', `/api/notifications?${query}`, { token });
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', field });
    }
    const noVersion = await api.request('POST', `/api/notifications/${w.hq.id}/read`, { token, body: {} });
    expect(noVersion.body.error).toMatchObject({ code: 'VALIDATION', field: 'version' });
    const badId = await api.request('POST', '/api/notifications/42/read', { token, body: { version: 1 } });
    expect(badId.body.error).toMatchObject({ code: 'VALIDATION', field: 'id' });
    expect((await api.request('GET', '/api/notifications')).status).toBe(401);
  });

  it('marks one read with its version; a stale version is 409; another user’s is 404, even for HQ', async () => {
    const token = await api.login(user.username);
    const first = (await api.request('GET', '/api/notifications?status=UNREAD&limit=1', { token })).body.items[0];
    const stale = await api.request('POST', `/api/notifications/${first.id}/read`, {
      token,
      body: { version: first.version + 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current).toMatchObject({ id: first.id, status: 'UNREAD' });

    for (const intruder of [w.hq, other.manager]) {
      const res = await api.request('POST', `/api/notifications/${first.id}/read`, {
        token: await api.login(intruder.username),
        body: { version: first.version },
      });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }

    const read = await api.request('POST', `/api/notifications/${first.id}/read`, {
      token,
      body: { version: first.version },
    });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: first.id, status: 'READ', version: first.version + 1 });
    // reading it again is harmless
    const again = await api.request('POST', `/api/notifications/${first.id}/read`, {
      token,
      body: { version: first.version },
    });
    expect(again.body).toMatchObject({ status: 'READ', version: first.version + 1 });

    const list = await api.request('GET', '/api/notifications?status=READ', { token });
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([first.id]);
    expect(list.body.unreadCount).toBe(9);
  });

  it('read-all marks only what existed up to `until`', async () => {
    const token = await api.login(user.username);
    const { rows } = await db.owner.query<{ t: string }>(
      `SELECT to_char(max(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM notifications
        WHERE user_id = $1 AND payload->>'orderNo' = 'N-7'`,
      [user.id],
    );
    const bad = await api.request('POST', '/api/notifications/read-all', { token, body: { until: 'yesterday' } });
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION', field: 'until' });
    const some = await api.request('POST', '/api/notifications/read-all', { token, body: { until: rows[0]!.t } });
    expect(some.status).toBe(200);
    // N-10 was read above; N-1 … N-7 are marked, N-8 and N-9 (newer than `until`) stay unread
    expect(some.body).toEqual({ updated: 7, unreadCount: 2 });
    const rest = await api.request('POST', '/api/notifications/read-all', { token });
    expect(rest.body).toEqual({ updated: 2, unreadCount: 0 });
  });
});

describe('the unread count is bounded', () => {
  it('counts up to 100 (the badge shows 99+), exactly below; read-all and the stream say the same', async () => {
    const user = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: other.branch.id });
    // 150 unread: counting all of a user's unread notifications grows with them (9,012 for one user at 5M orders)
    await db.owner.query(
      `INSERT INTO notifications(user_id, category, payload)
       SELECT $1, 'CANCEL', jsonb_build_object('orderNo', 'U-' || i) FROM generate_series(1, 150) i`,
      [user.id],
    );
    const token = await api.login(user.username);
    const list = await api.request('GET', '/api/notifications?status=UNREAD&limit=5', { token });
    expect(list.status).toBe(200);
    expect(list.body.unreadCount).toBe(100);
    const stream = await openSse(`${api.url}/api/notifications/stream`, {
      authorization: `Bearer ${token.accessToken}`,
    });
    try {
      expect((await stream.next('ready')).data.unreadCount).toBe(100);
    } finally {
      stream.close();
    }
    // 60 of them read: 90 left, counted exactly
    const ids = await db.owner.query<{ id: string }>(
      'SELECT id FROM notifications WHERE user_id = $1 ORDER BY id LIMIT 60',
      [user.id],
    );
    await db.owner.query("UPDATE notifications SET status = 'READ', read_at = now() WHERE id = ANY($1)", [
      ids.rows.map((r) => r.id),
    ]);
    const after = await api.request('GET', '/api/notifications?limit=1', { token });
    expect(after.body.unreadCount).toBe(90);
    const all = await api.request('POST', '/api/notifications/read-all', { token, body: {} });
    expect(all.body).toEqual({ updated: 90, unreadCount: 0 });
  });
});

describe('live push over Server-Sent Events', () => {
  async function crossInstance(label: string, redisUrl: string | undefined) {
    const a = await startTestServer(db, { config: { redisUrl } });
    const b = await startTestServer(db, { config: { redisUrl } });
    try {
      expect(a.runtime.bus.carrier, label).toBe(redisUrl ? 'redis' : 'postgres');
      const installerToken = await b.login(w.installerUser.username);
      const stream = await openSse(`${b.url}/api/notifications/stream`, {
        authorization: `Bearer ${installerToken.accessToken}`,
      });
      expect(stream.status).toBe(200);
      await stream.next('ready');

      // a request on instance A; the stream is held by instance B
      const { order } = await assign(a, w.manager, w);
      const pushed = await stream.next('notification');
      expect(pushed.data).toMatchObject({
        category: 'ASSIGNMENT',
        orderId: order.id,
        status: 'UNREAD',
        title: '새 배정',
      });
      expect(pushed.id).toBe(pushed.data.id);
      stream.close();
      // the hub forgets a closed stream
      for (let i = 0; i < 50 && b.runtime.hub.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(b.runtime.hub.size).toBe(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  }

  it('delivers a notification created by a request on another instance (PostgreSQL LISTEN/NOTIFY)', async () => {
    await crossInstance('postgres', undefined);
  });

  it.runIf(process.env.REDIS_URL)('delivers across instances over Redis pub/sub when REDIS_URL is set', async () => {
    await crossInstance('redis', process.env.REDIS_URL);
  });

  it('accepts ?access_token= (EventSource cannot send headers), replays after Last-Event-ID, refuses no token', async () => {
    const pair = await api.login(w.coordinator.username);
    const none = await openSse(`${api.url}/api/notifications/stream`);
    expect(none.status).toBe(401);
    expect(none.errorBody).toMatchObject({ error: { code: 'UNAUTHORIZED' } });

    const stream = await openSse(`${api.url}/api/notifications/stream?access_token=${pair.accessToken}`, {
      'accept-language': 'en',
    });
    expect(stream.status).toBe(200);
    expect((await stream.next('ready')).data.unreadCount).toBeGreaterThan(0);
    const { order: first } = await assign(api, w.manager, w);
    const firstEvent = await stream.next('notification');
    expect(firstEvent.data).toMatchObject({ orderId: first.id, title: 'New assignment' });
    stream.close();

    // two more while disconnected; reconnecting with the last id seen replays exactly those, oldest first
    const { order: second } = await assign(api, w.manager, w);
    const { order: third } = await assign(api, w.manager, w);
    const again = await openSse(`${api.url}/api/notifications/stream`, {
      authorization: `Bearer ${pair.accessToken}`,
      'last-event-id': firstEvent.id!,
    });
    const replayed = [await again.next('notification'), await again.next('notification')];
    await again.next('ready');
    expect(replayed.map((e) => e.data.orderId)).toEqual([second.id, third.id]);
    again.close();
  });

  it('sends heartbeats on an idle stream and forgets the stream when the client goes', async () => {
    const beating = await startTestServer(db, { config: { notifications: { sseHeartbeatSeconds: 1 } } });
    try {
      const pair = await beating.login(w.hq.username);
      const stream = await openSse(`${beating.url}/api/notifications/stream`, {
        authorization: `Bearer ${pair.accessToken}`,
      });
      await stream.next('ready');
      expect(beating.runtime.hub.size).toBe(1);
      for (let i = 0; i < 100 && stream.comments().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(stream.comments()).toContain(': ping');
      stream.close();
      for (let i = 0; i < 50 && beating.runtime.hub.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(beating.runtime.hub.size).toBe(0);
    } finally {
      await beating.stop();
    }
  });

  it('ends the stream when the access token expires', async () => {
    // long enough that a busy machine still opens the stream before the token runs out
    const short = await startTestServer(db, { config: { accessTokenTtlSeconds: 3 } });
    try {
      const pair = await short.login(w.coordinator.username);
      const stream = await openSse(`${short.url}/api/notifications/stream`, {
        authorization: `Bearer ${pair.accessToken}`,
      });
      await stream.next('ready');
      await stream.next('expired', 10_000);
      for (let i = 0; i < 50 && !stream.ended(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(stream.ended()).toBe(true);
    } finally {
      await short.stop();
    }
  });
});

/** Subject and text of a single-part message as nodemailer sends it (RFC 2047 headers, QP or base64 body). */
function decodeMail(raw: string): { subject: string; text: string } {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => unfolded.match(new RegExp(`^${name}: (.*)$`, 'im'))?.[1] ?? '';
  const words = (v: string) =>
    v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
  const body = rest.join('\r\n\r\n');
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  let text = body;
  if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    text = Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return { subject: words(header('Subject')), text };
}

describe('e-mail fallback', () => {
  const mails: { to: string[]; subject: string; text: string }[] = [];
  let smtp: SMTPServer;
  let smtpUrl: string;
  let hqSession: string;
  const hq = () => ({
    userId: w.hq.id,
    role: 'HQ_ADMIN' as const,
    branchId: null,
    partnerId: null,
    sessionId: hqSession,
  });

  beforeAll(async () => {
    hqSession = await openSession(db.owner, w.hq.id);
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            ...decodeMail(Buffer.concat(chunks).toString('utf8')),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it('mails unread notifications once, in the user’s language, only to users with an address', async () => {
    const mailing = await startTestServer(db, {
      config: { notifications: { smtpUrl, emailAfterMinutes: 0 }, jobs: { pollingIntervalSeconds: 0.5 } },
    });
    try {
      const english = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id, locale: 'en' });
      const noMail = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
      await db.owner.query('UPDATE users SET email = $2 WHERE id = $1', [english.id, 'manager@example.test']);
      // everything older is out of this test's way
      await db.owner.query('UPDATE notifications SET emailed_at = now() WHERE emailed_at IS NULL');

      await withRequestTransaction(api.pool, hq(), async (tx) => {
        await notify(tx, { userIds: [english.id, noMail.id], category: 'CANCEL', payload: { orderNo: 'MAIL-1' } });
        await notify(tx, { userIds: [english.id], category: 'CANCEL', payload: { orderNo: 'MAIL-2' } });
      });
      // one already read: not mailed
      const readOne = await withRequestTransaction(api.pool, hq(), (tx) =>
        notify(tx, { userIds: [english.id], category: 'CANCEL', payload: { orderNo: 'MAIL-READ' } }),
      );
      await db.owner.query(`UPDATE notifications SET status = 'READ', read_at = now() WHERE id = $1`, [readOne[0]]);

      expect(await mailing.runtime.jobs.runNow('notification-email')).toBe('completed');
      expect(mails).toHaveLength(1);
      const mail = mails[0]!;
      expect(mail.to).toEqual(['manager@example.test']);
      expect(mail.subject).toBe('[Branch Dispatch] 2 unread notification(s)');
      expect(mail.text).toContain('Order MAIL-1 was cancelled');
      expect(mail.text).toContain('Order MAIL-2 was cancelled');
      expect(mail.text).not.toContain('MAIL-READ');

      const { rows } = await db.owner.query(
        `SELECT payload->>'orderNo' AS no, emailed_at IS NOT NULL AS mailed FROM notifications
          WHERE user_id = ANY($1) ORDER BY 1, 2`,
        [[english.id, noMail.id]],
      );
      expect(rows).toEqual([
        { no: 'MAIL-1', mailed: false },
        { no: 'MAIL-1', mailed: true },
        { no: 'MAIL-2', mailed: true },
        { no: 'MAIL-READ', mailed: false },
      ]);

      // the next run finds nothing new to send
      expect(await mailing.runtime.jobs.runNow('notification-email')).toBe('completed');
      expect(mails).toHaveLength(1);
    } finally {
      await mailing.stop();
    }
  });

  it('waits NOTIFY_EMAIL_AFTER_MINUTES (default 15) before mailing', async () => {
    const patient = await startTestServer(db, {
      config: { notifications: { smtpUrl }, jobs: { pollingIntervalSeconds: 0.5 } },
    });
    try {
      const u = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: w.branch.id });
      await db.owner.query('UPDATE users SET email = $2 WHERE id = $1', [u.id, 'later@example.test']);
      const [fresh] = await withRequestTransaction(api.pool, hq(), (tx) =>
        notify(tx, { userIds: [u.id], category: 'CANCEL', payload: { orderNo: 'LATER-1' } }),
      );
      const before = mails.length;
      expect(await patient.runtime.jobs.runNow('notification-email')).toBe('completed');
      expect(mails.length).toBe(before);
      // 16 minutes later
      await db.owner.query(`UPDATE notifications SET created_at = now() - interval '16 minutes' WHERE id = $1`, [
        fresh,
      ]);
      expect(await patient.runtime.jobs.runNow('notification-email')).toBe('completed');
      const sent = mails.slice(before);
      expect(sent.map((m) => m.to)).toEqual([['later@example.test']]);
      expect(sent[0]?.subject).toBe('[배송 배정] 읽지 않은 알림 1건');
      expect(sent[0]?.text).toContain('주문 LATER-1이(가) 취소되었습니다');
    } finally {
      await patient.stop();
    }
  });
});
