// The client refuses, before anything enters the outbox, exactly the status changes the head office refuses: the
// rules of domain/order-status.ts read against the synced copy (the order's status and installer, the reason
// codes of the reference data), said in the clerk's language and naming the field.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSerials } from '../../main/channel-handlers/part-writes.js';
import { type ClientServices, createClientServices } from '../../main/services/client-services.js';
import { ClientError } from '../../main/sync/session.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addDays, createBranch, createOrder, createUser, seoulToday, type UserFixture } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let db: TestDatabase;
let server: TestServer;
const services: ClientServices[] = [];
let hq: UserFixture;
let manager: UserFixture;
const ids: Record<string, string> = {};
const lineIds: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const branch = await createBranch(db.owner, { name: '규칙지점' });
  hq = await createUser(db.owner, { role: 'HQ_ADMIN' });
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  for (const status of ['취소', '미배정', '출문'] as const) {
    ids[status] = (await createOrder(db.owner, { branchId: branch.id, status, appointmentDate: seoulToday() })).id;
  }
  // departed with an air conditioner (AC: serial per unit) and a small appliance (no serial)
  const departed = await createOrder(db.owner, {
    branchId: branch.id,
    status: '출문',
    appointmentDate: seoulToday(),
    lines: [
      { itemCode: 'AC-2000', itemName: '벽걸이 에어컨', quantity: 2 },
      { itemCode: 'GEN-100', itemName: '소형 가전', quantity: 1 },
    ],
  });
  ids.serialised = departed.id;
  lineIds.push(...departed.lineIds);
  // a reason code the head office no longer accepts
  await db.owner.query(
    "INSERT INTO reason_codes(type, code, description_ko, description_en, is_active) VALUES ('CANCEL', 'C99', '중지', 'retired', false)",
  );
  server = await startTestServer(db);
});

afterAll(async () => {
  for (const s of services) await s.close();
  await server?.stop();
  await db?.drop();
});

async function signIn(user: UserFixture): Promise<ClientServices> {
  const s = createClientServices({ dataDir: mkdtempSync(join(tmpdir(), 'rules-')), emit: () => {} });
  services.push(s);
  await s.handlers['auth:login']({ serverUrl: server.url, username: user.username, password: user.password });
  await s.current()!.engine.syncNow();
  return s;
}

async function refusal(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClientError) return e;
    throw e;
  }
  throw new Error('the change was accepted');
}

describe('status changes checked on the client as on the head office', () => {
  it('HQ may not move a terminal order without saying it is a correction (the server refuses it too)', async () => {
    const s = await signIn(hq);
    const order = s.handlers['orders:list']({}).then((rows) => rows.find((r) => r.id === ids['취소'])!);
    const { version } = await order;
    const e = await refusal(s.handlers['orders:status']({ id: ids['취소']!, change: { version, status: '미배정' } }));
    expect(e).toMatchObject({ code: 'ILLEGAL_TRANSITION', field: 'change.status' });
    expect(e.message).toContain("'취소' 상태에서 '미배정' 상태로 바꿀 수 없습니다");
    expect(s.current()!.store.pendingOps().length).toBe(0);
    // the head office answers the same change the same way
    const res = await server.request('POST', `/api/orders/${ids['취소']}/status`, {
      token: await server.login(hq.username),
      body: { version, status: '미배정' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('ILLEGAL_TRANSITION');
    // as a correction, with notes, the client takes it
    const ok = await s.handlers['orders:status']({
      id: ids['취소']!,
      change: { version, status: '미배정', correction: true, notes: '고객 재요청' },
    });
    expect(ok.pendingOps).toBe(1);
  });

  it('refuses 연기 without a date, a reason of the wrong type, an inactive reason, naming the field', async () => {
    const s = await signIn(manager);
    const rows = await s.handlers['orders:list']({});
    const { version } = rows.find((r) => r.id === ids['출문'])!;
    const id = ids['출문']!;
    const noDate = await refusal(
      s.handlers['orders:status']({ id, change: { version, status: '연기', reasonCode: 'P01' } }),
    );
    expect(noDate).toMatchObject({ code: 'VALIDATION', field: 'change.appointmentDate' });
    expect(noDate.message).toBe("'연기'에는 새 약속일자가 필요합니다.");
    const unassigned = ids['미배정']!;
    const v2 = rows.find((r) => r.id === unassigned)!.version;
    const wrongType = await refusal(
      s.handlers['orders:status']({ id: unassigned, change: { version: v2, status: '취소', reasonCode: 'P01' } }),
    );
    expect(wrongType).toMatchObject({ code: 'REASON_CODE', field: 'change.reasonCode' });
    expect(wrongType.message).toBe('사유 코드 P01은(는) 취소 사유 코드가 아닙니다.');
    const retired = await refusal(
      s.handlers['orders:status']({ id: unassigned, change: { version: v2, status: '취소', reasonCode: 'C99' } }),
    );
    expect(retired).toMatchObject({ code: 'REASON_CODE', field: 'change.reasonCode' });
    const notMine = await refusal(
      s.handlers['orders:status']({ id: unassigned, change: { version: v2, status: '의뢰취소' } }),
    );
    expect(notMine).toMatchObject({ code: 'FORBIDDEN', field: 'change.status' });
    expect(s.current()!.store.pendingOps().length).toBe(0);
    const good = await s.handlers['orders:status']({
      id: unassigned,
      change: { version: v2, status: '취소', reasonCode: 'C01' },
    });
    expect(good.status).toBe('취소');
  });
});

describe('인수 and 부분인수 need the serials of the delivered units, as at the head office', () => {
  it('refuses 인수 without serials in the form, naming the field and the line; the head office agrees', async () => {
    const s = await signIn(manager);
    const id = ids.serialised!;
    const { version } = (await s.handlers['orders:list']({})).find((r) => r.id === id)!;
    const e = await refusal(s.handlers['orders:status']({ id, change: { version, status: '인수' } }));
    expect(e).toMatchObject({ code: 'SERIALS_MISSING', field: 'change.status' });
    expect(e.message).toBe("'인수' 전에 '시리얼 번호' 칸에 시리얼을 입력하세요: 벽걸이 에어컨 (AC-2000) 0/2대");
    expect(s.current()!.store.pendingOps().length).toBe(0);
    expect((await s.handlers['orders:list']({})).find((r) => r.id === id)!.status).toBe('출문');
    const res = await server.request('POST', `/api/orders/${id}/status`, {
      token: await server.login(manager.username),
      body: { version, status: '인수' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('SERIALS_MISSING');
    expect(res.body.error.details.lines).toEqual([
      expect.objectContaining({ itemCode: 'AC-2000', quantity: 2, recorded: 0, missing: 2 }),
    ]);
  });

  it('부분인수 counts only the units that stay: one serial for one delivered unit of two', async () => {
    const s = await signIn(manager);
    const id = ids.serialised!;
    const undelivered = [{ lineId: lineIds[0]!, quantity: 1 }];
    let { version } = (await s.handlers['orders:list']({})).find((r) => r.id === id)!;
    const e = await refusal(s.handlers['orders:status']({ id, change: { version, status: '부분인수', undelivered } }));
    expect(e).toMatchObject({ code: 'SERIALS_MISSING', field: 'change.status' });
    expect(e.message).toContain('벽걸이 에어컨 (AC-2000) 0/1대');
    recordSerials(s.current()!.store, manager.id, { id, lineId: lineIds[0]!, serials: [`SN-${Date.now()}`] });
    version = (await s.handlers['orders:list']({})).find((r) => r.id === id)!.version;
    const ok = await s.handlers['orders:status']({ id, change: { version, status: '부분인수', undelivered } });
    expect(ok.status).toBe('부분인수');
    // the head office takes what the client took
    await s.current()!.engine.syncNow();
    expect(s.current()!.store.listFailed()).toEqual([]);
    const after = await db.owner.query('SELECT status FROM orders WHERE id = $1', [id]);
    expect(after.rows[0].status).toBe('부분인수');
  });
});

describe('appointment dates checked on the client as on the head office', () => {
  it('refuses a date before the day the order was received, naming the field; the head office agrees', async () => {
    const s = await signIn(manager);
    const id = ids['출문']!;
    const { version } = (await s.handlers['orders:list']({})).find((r) => r.id === id)!;
    const before = addDays(seoulToday(), -3);
    const e = await refusal(
      s.handlers['orders:appointment']({ id, change: { version, date: before, reason: '고객 요청' } }),
    );
    expect(e).toMatchObject({ code: 'VALIDATION', field: 'change.date' });
    expect(e.message).toBe(`약속일자 ${before}은(는) 접수일 ${seoulToday()}보다 앞설 수 없습니다.`);
    expect(s.current()!.store.pendingOps().length).toBe(0);
    const res = await server.request('POST', `/api/orders/${id}/appointment`, {
      token: await server.login(manager.username),
      body: { version, date: before, reason: '고객 요청' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('date');
    // a closed order takes no new date, here as there
    // (the first test cancelled this one)
    const closed = ids['미배정']!;
    const v2 = (await s.handlers['orders:list']({})).find((r) => r.id === closed)!.version;
    const c = await refusal(
      s.handlers['orders:appointment']({ id: closed, change: { version: v2, date: seoulToday(), reason: 'x' } }),
    );
    expect(c).toMatchObject({ code: 'ORDER_CLOSED', field: 'change.date' });
  });
});
