// FR-11 "live when online": the client keeps the head office's notification stream open and pulls as soon as a
// notification is announced, so a clerk sees it within moments, not at the next timed pull (set to an hour here,
// so only the stream can bring it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientSession } from '../../main/sync/session.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createInstaller, createOrder, createUser, seoulToday } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { tempDir } from './support.js';

let db: TestDatabase;
let api: TestServer;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

async function until<T>(read: () => T, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('live notifications in the client', () => {
  it('a 부재 reported elsewhere reaches the branch manager’s client without waiting for the timed pull', async () => {
    const branch = await createBranch(db.owner);
    const manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
    const hq = await createUser(db.owner, { role: 'HQ_ADMIN' });
    const installer = await createInstaller(db.owner, { branchId: branch.id });
    const order = await createOrder(db.owner, {
      branchId: branch.id,
      installerId: installer.id,
      status: '출문',
      appointmentDate: seoulToday(),
    });

    const session = await ClientSession.login(
      { serverUrl: api.url, username: manager.username, password: manager.password },
      { dataDir: tempDir('live-'), engine: { pullIntervalMs: 3_600_000 } },
    );
    try {
      session.start();
      const unread = () => session.store.db.prepare("SELECT count(*) AS n FROM notifications WHERE status = 'UNREAD'");
      const orderStatus = () =>
        (session.store.db.prepare('SELECT status FROM orders WHERE id = ?').get(order.id) as { status?: string })
          ?.status;
      // the first sync (started at once) has the order as it is
      expect(await until(orderStatus, (s) => s === '출문')).toBe('출문');
      expect((unread().get() as { n: number }).n).toBe(0);

      const token = await api.login(hq.username);
      const res = await api.request('POST', `/api/orders/${order.id}/status`, {
        token,
        body: { version: order.version, status: '부재', reasonCode: 'A01' },
      });
      expect(res.status).toBe(200);

      const n = await until(
        () => (unread().get() as { n: number }).n,
        (v) => v > 0,
      );
      expect(n).toBe(1);
      const row = session.store.db.prepare('SELECT category, order_id FROM notifications').get() as {
        category: string;
        order_id: string;
      };
      expect(row).toEqual({ category: 'ABSENCE', order_id: order.id });
      // the pull it started brought the order's new status too
      expect(orderStatus()).toBe('부재');
    } finally {
      await session.close();
    }
  });
});
