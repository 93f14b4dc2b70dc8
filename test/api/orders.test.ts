import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSuite, stopApiSuite, type Tokens } from '../support/api-suite.js';
import type { TestDatabase } from '../support/db.js';
import { addDays, auditRows, createBranch, createOrder, seoulToday, uniq, type World } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';

let db: TestDatabase;
let api: TestServer;
let a: World;
let b: World;
const t = {} as Tokens;

beforeAll(async () => {
  ({ db, api, a, b } = await startApiSuite(t, { poolMax: 10 }));
});
afterAll(() => stopApiSuite({ api, db }));

function newOrderBody(branchId: string, extra: Record<string, unknown> = {}) {
  return {
    orderNo: uniq('NEW-', 4).toUpperCase(),
    customerName: '김철수',
    customerPhone: '010-2222-3333',
    address: { line1: '강남대로 10', city: '서울', postal: '06000' },
    vendor: '동부대우전자',
    branchId,
    appointmentDate: addDays(seoulToday(), 3),
    lines: [
      { itemCode: 'RF-100', itemName: '냉장고', quantity: 1, weight: 80.5 },
      { itemCode: 'GEN-7', itemName: '소형 가전', quantity: 2 },
    ],
    ...extra,
  };
}

describe('GET /api/orders', () => {
  it('a branch manager lists only its branch; an installer only its orders; a coordinator its partner’s', async () => {
    const mine = await createOrder(db.owner, { branchId: a.branch.id });
    const theirs = await createOrder(db.owner, { branchId: b.branch.id });
    const installers = await createOrder(db.owner, {
      branchId: a.branch.id,
      installerId: a.installer.id,
      partnerId: a.partner.id,
      status: '배정',
    });

    const m = await api.request('GET', '/api/orders?limit=500', { token: t.manager });
    expect(m.status).toBe(200);
    const ids = m.body.items.map((o: { id: string }) => o.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(m.body.items.every((o: { branchId: string }) => o.branchId === a.branch.id)).toBe(true);

    const i = await api.request('GET', '/api/orders', { token: t.installer });
    expect(i.body.items.map((o: { id: string }) => o.id)).toEqual([installers.id]);
    expect(i.body.items[0]).toMatchObject({ installerName: a.installer.name, status: '배정' });

    const c = await api.request('GET', '/api/orders', { token: t.coordinator });
    expect(c.body.items.map((o: { id: string }) => o.id)).toEqual([installers.id]);
  });

  it('filters by status (several), free text, vendor, installer, partner and date ranges', async () => {
    const branch = await createBranch(db.owner);
    const base = { branchId: branch.id };
    const o1 = await createOrder(db.owner, {
      ...base,
      status: '연기',
      customerName: '박영희',
      customerPhone: '010-9876-5432',
      vendor: '삼성',
    });
    const o2 = await createOrder(db.owner, {
      ...base,
      status: '배정',
      installerId: a.installer.id,
      partnerId: a.partner.id,
      appointmentDate: addDays(seoulToday(), 10),
    });
    const o3 = await createOrder(db.owner, { ...base, status: '취소', orderNo: uniq('ZZQ-', 3).toUpperCase() });
    const list = async (qs: string) => {
      const r = await api.request('GET', `/api/orders?branchId=${branch.id}&${qs}`, { token: t.hq });
      expect(r.status).toBe(200);
      return r.body.items.map((o: { id: string }) => o.id).sort();
    };
    expect(await list(`status=${encodeURIComponent('연기')}&status=${encodeURIComponent('배정')}`)).toEqual(
      [o1.id, o2.id].sort(),
    );
    expect(await list(`status=${encodeURIComponent('연기,취소')}`)).toEqual([o1.id, o3.id].sort());
    expect(await list(`q=${encodeURIComponent('영희')}`)).toEqual([o1.id]);
    expect(await list('q=98765')).toEqual([o1.id]);
    expect(await list(`q=${o3.orderNo.slice(0, 5)}`)).toEqual([o3.id]);
    expect(await list(`q=${o3.orderNo.slice(0, 5).toLowerCase()}`), 'the order-number prefix in any case').toEqual([
      o3.id,
    ]);
    expect(await list(`q=${encodeURIComponent('박영희')}`), 'the full name').toEqual([o1.id]);
    expect(await list(`q=${encodeURIComponent('5432')}`), "the phone's last four digits").toEqual([o1.id]);
    expect(await list(`q=${encodeURIComponent('010-9876')}`), 'digits typed with dashes').toEqual([o1.id]);
    expect(await list(`q=${encodeURIComponent('%')}`), 'a LIKE wildcard is a character').toEqual([]);
    expect(await list(`vendor=${encodeURIComponent('삼성')}`)).toEqual([o1.id]);
    expect(await list(`installerId=${a.installer.id}`)).toEqual([o2.id]);
    expect(await list(`partnerId=${a.partner.id}`)).toEqual([o2.id]);
    const later = addDays(seoulToday(), 5);
    expect(await list(`dateField=appointment&from=${later}`)).toEqual([o2.id]);
    expect(await list(`dateField=created&from=${seoulToday()}&to=${seoulToday()}`)).toHaveLength(3);
    expect(await list(`dateField=created&to=${addDays(seoulToday(), -1)}`)).toEqual([]);
  });

  it('free text finds only what the caller may see, for every role (the keys read past RLS are the policy’s own)', async () => {
    const name = `${uniq('검색', 4)}고객`;
    const mine = await createOrder(db.owner, { branchId: a.branch.id, customerName: name });
    const theirs = await createOrder(db.owner, { branchId: b.branch.id, customerName: name });
    const installers = await createOrder(db.owner, {
      branchId: a.branch.id,
      customerName: name,
      installerId: a.installer.id,
      partnerId: a.partner.id,
      status: '배정',
    });
    const found = async (token: typeof t.hq) => {
      const r = await api.request('GET', `/api/orders?q=${encodeURIComponent(name)}`, { token });
      expect(r.status).toBe(200);
      return r.body.items.map((o: { id: string }) => o.id).sort();
    };
    expect(await found(t.hq)).toEqual([mine.id, theirs.id, installers.id].sort());
    expect(await found(t.manager)).toEqual([mine.id, installers.id].sort());
    expect(await found(t.coordinator)).toEqual([installers.id]);
    expect(await found(t.installer)).toEqual([installers.id]);
    // called directly, the keys function answers nothing without a request context
    const none = await db.owner.query('SELECT count(*)::int AS n FROM order_text_matches($1, NULL, 10)', [name]);
    expect(none.rows[0].n).toBe(0);
  });

  it('each listed order carries its item summary, lines in their order, for every role and sort (one call per page)', async () => {
    const lines = [
      { itemCode: 'RF-9', itemName: '냉장고', quantity: 1 },
      { itemCode: 'WM-2', itemName: '세탁기', quantity: 2 },
    ];
    const name = `${uniq('품목', 4)}고객`;
    const assigned = await createOrder(db.owner, {
      branchId: a.branch.id,
      customerName: name,
      installerId: a.installer.id,
      partnerId: a.partner.id,
      status: '배정',
      lines,
    });
    const bare = await createOrder(db.owner, { branchId: a.branch.id, customerName: name, lines: [] });
    const want = { [assigned.id]: '냉장고 RF-9 ×1, 세탁기 WM-2 ×2', [bare.id]: '' };
    for (const [token, ids] of [
      [t.hq, [assigned.id, bare.id]],
      [t.manager, [assigned.id, bare.id]],
      [t.coordinator, [assigned.id]],
      [t.installer, [assigned.id]],
    ] as const) {
      for (const sort of ['-createdAt', 'createdAt', 'orderNo', '-appointmentDate']) {
        const r = await api.request('GET', `/api/orders?q=${encodeURIComponent(name)}&sort=${sort}`, { token });
        expect(r.status).toBe(200);
        const got = Object.fromEntries(r.body.items.map((o: { id: string; items: string }) => [o.id, o.items]));
        expect(got).toEqual(Object.fromEntries(ids.map((id) => [id, want[id]])));
      }
    }
    // a page keeps its order with the summaries joined in: newest first, then oldest first
    const page = async (sort: string) =>
      (
        await api.request('GET', `/api/orders?q=${encodeURIComponent(name)}&sort=${sort}`, { token: t.hq })
      ).body.items.map((o: { id: string }) => o.id);
    expect(await page('-createdAt')).toEqual([bare.id, assigned.id]);
    expect(await page('createdAt')).toEqual([assigned.id, bare.id]);
  });

  it('the page’s summaries function answers only orders the caller’s context may see, and nothing without one', async () => {
    const mine = await createOrder(db.owner, { branchId: a.branch.id });
    const theirs = await createOrder(db.owner, { branchId: b.branch.id });
    const keys = [
      [mine.id, theirs.id],
      [mine.createdAtExact, theirs.createdAtExact],
    ];
    const none = await db.owner.query(
      'SELECT count(*)::int AS n FROM order_items_summaries($1::uuid[], $2::timestamptz[])',
      keys,
    );
    expect(none.rows[0].n).toBe(0);
    const app = new pg.Client({ connectionString: db.appUrl });
    await app.connect();
    try {
      const m = a.manager;
      const session = await db.owner.query(
        'SELECT family_id AS f FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() LIMIT 1',
        [m.id],
      );
      await app.query('BEGIN');
      await app.query("SELECT app_enter_request($1, 'BRANCH_MANAGER', $2, '', NULL, $3::uuid)", [
        m.id,
        a.branch.id,
        session.rows[0].f,
      ]);
      const seen = await app.query(
        'SELECT order_id AS id FROM order_items_summaries($1::uuid[], $2::timestamptz[])',
        keys,
      );
      expect(seen.rows.map((r) => r.id)).toEqual([mine.id]);
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
  });

  it("free text finds an order by its second phone's digits too (FR-16 searches both numbers)", async () => {
    const branch = await createBranch(db.owner);
    const o = await createOrder(db.owner, { branchId: branch.id, customerPhone: '010-1111-2222' });
    await db.owner.query('UPDATE orders SET customer_phone2 = $2 WHERE id = $1', [o.id, '02-345-6789']);
    const r = await api.request('GET', `/api/orders?branchId=${branch.id}&q=3456789`, { token: t.hq });
    expect(r.status).toBe(200);
    expect(r.body.items.map((x: { id: string }) => x.id)).toEqual([o.id]);
  });

  it('names the offending parameter: limit above 500, an unknown status, an unknown parameter, a bad cursor', async () => {
    const cases: [string, string][] = [
      ['limit=501', 'limit'],
      ['status=DONE', 'status.0'],
      ['colour=red', 'colour'],
      ['cursor=not-a-cursor', 'cursor'],
      ['from=2025-13-01', 'from'],
    ];
    for (const [qs, field] of cases) {
      const r = await api.request('GET', `/api/orders?${qs}`, { token: t.hq });
      expect(r.status, qs).toBe(400);
      expect(r.body.error, qs).toMatchObject({ code: 'VALIDATION', field });
    }
  });

  it('another branch named by a branch manager is a 404', async () => {
    const r = await api.request('GET', `/api/orders?branchId=${b.branch.id}`, { token: t.manager });
    expect(r.status).toBe(404);
  });

  it('walking every page while orders are inserted returns each pre-existing order exactly once', async () => {
    const branch = await createBranch(db.owner);
    const existing: string[] = [];
    // groups sharing one created_at and appointment date: ties are broken by id
    for (let g = 0; g < 6; g++) {
      const createdAt = new Date(Date.now() - (10 - g) * 60_000);
      for (let k = 0; k < 4; k++) {
        const o = await createOrder(db.owner, {
          branchId: branch.id,
          createdAt,
          appointmentDate: k === 3 ? null : addDays(seoulToday(), g % 3),
        });
        existing.push(o.id);
      }
    }
    for (const sort of ['-createdAt', 'createdAt', 'orderNo', '-orderNo', 'appointmentDate', '-appointmentDate']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const qs: string = `branchId=${branch.id}&sort=${sort}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
        const r = await api.request('GET', `/api/orders?${qs}`, { token: t.hq });
        expect(r.status).toBe(200);
        seen.push(...r.body.items.map((o: { id: string }) => o.id));
        cursor = r.body.nextCursor;
        // someone enters new orders between the pages
        await createOrder(db.owner, { branchId: branch.id, appointmentDate: addDays(seoulToday(), 1) });
        pages++;
      } while (cursor && pages < 100);
      const pre = seen.filter((id) => existing.includes(id));
      expect(pre.sort(), sort).toEqual([...existing].sort());
      expect(new Set(seen).size, sort).toBe(seen.length);
    }
  });
});

describe('GET /api/orders/:id', () => {
  it('returns the order with lines, history, appointments, serials, waste pick-ups, attachments and split family', async () => {
    const parent = await createOrder(db.owner, {
      branchId: a.branch.id,
      lines: [{ itemCode: 'AC-200', itemName: '에어컨', quantity: 2 }],
    });
    const child = await createOrder(db.owner, { branchId: a.branch.id });
    const line = parent.lineIds[0]!;
    await db.owner.query(
      `INSERT INTO serial_numbers(order_line_id, order_id, order_created_at, serial) VALUES ($1, $2, $3, $4)`,
      [line, parent.id, parent.createdAtExact, uniq('SN')],
    );
    await db.owner.query(
      `INSERT INTO waste_pickups(order_id, order_created_at, code, quantity, branch_id) VALUES ($1, $2, 'P03', 1, $3)`,
      [parent.id, parent.createdAtExact, a.branch.id],
    );
    await db.owner.query(
      `INSERT INTO attachments(order_id, order_created_at, file_name, file_type, file_size, storage_key)
       VALUES ($1, $2, '설치사진.jpg', 'image/jpeg', 1234, $3)`,
      [parent.id, parent.createdAtExact, uniq('k/')],
    );
    await db.owner.query(
      `INSERT INTO split_orders(parent_order_id, parent_order_created_at, child_order_id, child_order_created_at, line_id, quantity)
       VALUES ($1, $2, $3, $4, $5, 1)`,
      [parent.id, parent.createdAtExact, child.id, child.createdAtExact, line],
    );
    await db.owner.query(`UPDATE orders SET appointment_date = appointment_date + 1 WHERE id = $1`, [parent.id]);

    const r = await api.request('GET', `/api/orders/${parent.id}`, { token: t.manager });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: parent.id, orderNo: parent.orderNo, status: '미배정' });
    expect(r.body.lines).toEqual([expect.objectContaining({ itemCode: 'AC-200', quantity: 2 })]);
    expect(r.body.statusHistory).toEqual([expect.objectContaining({ previousStatus: null, newStatus: '미배정' })]);
    expect(r.body.appointments).toHaveLength(1);
    expect(r.body.serials).toHaveLength(1);
    expect(r.body.wastePickups).toEqual([expect.objectContaining({ code: 'P03', nameKo: '에어컨', quantity: 1 })]);
    expect(r.body.attachments).toEqual([expect.objectContaining({ fileName: '설치사진.jpg', fileSize: 1234 })]);
    expect(r.body.split.children).toEqual([expect.objectContaining({ orderId: child.id, orderNo: child.orderNo })]);

    const c = await api.request('GET', `/api/orders/${child.id}`, { token: t.manager });
    expect(c.body.split.parent).toEqual({ orderId: parent.id, orderNo: parent.orderNo });
  });

  it('a malformed id is a 400 naming id; another branch’s order and a deleted one are 404', async () => {
    const bad = await api.request('GET', '/api/orders/12345', { token: t.manager });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('id');

    const other = await createOrder(db.owner, { branchId: b.branch.id });
    const r = await api.request('GET', `/api/orders/${other.id}`, { token: t.manager });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    // the same answer as for an id that does not exist at all
    const none = await api.request('GET', '/api/orders/00000000-0000-4000-8000-000000000000', { token: t.manager });
    expect(none.body).toEqual(r.body);

    const deleted = await createOrder(db.owner, { branchId: a.branch.id });
    await db.owner.query('UPDATE orders SET deleted_at = now() WHERE id = $1', [deleted.id]);
    expect((await api.request('GET', `/api/orders/${deleted.id}`, { token: t.hq })).status).toBe(404);
  });
});

describe('POST /api/orders', () => {
  it('creates the order with its lines, status 미배정, history and audit carrying the actor', async () => {
    const body = newOrderBody(a.branch.id, {
      appointmentTimeWindow: { start: '2030-01-01T09:00:00+09:00', end: '2030-01-01T12:00:00+09:00' },
    });
    const r = await api.request('POST', '/api/orders', { token: t.manager, body });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      orderNo: body.orderNo,
      status: '미배정',
      version: 1,
      branchId: a.branch.id,
      appointmentDate: body.appointmentDate,
      appointmentTimeWindow: { start: '2030-01-01T00:00:00.000Z', end: '2030-01-01T03:00:00.000Z' },
    });
    expect(r.body.lines.map((l: { itemCode: string }) => l.itemCode)).toEqual(['RF-100', 'GEN-7']);
    expect(r.body.lines[0].weight).toBe(80.5);
    expect(r.body.statusHistory).toEqual([expect.objectContaining({ newStatus: '미배정', changedBy: a.manager.id })]);
    const audit = await auditRows(db.owner, 'orders', r.body.id);
    expect(audit).toEqual([expect.objectContaining({ action: 'INSERT', actor_id: a.manager.id })]);
  });

  it('a taken order number is a 409 naming orderNo, and nothing is written', async () => {
    const existing = await createOrder(db.owner, { branchId: b.branch.id });
    const before = await db.owner.query('SELECT count(*)::int AS n FROM order_lines');
    const r = await api.request('POST', '/api/orders', {
      token: t.manager,
      body: newOrderBody(a.branch.id, { orderNo: existing.orderNo }),
    });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'DUPLICATE', field: 'orderNo' });
    const after = await db.owner.query('SELECT count(*)::int AS n FROM order_lines');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('names the field of bad input: a missing name, a zero quantity, an unknown field, an unknown partner', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ customerName: undefined }, 'customerName'],
      [{ lines: [{ itemCode: 'A', itemName: 'B', quantity: 0 }] }, 'lines.0.quantity'],
      [{ lines: [] }, 'lines'],
      [{ colour: 'red' }, 'colour'],
      [{ address: { line1: 'x', city: 'y', postal: '12' } }, 'address.postal'],
      [{ partnerId: '00000000-0000-4000-8000-000000000000' }, 'partnerId'],
      [{ appointmentDate: '2001-01-01' }, 'appointmentDate'],
    ];
    for (const [extra, field] of cases) {
      const r = await api.request('POST', '/api/orders', { token: t.manager, body: newOrderBody(a.branch.id, extra) });
      expect(r.status, field).toBe(400);
      expect(r.body.error, field).toMatchObject({ code: 'VALIDATION', field });
    }
  });

  it('a coordinator or an installer may not create; a branch manager not for another branch (404)', async () => {
    for (const token of [t.coordinator, t.installer]) {
      const r = await api.request('POST', '/api/orders', { token, body: newOrderBody(a.branch.id) });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
    }
    const body = newOrderBody(b.branch.id);
    const r = await api.request('POST', '/api/orders', { token: t.manager, body });
    expect(r.status).toBe(404);
    const { rows } = await db.owner.query('SELECT 1 FROM orders WHERE order_no = $1', [body.orderNo]);
    expect(rows).toHaveLength(0);
  });
});

describe('PATCH /api/orders/:id', () => {
  it('writes at the given version, returns the new row, and audits only the changed columns', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id });
    const r = await api.request('PATCH', `/api/orders/${o.id}`, {
      token: t.manager,
      body: { version: 1, remarks: '경비실에 연락', customerPhone: null },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ version: 2, remarks: '경비실에 연락', customerPhone: null });
    const audit = (await auditRows(db.owner, 'orders', o.id)).filter((x) => x.action === 'UPDATE');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(a.manager.id);
    expect(Object.keys(audit[0]!.diff).sort()).toEqual(['customer_phone', 'remarks', 'version']);
  });

  it('writes a new address as given, and a partner and promised date', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id });
    const address = { line1: '해운대로 10', line2: '101동', city: '부산', postal: '48094' };
    const r = await api.request('PATCH', `/api/orders/${o.id}`, {
      token: t.manager,
      body: { version: 1, address, partnerId: null, promisedDate: '2026-12-24' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ version: 2, address, partnerId: null, promisedDate: '2026-12-24' });
    const { rows } = await db.owner.query('SELECT address FROM orders WHERE id = $1', [o.id]);
    expect(rows[0].address).toEqual(address);
  });

  it('a stale version is a 409 carrying the current row', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id });
    await db.owner.query(`UPDATE orders SET remarks = '먼저' WHERE id = $1`, [o.id]);
    const r = await api.request('PATCH', `/api/orders/${o.id}`, {
      token: t.manager,
      body: { version: 1, remarks: 'x' },
    });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CONFLICT');
    expect(r.body.error.details.current).toMatchObject({ id: o.id, version: 2, remarks: '먼저' });
  });

  it('names the field of bad input and changes nothing', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id });
    const cases: [Record<string, unknown>, string][] = [
      [{ remarks: 'x' }, 'version'],
      [{ version: 1, customerPhone: 'call me' }, 'customerPhone'],
      [{ version: 1, status: '취소' }, 'status'],
      [{ version: 1 }, 'body'],
    ];
    for (const [body, field] of cases) {
      const r = await api.request('PATCH', `/api/orders/${o.id}`, { token: t.manager, body });
      expect(r.status, field).toBe(400);
      expect(r.body.error.field, field).toBe(field);
    }
    const { rows } = await db.owner.query('SELECT version FROM orders WHERE id = $1', [o.id]);
    expect(rows[0].version).toBe(1);
  });

  it('a coordinator may not edit (403); another branch’s order is a 404', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id, partnerId: a.partner.id });
    const c = await api.request('PATCH', `/api/orders/${o.id}`, {
      token: t.coordinator,
      body: { version: 1, remarks: 'x' },
    });
    expect(c.status).toBe(403);
    const r = await api.request('PATCH', `/api/orders/${o.id}`, {
      token: t.otherManager,
      body: { version: 1, remarks: 'x' },
    });
    expect(r.status).toBe(404);
  });

  it('two concurrent PATCHes of one version: one 200, one 409 carrying the winner’s row', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id });
    const [r1, r2] = await Promise.all(
      ['첫째', '둘째'].map((remarks) =>
        api.request('PATCH', `/api/orders/${o.id}`, { token: t.manager, body: { version: 1, remarks } }),
      ),
    );
    const statuses = [r1!.status, r2!.status].sort();
    expect(statuses).toEqual([200, 409]);
    const winner = r1!.status === 200 ? r1! : r2!;
    const loser = r1!.status === 200 ? r2! : r1!;
    expect(loser.body.error.details.current).toMatchObject({ version: 2, remarks: winner.body.remarks });
  });

  it('200 concurrent read-then-write attempts lose no update: final version = 1 + successes', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id });
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const current = await api.request('GET', `/api/orders/${o.id}`, { token: t.manager });
        const r = await api.request('PATCH', `/api/orders/${o.id}`, {
          token: t.manager,
          body: { version: current.body.version, remarks: `attempt ${i}` },
        });
        return r.status;
      }),
    );
    const successes = results.filter((s) => s === 200).length;
    expect(results.every((s) => s === 200 || s === 409)).toBe(true);
    expect(successes).toBeGreaterThan(0);
    const { rows } = await db.owner.query('SELECT version FROM orders WHERE id = $1', [o.id]);
    expect(rows[0].version).toBe(1 + successes);
    const updates = (await auditRows(db.owner, 'orders', o.id)).filter((x) => x.action === 'UPDATE');
    expect(updates).toHaveLength(successes);
  });
});

describe('DELETE /api/orders/:id?version=N', () => {
  it('soft-deletes: gone from detail and list, kept in the table, audited', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id });
    const r = await api.request('DELETE', `/api/orders/${o.id}?version=1`, { token: t.manager });
    expect(r.status).toBe(200);
    expect(r.body.deletedAt).toBeTruthy();
    expect((await api.request('GET', `/api/orders/${o.id}`, { token: t.manager })).status).toBe(404);
    const list = await api.request('GET', '/api/orders?limit=500', { token: t.manager });
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(o.id);
    const { rows } = await db.owner.query('SELECT deleted_at FROM orders WHERE id = $1', [o.id]);
    expect(rows[0].deleted_at).toBeInstanceOf(Date);
    const audit = (await auditRows(db.owner, 'orders', o.id)).filter((x) => x.action === 'UPDATE');
    expect(audit[0]).toMatchObject({ actor_id: a.manager.id });
    expect(Object.keys(audit[0]!.diff)).toContain('deleted_at');
  });

  it('needs the version (400 naming it), refuses a stale one (409), a coordinator (403), another branch (404)', async () => {
    const o = await createOrder(db.owner, { branchId: a.branch.id, partnerId: a.partner.id });
    const none = await api.request('DELETE', `/api/orders/${o.id}`, { token: t.manager });
    expect(none.status).toBe(400);
    expect(none.body.error.field).toBe('version');
    expect((await api.request('DELETE', `/api/orders/${o.id}?version=7`, { token: t.manager })).status).toBe(409);
    expect((await api.request('DELETE', `/api/orders/${o.id}?version=1`, { token: t.coordinator })).status).toBe(403);
    expect((await api.request('DELETE', `/api/orders/${o.id}?version=1`, { token: t.otherManager })).status).toBe(404);
    const { rows } = await db.owner.query('SELECT deleted_at, version FROM orders WHERE id = $1', [o.id]);
    expect(rows[0]).toEqual({ deleted_at: null, version: 1 });
  });
});
