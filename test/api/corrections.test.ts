import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenPair } from '../../server/auth/auth.service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { auditRows, createOrder, createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let w: World;
let hq: TokenPair;
let manager: TokenPair;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestServer(db);
  w = await createWorld(db.owner);
  hq = await api.login(w.hq.username);
  manager = await api.login(w.manager.username);
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const cancelled = () => createOrder(db.owner, { branchId: w.branch.id, partnerId: w.partner.id, status: '취소' });

describe('HQ corrections of terminal states', () => {
  it('HQ reopens a cancelled order with a note; history and audit keep who and why', async () => {
    const order = await cancelled();
    const r = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: hq,
      body: { version: 1, status: '미배정', correction: true, notes: '고객 재주문 요청으로 취소 정정' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: '미배정', version: 2 });
    const history = await db.owner.query(
      'SELECT previous_status, new_status, changed_by, notes FROM order_status_history WHERE order_id = $1 AND previous_status IS NOT NULL',
      [order.id],
    );
    expect(history.rows).toEqual([
      { previous_status: '취소', new_status: '미배정', changed_by: w.hq.id, notes: '고객 재주문 요청으로 취소 정정' },
    ]);
    const audit = await auditRows(db.owner, 'orders', order.id);
    expect(audit.some((a: { diff: Record<string, unknown> }) => 'status' in a.diff)).toBe(true);
  });

  it('without the correction flag a terminal order still refuses every move (422)', async () => {
    const order = await cancelled();
    const r = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: hq,
      body: { version: 1, status: '미배정', notes: '정정' },
    });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('ILLEGAL_TRANSITION');
  });

  it('a correction needs notes (400 naming notes), HQ (403 for a branch manager) and a terminal order (422)', async () => {
    const order = await cancelled();
    const noNote = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: hq,
      body: { version: 1, status: '미배정', correction: true },
    });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.field).toBe('notes');

    const byManager = await api.request('POST', `/api/orders/${order.id}/status`, {
      token: manager,
      body: { version: 1, status: '미배정', correction: true, notes: '정정' },
    });
    expect(byManager.status).toBe(403);

    const open = await createOrder(db.owner, { branchId: w.branch.id, status: '미배정' });
    const notTerminal = await api.request('POST', `/api/orders/${open.id}/status`, {
      token: hq,
      body: { version: 1, status: '취소', reasonCode: 'C01', correction: true, notes: '정정' },
    });
    expect(notTerminal.status).toBe(422);
    expect(notTerminal.body.error).toMatchObject({ code: 'NOT_A_CORRECTION', field: 'correction' });

    const unchanged = await db.owner.query('SELECT status, version FROM orders WHERE id = $1', [order.id]);
    expect(unchanged.rows[0]).toEqual({ status: '취소', version: 1 });
  });
});
