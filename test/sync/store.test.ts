import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Change, PullResponse, SyncRow } from '../../domain/sync-protocol.js';
import { ChoiceError, ClientStore, StaleWriteError } from '../../main/store/client-store.js';
import { newOrderRow } from '../../main/store/mirror-order-row.js';

let dir: string;
let store: ClientStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-'));
  store = new ClientStore(join(dir, 'client.sqlite'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const branchId = '0190c000-0000-7000-8000-000000000001';

function serverOrder(over: Partial<SyncRow> = {}): SyncRow {
  return {
    // every column of the mirror's orders (domain/order-fields.ts), null unless set here
    ...newOrderRow({}, '2026-11-25T01:00:00+00:00'),
    id: uuidv7(),
    order_no: `SO-${Math.floor(Math.random() * 1e9)}`,
    customer_name: '김철수',
    customer_phone: '010-1234-5678',
    customer_phone2: null,
    address: { line1: '테헤란로 1', city: '서울' },
    vendor: '동부대우전자',
    branch_id: branchId,
    partner_id: null,
    installer_id: null,
    status: '미배정',
    appointment_date: '2026-12-01',
    appointment_time_window: null,
    promised_date: null,
    remarks: null,
    version: 1,
    deleted_at: null,
    created_at: '2026-11-25T01:00:00+00:00',
    updated_at: '2026-11-25T01:00:00+00:00',
    ...over,
  };
}

function page(changes: Change[], cursor = 'c1', extra: Partial<PullResponse> = {}): PullResponse {
  return { changes, cursor, hasMore: false, reset: false, ...extra };
}
const up = (row: SyncRow, entity: Change['entity'] = 'orders'): Change => ({
  entity,
  id: row.id as string,
  op: 'upsert',
  version: (row.version as number) ?? null,
  row,
});

describe('client store', () => {
  it('a local edit writes the row and its outbox op together, or neither', () => {
    const o = serverOrder();
    store.applyPage(page([up(o)]));
    store.db.exec("CREATE TRIGGER outbox_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    expect(() =>
      store.localOrderOp({ kind: 'order.update', orderId: o.id as string, payload: { remarks: '문 앞' } }),
    ).toThrow(/disk full/);
    expect(store.getOrder(o.id as string)?.remarks).toBeNull();
    expect(store.counts().pending).toBe(0);

    store.db.exec('DROP TRIGGER outbox_full');
    store.localOrderOp({ kind: 'order.update', orderId: o.id as string, payload: { remarks: '문 앞' } });
    const row = store.getOrder(o.id as string)!;
    expect(row.remarks).toBe('문 앞');
    expect(row.pendingOps).toBe(1);
    expect(store.pendingOps().map((p) => p.kind)).toEqual(['order.update']);
  });

  it('an edit of a row the UI saw at an older version is refused and changes nothing', () => {
    const o = serverOrder({ version: 3 });
    store.applyPage(page([up(o)]));
    expect(() =>
      store.localOrderOp({ kind: 'order.update', orderId: o.id as string, payload: { remarks: 'x' }, seenVersion: 2 }),
    ).toThrow(StaleWriteError);
    expect(store.counts().pending).toBe(0);
  });

  it('a pull page and its cursor survive reopening the database; an older version never replaces a newer one', () => {
    const o = serverOrder({ version: 4, remarks: 'v4' });
    store.applyPage(page([up(o)], 'cursor-1'));
    store.applyPage(page([up({ ...o, version: 3, remarks: 'v3' })], 'cursor-2'));
    store.close();
    store = new ClientStore(join(dir, 'client.sqlite'));
    expect(store.cursor()).toBe('cursor-2');
    expect(store.getOrder(o.id as string)?.remarks).toBe('v4');
    expect(store.mirror.read('orders', o.id as string)).toEqual(o);
  });

  it('a page whose transaction dies before the cursor is saved leaves neither rows nor cursor', () => {
    store.applyPage(page([], 'cursor-0'));
    const o = serverOrder();
    expect(() =>
      store.applyPage(page([up(o)], 'cursor-1'), {
        beforeCursorSaved: () => {
          throw new Error('killed');
        },
      }),
    ).toThrow('killed');
    expect(store.cursor()).toBe('cursor-0');
    expect(store.getOrder(o.id as string)).toBeNull();
  });

  it('a pull does not overwrite a row with pending ops; the answer to the op rebases it', () => {
    const o = serverOrder({ version: 2 });
    store.applyPage(page([up(o)]));
    store.localOrderOp({ kind: 'order.update', orderId: o.id as string, payload: { remarks: '내 메모' } });
    // someone else's change to another field arrives while the op waits
    store.applyPage(page([up({ ...o, version: 3, customer_name: '이영희' })]));
    expect(store.getOrder(o.id as string)?.customerName).toBe('김철수');
    expect(store.getOrder(o.id as string)?.remarks).toBe('내 메모');

    const [op] = store.nextBatch(10);
    expect(op?.expectedVersion).toBe(2);
    store.applyResults(
      [op!],
      [
        {
          opId: op!.opId,
          status: 'SYNCED',
          version: 4,
          current: { ...o, version: 4, customer_name: '이영희', remarks: '내 메모' },
        },
      ],
    );
    const row = store.getOrder(o.id as string)!;
    expect(row).toMatchObject({ customerName: '이영희', remarks: '내 메모', version: 4, pendingOps: 0 });
    expect(store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
  });

  it('sends one op per entity per batch, each expecting the version the one before it produced', () => {
    const a = serverOrder({ version: 5 });
    const b = serverOrder({ version: 1 });
    store.applyPage(page([up(a), up(b)]));
    store.localOrderOp({ kind: 'order.update', orderId: a.id as string, payload: { remarks: '1' } });
    store.localOrderOp({ kind: 'order.update', orderId: b.id as string, payload: { remarks: '2' } });
    store.localOrderOp({ kind: 'order.update', orderId: a.id as string, payload: { remarks: '3' } });
    const first = store.nextBatch(10);
    expect(first.map((o) => [o.entityId, o.expectedVersion])).toEqual([
      [a.id, 5],
      [b.id, 1],
    ]);
    store.applyResults(first, [
      { opId: first[0]!.opId, status: 'SYNCED', version: 6, current: { ...a, version: 6, remarks: '1' } },
      { opId: first[1]!.opId, status: 'SYNCED', version: 2, current: { ...b, version: 2, remarks: '2' } },
    ]);
    expect(store.getOrder(a.id as string)?.remarks).toBe('3');
    const second = store.nextBatch(10);
    expect(second.map((o) => [o.entityId, o.expectedVersion, o.payload])).toEqual([[a.id, 6, { remarks: '3' }]]);
  });

  it('answers cut short leave the unanswered ops queued', () => {
    const a = serverOrder();
    const b = serverOrder();
    store.applyPage(page([up(a), up(b)]));
    store.localOrderOp({ kind: 'order.update', orderId: a.id as string, payload: { remarks: 'a' } });
    store.localOrderOp({ kind: 'order.update', orderId: b.id as string, payload: { remarks: 'b' } });
    const batch = store.nextBatch(10);
    store.applyResults(batch, [{ opId: batch[0]!.opId, status: 'SYNCED', version: 2, current: { ...a, version: 2 } }]);
    expect(store.pendingOps().map((o) => o.entityId)).toEqual([b.id]);
  });

  it('a CONFLICT keeps both versions, holds later ops of that order, and a per-field choice makes a new op', () => {
    const o = serverOrder({ version: 2 });
    const other = serverOrder();
    store.applyPage(page([up(o), up(other)]));
    store.localOrderOp({
      kind: 'order.update',
      orderId: o.id as string,
      payload: { remarks: '내 메모', customerName: '박민수' },
    });
    store.localOrderOp({
      kind: 'order.status',
      orderId: o.id as string,
      payload: { status: '취소', reasonCode: 'C01' },
    });
    store.localOrderOp({ kind: 'order.update', orderId: other.id as string, payload: { remarks: 'other' } });
    // a batch stops at the second op of an order: it expects a version only the first one's answer tells
    const batch = store.nextBatch(10);
    expect(batch.map((b) => b.entityId)).toEqual([o.id]);
    const theirs = { ...o, version: 3, remarks: '본사 메모', customer_name: '최지우' };
    store.applyResults(batch, [{ opId: batch[0]!.opId, status: 'CONFLICT', current: theirs }]);
    expect(store.counts()).toEqual({ pending: 2, conflicts: 1, failed: 0 });
    // the status op waits behind the conflict; the other order's op goes on
    const after = store.nextBatch(10);
    expect(after.map((b) => b.entityId)).toEqual([other.id]);
    store.applyResults(after, [
      { opId: after[0]!.opId, status: 'SYNCED', version: 2, current: { ...other, version: 2, remarks: 'other' } },
    ]);
    expect(store.nextBatch(10)).toEqual([]);

    const [conflict] = store.listConflicts();
    expect(conflict!.fields).toEqual([
      { field: 'remarks', mine: '내 메모', theirs: '본사 메모' },
      { field: 'customerName', mine: '박민수', theirs: '최지우' },
    ]);
    expect(() => store.resolveConflict(conflict!.id, { remarks: 'mine' })).toThrow(ChoiceError);
    store.resolveConflict(conflict!.id, { remarks: 'mine', customerName: 'theirs' });
    const next = store.nextBatch(10);
    expect(next.map((b) => [b.kind, b.payload, b.expectedVersion])).toEqual([
      ['order.update', { remarks: '내 메모' }, 3],
    ]);
    expect(next[0]!.seq).toBe(batch[0]!.seq);
    const row = store.getOrder(o.id as string)!;
    expect(row).toMatchObject({ remarks: '내 메모', customerName: '최지우', status: '취소', pendingOps: 2 });
  });

  it('choosing the head office for every field drops the op and shows its row', () => {
    const o = serverOrder({ version: 1 });
    store.applyPage(page([up(o)]));
    store.localOrderOp({ kind: 'order.assign', orderId: o.id as string, payload: { installerId: uuidv7() } });
    const batch = store.nextBatch(10);
    const theirs = { ...o, version: 2, status: '취소' };
    store.applyResults(batch, [{ opId: batch[0]!.opId, status: 'CONFLICT', current: theirs }]);
    const [c] = store.listConflicts();
    store.resolveConflict(c!.id, { installerId: 'theirs' });
    expect(store.counts()).toEqual({ pending: 0, conflicts: 0, failed: 0 });
    expect(store.mirror.read('orders', o.id as string)).toEqual(theirs);
  });

  it('a FAILED op is kept with its reason and the row goes back to the head office version', () => {
    const o = serverOrder({ version: 7, status: '배정' });
    store.applyPage(page([up(o)]));
    store.localOrderOp({ kind: 'order.status', orderId: o.id as string, payload: { status: '출문' } });
    expect(store.getOrder(o.id as string)?.status).toBe('출문');
    const batch = store.nextBatch(10);
    store.applyResults(batch, [
      {
        opId: batch[0]!.opId,
        status: 'FAILED',
        current: o,
        error: { code: 'LOCKED', message: 'settlement week 2026-11-30 – 2026-12-06 is locked' },
      },
    ]);
    expect(store.getOrder(o.id as string)).toMatchObject({ status: '배정', version: 7, pendingOps: 0 });
    expect(store.listFailed()).toMatchObject([{ kind: 'order.status', error: { code: 'LOCKED' } }]);
    store.discardFailed(batch[0]!.opId);
    expect(store.counts().failed).toBe(0);
  });

  it('an order created here exists locally with its lines until the head office answers; refused, it goes', () => {
    const id = uuidv7();
    const lineId = uuidv7();
    store.localOrderOp({
      kind: 'order.create',
      orderId: id,
      payload: {
        id,
        orderNo: 'SO-NEW-1',
        customerName: '홍길동',
        address: { line1: '종로 1', city: '서울' },
        branchId,
        lines: [{ id: lineId, itemCode: 'AC-1234', itemName: '에어컨', quantity: 1 }],
      },
    });
    expect(store.getOrder(id)).toMatchObject({ orderNo: 'SO-NEW-1', status: '미배정', items: '에어컨 AC-1234 ×1' });
    const batch = store.nextBatch(10);
    expect(batch[0]).toMatchObject({ kind: 'order.create', expectedVersion: null });
    store.applyResults(batch, [
      {
        opId: batch[0]!.opId,
        status: 'FAILED',
        error: { code: 'VALIDATION', message: 'order number taken', field: 'orderNo' },
      },
    ]);
    expect(store.getOrder(id)).toBeNull();
    expect(store.mirror.read('order_lines', lineId)).toBeNull();
  });

  it('a reset page drops the mirror but keeps rows with pending ops', () => {
    const a = serverOrder();
    const b = serverOrder();
    store.applyPage(page([up(a), up(b)]));
    store.localOrderOp({ kind: 'order.update', orderId: a.id as string, payload: { remarks: 'keep' } });
    const c = serverOrder();
    store.applyPage(page([up(c)], 'fresh', { reset: true }));
    expect(
      store
        .listOrders()
        .map((o) => o.id)
        .sort(),
    ).toEqual([a.id, c.id].sort());
  });

  it('a delete removes the order and its children; a deleted row with pending ops stays until answered', () => {
    const a = serverOrder();
    const line = {
      id: uuidv7(),
      order_id: a.id,
      order_created_at: a.created_at,
      item_code: 'RF-1',
      item_name: '냉장고',
      quantity: 2,
      weight: 80.5,
      version: 1,
      created_at: a.created_at,
      updated_at: a.created_at,
    };
    store.applyPage(page([up(a), up(line, 'order_lines')]));
    expect(store.getOrder(a.id as string)?.items).toBe('냉장고 RF-1 ×2');
    store.applyPage(page([{ entity: 'orders', id: a.id as string, op: 'delete' }]));
    expect(store.getOrder(a.id as string)).toBeNull();
    expect(store.mirror.read('order_lines', line.id)).toBeNull();
  });
});
