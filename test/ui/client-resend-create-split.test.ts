// A refused new order or split can be fixed and sent again from the failures list (issue 12): the real client
// services and engine against a real head office. The new order carries an order number the head office already
// holds on another branch's order (the client cannot know it); the split moves part of a line on which the head
// office recorded serials meanwhile. Sent again as it was, each is refused again (here, or by the head office);
// with the clerk's fix (another number; the whole line) it is checked as a new change, queued — the failure goes —
// and lands at the head office.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderCreate } from '../../domain/order-schemas.js';
import { splitOrderLocally } from '../../main/channel-handlers/part-writes.js';
import { type ClientServices, createClientServices } from '../../main/services/client-services.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createOrder, createUser, seoulToday, type UserFixture } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let server: TestServer;
let services: ClientServices;
let manager: UserFixture;
let branchId: string;
let otherBranchId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  branchId = (await createBranch(db.owner, { name: '재전송지점' })).id;
  otherBranchId = (await createBranch(db.owner, { name: '다른지점' })).id;
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId });
  server = await startTestServer(db);
  // the test drives the cycles: no push right after a write, no pull on a timer
  services = createClientServices({
    dataDir: mkdtempSync(join(tmpdir(), 'resend-cs-')),
    emit: () => {},
    engine: { writeDebounceMs: 600_000, pullIntervalMs: 600_000 },
  });
  await services.handlers['auth:login']({
    serverUrl: server.url,
    username: manager.username,
    password: manager.password,
  });
  await services.current()!.engine.syncNow();
});

afterAll(async () => {
  await services?.close();
  await server?.stop();
  await db?.drop();
});

const failed = () => services.handlers['sync:failed']({});
/** Cycles until the outbox is empty and a whole cycle has run since. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const st = await services.current()!.engine.syncNow();
    if (st.pending === 0 && i > 0) return;
  }
  throw new Error('the outbox did not drain');
}

describe('refused new orders and splits are fixed and sent again from the failures list', () => {
  it('a new order whose number the head office holds: refused naming it; sent again with another number', async () => {
    const taken = `DUP-${Date.now().toString(36).toUpperCase()}`;
    await createOrder(db.owner, { branchId: otherBranchId, orderNo: taken });
    const create: OrderCreate = {
      orderNo: taken,
      customerName: '재전송고객',
      customerPhone: '010-5100-0001',
      address: { line1: '세종대로 1', city: '서울 중구' },
      vendor: '동부대우전자',
      branchId,
      appointmentDate: seoulToday(),
      lines: [{ itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 }],
    };
    const made = await services.handlers['orders:create'](create);
    await settle();
    const [refused] = await failed();
    // the order is gone from the copy, but the failure still names its number and customer
    expect(refused).toMatchObject({
      kind: 'order.create',
      resendable: true,
      error: { code: 'DUPLICATE', field: 'orderNo' },
      order: { id: made.id, orderNo: taken, customerName: '재전송고객' },
    });
    expect(services.current()!.store.getOrder(made.id)).toBeNull();

    // as it was: the head office refuses it again, and the failure is still there
    await services.handlers['sync:resendFailed']({ opId: refused!.opId });
    await settle();
    const again = await failed();
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ kind: 'order.create', error: { field: 'orderNo' } });

    // the form's values with the number fixed: queued as a new order (the failure goes at once), then created
    const fixedNo = `${taken}-B`;
    const sent = await services.handlers['sync:resendFailed']({
      opId: again[0]!.opId,
      fix: { kind: 'order.create', order: { ...(again[0]!.payload as OrderCreate), orderNo: fixedNo } },
    });
    expect(sent).toMatchObject({ id: made.id, orderNo: fixedNo, pendingOps: 1 });
    expect(await failed()).toEqual([]);
    await settle();
    expect(await failed()).toEqual([]);
    const { rows } = await db.owner.query(
      `SELECT o.order_no, o.customer_name, (SELECT count(*)::int FROM order_lines l WHERE l.order_id = o.id) AS lines
         FROM orders o WHERE o.id = $1`,
      [made.id],
    );
    expect(rows).toEqual([{ order_no: fixedNo, customer_name: '재전송고객', lines: 1 }]);
  });

  it('a split of a line that got serials at the head office: refused; sent again moving the whole line', async () => {
    const order = await createOrder(db.owner, {
      branchId,
      status: '출문',
      appointmentDate: seoulToday(),
      lines: [
        { itemCode: 'GEN-100', itemName: '소형 가전', quantity: 2 },
        { itemCode: 'GEN-200', itemName: '부속', quantity: 1 },
      ],
    });
    const [line, other] = order.lineIds as [string, string];
    await settle();
    const s = services.current()!;
    const seen = s.store.getOrder(order.id)!;
    splitOrderLocally(s.store, { id: order.id, version: seen.version, lines: [{ lineId: line, quantity: 1 }] });
    // before the push: the head office records both units' serials on that line (its order's version stays)
    await db.owner.query(
      `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial)
       SELECT $1, id, created_at, s FROM orders, unnest(ARRAY['SPL-1-' || $3, 'SPL-2-' || $3]) AS s WHERE id = $2`,
      [line, order.id, order.id.slice(-6)],
    );
    await settle();
    const [refused] = await failed();
    expect(refused).toMatchObject({
      kind: 'order.split',
      resendable: true,
      error: { code: 'SPLIT_SERIALS', field: 'lines.0.quantity' },
      order: { id: order.id },
      payload: { lines: [{ lineId: line, quantity: 1 }] },
    });

    // as it was: the copy now knows the serials, and refuses it here, naming the line's quantity
    await expect(services.handlers['sync:resendFailed']({ opId: refused!.opId })).rejects.toMatchObject({
      code: 'SPLIT_SERIALS',
      field: 'lines.0.quantity',
    });
    expect((await failed()).map((f) => f.opId)).toEqual([refused!.opId]);

    // fixed in the split form: the whole line (its serials go with it) — queued, the failure gone, then split
    const now = s.store.getOrder(order.id)!;
    await services.handlers['sync:resendFailed']({
      opId: refused!.opId,
      fix: { kind: 'order.split', version: now.version, lines: [{ lineId: line, quantity: 2 }] },
    });
    expect(await failed()).toEqual([]);
    await settle();
    expect(await failed()).toEqual([]);
    const { rows } = await db.owner.query(
      `SELECT l.id, l.order_id = $1 AS on_parent FROM order_lines l WHERE l.id = ANY($2::uuid[]) ORDER BY l.item_code`,
      [order.id, [line, other]],
    );
    expect(rows).toEqual([
      { id: line, on_parent: false },
      { id: other, on_parent: true },
    ]);
  });
});
