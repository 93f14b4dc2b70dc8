// A refused serial or pick-up can be fixed and sent again from the failures list (issue 12), like the order's own
// changes: the real client services and engine against a real head office. The serial clashes with one the head
// office holds on another branch's order (the client cannot know it); the pick-up names a code the head office
// retired after the client's copy was made. Once the head office's side is dealt with, 다시 보내기 goes through.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWastePickup, recordSerials } from '../../main/channel-handlers/part-writes.js';
import { type ClientServices, createClientServices } from '../../main/services/client-services.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createOrder, createUser, seoulToday, type UserFixture } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let server: TestServer;
let services: ClientServices;
let manager: UserFixture;
let order: { id: string; lineIds: string[] };
let elsewhere: { id: string; lineIds: string[] };

beforeAll(async () => {
  db = await createTestDatabase();
  const branch = await createBranch(db.owner, { name: '재전송지점' });
  const other = await createBranch(db.owner, { name: '다른지점' });
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  const lines = [{ itemCode: 'AC-2000', itemName: '벽걸이 에어컨', quantity: 1 }];
  order = await createOrder(db.owner, { branchId: branch.id, status: '출문', appointmentDate: seoulToday(), lines });
  elsewhere = await createOrder(db.owner, { branchId: other.id, status: '출문', appointmentDate: seoulToday(), lines });
  await db.owner.query(
    "INSERT INTO waste_codes(code, name_ko, name_en) VALUES ('Z91', '재전송 폐가전', 'resend') ON CONFLICT DO NOTHING",
  );
  server = await startTestServer(db);
  services = createClientServices({ dataDir: mkdtempSync(join(tmpdir(), 'resend-')), emit: () => {} });
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
/** Cycles until the outbox is empty: the cycle already under way when the op was written may end without it. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const st = await services.current()!.engine.syncNow();
    if (st.pending === 0 && i > 0) return;
  }
  throw new Error('the outbox did not drain');
}

describe('refused serials and pick-ups are sent again from the failures list', () => {
  it('a serial the head office held on another order: refused, then sent again once that one is removed', async () => {
    // the head office already has this serial, on an order of another branch
    await db.owner.query(
      `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial)
       SELECT $1, id, created_at, 'SN-RESEND-1' FROM orders WHERE id = $2`,
      [elsewhere.lineIds[0], elsewhere.id],
    );
    const s = services.current()!;
    recordSerials(s.store, s.session.user.id, { id: order.id, lineId: order.lineIds[0]!, serials: ['SN-RESEND-1'] });
    s.engine.localWrite();
    await settle();
    const [refused] = await failed();
    expect(refused).toMatchObject({ kind: 'serial.record', resendable: true, order: { id: order.id } });

    // still held elsewhere: refused again, and the failure stays
    await services.handlers['sync:resendFailed']({ opId: refused!.opId });
    await settle();
    expect((await failed()).map((f) => f.kind)).toEqual(['serial.record']);

    // the wrong one removed at the head office: sent again, recorded once, the list empty
    await db.owner.query("DELETE FROM serial_numbers WHERE serial = 'SN-RESEND-1'");
    const again = (await failed())[0]!;
    await services.handlers['sync:resendFailed']({ opId: again.opId });
    await settle();
    expect(await failed()).toEqual([]);
    const rows = await db.owner.query('SELECT order_id FROM serial_numbers WHERE serial = $1', ['SN-RESEND-1']);
    expect(rows.rows).toEqual([{ order_id: order.id }]);
  });

  it('a pick-up with a code retired meanwhile: refused, then sent again once the code is back', async () => {
    const s = services.current()!;
    await db.owner.query("UPDATE waste_codes SET is_active = false WHERE code = 'Z91'");
    addWastePickup(s.store, { id: order.id, code: 'Z91', quantity: 2 });
    s.engine.localWrite();
    await settle();
    const [refused] = await failed();
    expect(refused).toMatchObject({ kind: 'waste.add', resendable: true, order: { id: order.id } });

    // the copy learnt of the retirement with the answer: sent again now, it is refused here, before the outbox
    await expect(services.handlers['sync:resendFailed']({ opId: refused!.opId })).rejects.toMatchObject({
      code: 'WASTE_CODE',
      field: 'code',
    });
    // the head office takes the code again; once the copy has it, sending again goes through
    await db.owner.query("UPDATE waste_codes SET is_active = true WHERE code = 'Z91'");
    await settle();
    await services.handlers['sync:resendFailed']({ opId: refused!.opId });
    await settle();
    expect(await failed()).toEqual([]);
    const rows = await db.owner.query("SELECT quantity FROM waste_pickups WHERE order_id = $1 AND code = 'Z91'", [
      order.id,
    ]);
    expect(rows.rows).toEqual([{ quantity: 2 }]);
  });
});
