// The pure parts of the grid's Excel behaviour: reading Excel's clipboard, the cell range and where a pasted block
// lands, the all-or-nothing paste plan, the phone filter's digits, the undo check and the saved-view schema.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_APPOINTMENT_SLOTS, slotWindow } from '../../domain/appointment-slots.js';
import type { ClientApiHandlers } from '../../domain/client-api.js';
import { gridViewState } from '../../domain/grid-view.js';
import { applyOrderView, filterNeedle } from '../../domain/order-view.js';
import { deleteView, listViews, rememberView, saveView } from '../../main/channel-handlers/grid-views.js';
import { PrefsStore } from '../../main/channel-handlers/json-store.js';
import { dispatch } from '../../main/transport/dispatch.js';
import { parseTsv, toTsv } from '../../renderer/grid/clipboard.js';
import { defaultLayout, visibleColumns } from '../../renderer/grid/layout.js';
import { planPaste } from '../../renderer/grid/paste.js';
import {
  blockRect,
  cellCount,
  extendRange,
  inRect,
  pasteBlock,
  rectMatrix,
  rectOf,
  single,
} from '../../renderer/grid/range.js';
import { canUndo, previousValues } from '../../renderer/grid/undo.js';
import { orderRow } from './support/orders.js';

describe("Excel's clipboard (TSV)", () => {
  it('reads a block copied from Excel: quoted cells with tabs, line breaks and doubled quotes, CRLF, final newline', () => {
    const fromExcel = '홍길동\t"서울\t강남"\r\n"두 줄\n주소"\t"그는 ""예"" 했다"\r\n';
    expect(parseTsv(fromExcel)).toEqual([
      ['홍길동', '서울\t강남'],
      ['두 줄\n주소', '그는 "예" 했다'],
    ]);
  });
  it('keeps empty cells and a quote inside an unquoted cell', () => {
    expect(parseTsv('a\t\tc\r\n5" TV\t\r\n')).toEqual([
      ['a', '', 'c'],
      ['5" TV', ''],
    ]);
  });
  it('writes what Excel reads back', () => {
    expect(
      toTsv([
        ['a"b', 'c\nd'],
        ['e', ''],
      ]),
    ).toBe('"a""b"\t"c\nd"\r\ne\t');
  });
});

describe('cell range', () => {
  it('normalizes a drag in any direction to a rectangle', () => {
    const r = { anchor: { row: 5, col: 3 }, focus: { row: 2, col: 1 } };
    expect(rectOf(r)).toEqual({ top: 2, bottom: 5, left: 1, right: 3 });
    expect(cellCount(rectOf(r))).toBe(12);
    expect(inRect(rectOf(r), 4, 1)).toBe(true);
    expect(inRect(rectOf(r), 6, 1)).toBe(false);
  });
  it('Shift+arrows move the far corner and stop at the edges', () => {
    let r = single({ row: 0, col: 1 });
    r = extendRange(r, 1, 0, { rows: 3, cols: 4 });
    r = extendRange(r, 1, 1, { rows: 3, cols: 4 });
    r = extendRange(r, 1, 0, { rows: 3, cols: 4 });
    expect(r).toEqual({ anchor: { row: 0, col: 1 }, focus: { row: 2, col: 2 } });
    expect(extendRange(single({ row: 0, col: 0 }), -1, -1, { rows: 3, cols: 4 }).focus).toEqual({ row: 0, col: 0 });
  });
  it("copies a rectangle's cell texts row by row", () => {
    const rows = [
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
      ['g', 'h', 'i'],
    ];
    const m = rectMatrix({ top: 1, bottom: 2, left: 1, right: 2 }, rows, [0, 1, 2], (r, k) => r[k]!);
    expect(m).toEqual([
      ['e', 'f'],
      ['h', 'i'],
    ]);
  });
  it('a single copied value fills a larger selection; a block keeps its own size', () => {
    const rect = { top: 0, bottom: 1, left: 0, right: 2 };
    expect(pasteBlock(rect, [['x']])).toEqual([
      ['x', 'x', 'x'],
      ['x', 'x', 'x'],
    ]);
    expect(pasteBlock(rect, [['x', 'y']])).toEqual([['x', 'y']]);
    expect(blockRect({ row: 4, col: 2 }, [['a', 'b'], ['c']])).toEqual({ top: 4, bottom: 5, left: 2, right: 3 });
  });
});

describe('paste plan', () => {
  const rows = [orderRow(1), orderRow(2), orderRow(3)];
  const cols = visibleColumns(defaultLayout());
  const at = (key: (typeof cols)[number], row = 0) => ({ row, col: cols.indexOf(key) });
  it('refuses a changed value over a read-only column, as an inline edit cannot change it', () => {
    const plan = planPaste([['배정', '새이름']], rows, cols, at('status'));
    expect(plan.errors).toEqual([{ orderNo: 'SO-000001', column: 'status', refusal: { problem: 'readOnly' } }]);
  });
  it('lists every bad cell with its order and column', () => {
    const plan = planPaste(
      [
        ['', 'x'],
        ['이름', 'y'],
      ],
      rows,
      cols,
      at('customerName'),
    );
    expect(plan.errors.map((e) => [e.orderNo, e.column, e.refusal.problem])).toEqual([
      ['SO-000001', 'customerName', 'required'],
      ['SO-000001', 'customerPhone', 'phone'],
      ['SO-000002', 'customerPhone', 'phone'],
    ]);
  });
  it('Delete (empty values, read-only skipped) clears optional cells and refuses required ones', () => {
    const clear = planPaste([['', '', '']], rows, cols, at('status'), { readOnly: 'skip' });
    expect(clear.errors.map((e) => [e.column, e.refusal.problem])).toEqual([['customerName', 'required']]);
    const ok = planPaste([['']], rows, cols, at('customerPhone'), { readOnly: 'skip' });
    expect(ok.errors).toEqual([]);
    expect(ok.edits[0]!.patch).toEqual({ customerPhone: null });
  });
});

describe('paste plan: the 시간대 column (an appointment change on the same date, by the branch slots)', () => {
  const DAY = '2026-11-26';
  const KST = 'Asia/Seoul';
  const branch = () => ({ slots: DEFAULT_APPOINTMENT_SLOTS, timeZone: KST });
  const cols = visibleColumns(defaultLayout());
  const at = (key: (typeof cols)[number], row = 0) => ({ row, col: cols.indexOf(key) });
  const slot = (start: string, end: string) => slotWindow(DAY, { start, end }, KST);
  const ms = (w: { start: string; end: string } | null | undefined) =>
    w ? [Date.parse(w.start), Date.parse(w.end)] : w;

  it('a 2-row block holding the 시간대 column: each order gets its window with its other cells, one edit per order', () => {
    const rows = [orderRow(1), orderRow(2)];
    const plan = planPaste(
      [
        ['업체A', '', DAY, '09-12'],
        ['업체B', '', DAY, '오후'],
      ],
      rows,
      cols,
      at('vendor'),
      { branch },
    );
    expect(plan.errors).toEqual([]);
    expect(plan.cells).toBe(4);
    expect(plan.edits.map((e) => [e.row.orderNo, e.patch, ms(e.window)])).toEqual([
      ['SO-000001', { vendor: '업체A' }, ms(slot('09:00', '12:00'))],
      // the branch's slot named 오후
      ['SO-000002', { vendor: '업체B' }, ms(slot('13:00', '18:00'))],
    ]);
  });

  it('the window a row already has changes nothing; a window alone is an edit with no patch', () => {
    const rows = [orderRow(1, { appointmentTimeWindow: slot('09:00', '12:00') }), orderRow(2)];
    const plan = planPaste([['09:00–12:00'], ['15시-18시']], rows, cols, at('timeWindow'), { branch });
    expect(plan.cells).toBe(1);
    expect(plan.edits.map((e) => [e.row.orderNo, e.patch, ms(e.window)])).toEqual([
      ['SO-000002', {}, ms(slot('15:00', '18:00'))],
    ]);
  });

  it('refuses the whole paste for a window that is no slot, no window, or on an order without a date', () => {
    const rows = [orderRow(1), orderRow(2), orderRow(3, { appointmentDate: null })];
    const windows = planPaste([['10-11'], ['아침'], ['09-12']], rows, cols, at('timeWindow'), { branch });
    expect(windows.errors.map((e) => [e.orderNo, e.column, e.refusal.problem, e.refusal.rule?.key])).toEqual([
      ['SO-000001', 'timeWindow', 'rule', 'windowNotASlot'],
      ['SO-000002', 'timeWindow', 'timeWindow', undefined],
      ['SO-000003', 'timeWindow', 'windowWithoutDate', undefined],
    ]);
  });

  it('Delete clears the windows (an appointment with no window) and refuses a closed order’s, naming why', () => {
    const rows = [
      orderRow(1, { appointmentTimeWindow: slot('09:00', '12:00') }),
      orderRow(2),
      orderRow(3, { appointmentTimeWindow: slot('12:00', '15:00') }),
    ];
    const clear = planPaste([[''], ['']], rows, cols, at('timeWindow'), { readOnly: 'skip', branch });
    expect(clear.errors).toEqual([]);
    expect(clear.edits.map((e) => [e.row.orderNo, e.window])).toEqual([['SO-000001', null]]);
    const closed = [rows[0]!, { ...rows[2]!, status: '취소' as const }];
    const refused = planPaste([[''], ['']], closed, cols, at('timeWindow'), { readOnly: 'skip', branch });
    expect(refused.errors.map((e) => [e.orderNo, e.column, e.refusal.rule?.key])).toEqual([
      ['SO-000003', 'timeWindow', 'orderClosed'],
    ]);
  });
});

describe('phone filter', () => {
  const rows = [
    orderRow(1, { customerPhone: '010-1234-5678' }),
    orderRow(2, { customerPhone: '010-9999-0000', customerPhone2: '010-1234-5678' }),
    orderRow(3, { customerPhone: '02-555-1234' }),
  ];
  const nos = (key: 'customerPhone' | 'customerPhone2', typed: string) =>
    applyOrderView(rows, { filters: { [key]: typed } }).map((r) => r.orderNo);
  it('matches the digits whatever the dashes, on both phone fields', () => {
    for (const typed of ['01012345678', '010-1234-5678', '5678', ' 1234-56 ']) {
      expect(nos('customerPhone', typed)).toEqual(['SO-000001']);
      expect(nos('customerPhone2', typed)).toEqual(['SO-000002']);
    }
    expect(nos('customerPhone', '025551234')).toEqual(['SO-000003']);
  });
  it('a filter without digits finds no phone; other columns keep plain text matching', () => {
    expect(nos('customerPhone', 'abc')).toEqual([]);
    expect(filterNeedle('customerName', ' 김-철 ')).toBe('김-철');
  });
});

describe('undo', () => {
  const row = orderRow(1, { customerName: '새이름', pendingOps: 1 });
  const step = [
    { id: row.id, orderNo: row.orderNo, before: { customerName: '고객1' }, after: { customerName: '새이름' } },
  ];
  it('remembers the values an edit overwrites', () => {
    expect(previousValues(orderRow(1), { customerName: 'x', customerPhone: null })).toEqual({
      customerName: '고객1',
      customerPhone: '010-1234-0001',
    });
  });
  it('undoes only what the head office has not got, and not what changed since', () => {
    expect(canUndo(step, new Map([[row.id, row]]))).toEqual({ ok: true });
    expect(canUndo(step, new Map([[row.id, { ...row, pendingOps: 0 }]]))).toMatchObject({ ok: false, why: 'pushed' });
    expect(canUndo(step, new Map([[row.id, { ...row, customerName: '딴이름' }]]))).toMatchObject({
      ok: false,
      why: 'changed',
    });
    expect(canUndo(undefined, new Map())).toMatchObject({ ok: false, why: 'nothing' });
  });
  it('undoes a window change back to the window before when the rule lets the clerk choose it again', () => {
    const KST = 'Asia/Seoul';
    const branch = () => ({ slots: DEFAULT_APPOINTMENT_SLOTS, timeZone: KST });
    const pasted = slotWindow('2026-11-26', { start: '09:00', end: '12:00' }, KST);
    const now = orderRow(1, { appointmentTimeWindow: pasted, pendingOps: 2 });
    const windowStep = (before: { start: string; end: string } | null) => [
      { id: now.id, orderNo: now.orderNo, before: {}, after: {}, window: { before, after: pasted } },
    ];
    const rows = new Map([[now.id, now]]);
    expect(canUndo(windowStep(null), rows, branch)).toEqual({ ok: true });
    expect(canUndo(windowStep(slotWindow('2026-11-26', { start: '15:00', end: '18:00' }, KST)), rows, branch)).toEqual({
      ok: true,
    });
    // a vendor's 14–16 is no slot: the head office would refuse it as a choice, so the step is not undone
    const vendors = { start: '2026-11-26T14:00:00+09:00', end: '2026-11-26T16:00:00+09:00' };
    expect(canUndo(windowStep(vendors), rows, branch)).toMatchObject({
      ok: false,
      why: 'window',
      orderNo: 'SO-000001',
    });
    // someone chose another window since
    const moved = new Map([[now.id, { ...now, appointmentTimeWindow: null }]]);
    expect(canUndo(windowStep(null), moved, branch)).toMatchObject({ ok: false, why: 'changed' });
  });
});

describe('saved views (views:* channels, per user, in the preferences file)', () => {
  const view = {
    order: ['orderNo', 'customerName'],
    hidden: ['vendor'],
    widths: { customerName: 180 },
    filters: { customerPhone: '5678' },
    sort: [{ key: 'orderNo', direction: 'DESC' }],
    statuses: ['미배정'],
    pendingOnly: false,
  } as const;
  const prefs = new PrefsStore(join(mkdtempSync(join(tmpdir(), 'views-')), 'preferences.json'));
  const USER = 'u1';
  const handlers: Partial<ClientApiHandlers> = {
    'views:list': async () => listViews(prefs, USER),
    'views:save': async (a) => saveView(prefs, USER, a),
    'views:delete': async (a) => deleteView(prefs, USER, a.name),
    'views:remember': async (a) => {
      rememberView(prefs, USER, a);
      return null;
    },
  };

  it('saves, lists, remembers the last view and deletes, per user', async () => {
    expect(await dispatch(handlers, 'views:save', { name: '오전 배차', view })).toMatchObject({ ok: true });
    expect(
      await dispatch(handlers, 'views:save', { name: '가나다', view: { ...view, pendingOnly: true } }),
    ).toMatchObject({
      ok: true,
      value: [{ name: '가나다' }, { name: '오전 배차' }],
    });
    expect(await dispatch(handlers, 'views:remember', { name: '오전 배차', view })).toEqual({ ok: true, value: null });
    const list = await dispatch(handlers, 'views:list', {});
    expect(list).toMatchObject({ ok: true, value: { last: { name: '오전 배차', view } } });
    expect(listViews(prefs, 'someone-else')).toEqual({ views: [], last: null });
    expect(await dispatch(handlers, 'views:delete', { name: '가나다' })).toMatchObject({
      ok: true,
      value: [{ name: '오전 배차' }],
    });
    expect(await dispatch(handlers, 'views:delete', { name: '없는 보기' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', field: 'name' },
    });
  });

  it('refuses a bad payload naming the field, and changes nothing', async () => {
    const before = listViews(prefs, USER);
    const cases: Array<[unknown, string]> = [
      [{ name: '넓이', view: { ...view, widths: { orderNo: 5 } } }, 'view.widths.orderNo'],
      [{ name: '', view }, 'name'],
      [{ name: '열', view: { ...view, order: ['nope'] } }, 'view.order.0'],
      [{ name: '정렬', view: { ...view, sort: [{ key: 'orderNo', direction: 'UP' }] } }, 'view.sort.0.direction'],
      [{ name: '더', view, extra: 1 }, ''],
    ];
    for (const [args, field] of cases) {
      const r = await dispatch(handlers, 'views:save', args);
      expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      if (field) expect((r as { error: { field?: string } }).error.field).toBe(field);
    }
    expect(listViews(prefs, USER)).toEqual(before);
  });

  it('drops a stored view the schema no longer accepts instead of breaking the grid', () => {
    prefs.set(USER, 'grid.orders.views', [
      { name: '좋음', view },
      { name: '나쁨', view: { order: 7 } },
    ]);
    expect(listViews(prefs, USER).views.map((v) => v.name)).toEqual(['좋음']);
    expect(gridViewState.safeParse(view).success).toBe(true);
  });
});
