// The screen channels of domain/client-api-screens.ts, served inside the services worker next to the sync engine
// (worker-protocol's handlerModules): they read the same SQLite mirror and write through the same outbox, off the
// thread that serves the UI. Loaded by URL, so it exports createHandlers and nothing else is assumed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import { slotsOrDefault } from '../../domain/appointment-slots.js';
import type {
  BranchSlotsItem,
  ClientApi,
  ClientApiHandlers,
  ExportJob,
  OlderOrder,
  SettlementWeek,
  TaskProgress,
} from '../../domain/client-api.js';
import type { NoticeBranchPhone, NoticeTemplateItem, OrderNoticeItem } from '../../domain/notices.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderCreate } from '../../domain/order-schemas.js';
import { createExcelService } from '../excel/excel-service.js';
import { writeHappyCallXlsx } from '../excel/export-happy-calls.js';
import { taskProgress } from '../excel/task-progress.js';
import { writeHappyCallPdf } from '../print/happy-call-pdf.js';
import { printLabels } from '../print/labels.js';
import { buildAssignmentSheets } from '../print/sheet-model.js';
import { writeSheetsPdf } from '../print/sheet-pdf.js';
import type { HandlerModule } from '../services/worker-protocol.js';
import { openOrderSnapshot } from '../store/order-snapshot.js';
import type { FileStore } from './file-store.js';
import { deleteView, listViews, rememberView, saveView } from './grid-views.js';
import { currentSession, dataDirOf, fail, fileStoreOf, requireAction } from './handler-kit.js';
import { happyCallDay, recordHappyCall } from './happy-calls.js';
import { PrefsStore } from './json-store.js';
import { MirrorReads, toWeek } from './mirror-reads.js';
import { asApiError, download, online } from './online.js';
import { addWastePickup, editWastePickup, recordSerials, removeWastePickup, splitOrderLocally } from './part-writes.js';
import type { ScreenContext, SessionLike } from './session-like.js';

type ScreenChannel = Exclude<
  keyof ClientApi,
  | `auth:${string}`
  | 'orders:list'
  | 'orders:create'
  | 'orders:update'
  | 'orders:status'
  | 'orders:appointment'
  | 'orders:assign'
  | 'orders:unassign'
  | `sync:${string}`
  | `attachments:${string}`
  | 'files:save'
  | 'app:info'
>;
type Args<C extends keyof ClientApi> = z.output<ClientApi[C]['args']>;

function exportProgress(p: unknown): ExportJob['progress'] {
  if (!p || typeof p !== 'object') return null;
  const { done, total } = p as Record<string, unknown>;
  if (typeof done !== 'number') return null;
  return { done, total: typeof total === 'number' ? total : null };
}

function toExport(r: Record<string, unknown>): ExportJob {
  const g = (camel: string, snake: string) => r[camel] ?? r[snake] ?? null;
  return {
    id: String(r.id),
    type: String(r.type) as ExportJob['type'],
    status: String(r.status) as ExportJob['status'],
    rowCount: (g('rowCount', 'row_count') as number | null) ?? null,
    progress: exportProgress(r.progress),
    lastError: (g('lastError', 'last_error') as string | null) ?? null,
    createdAt: String(g('createdAt', 'created_at')),
    expiresAt: (g('expiresAt', 'expires_at') as string | null) ?? null,
  };
}

/** A branch row of the head office's reference data (GET /api/admin/branches) as the slots screen edits it. */
function toBranchSlots(r: Record<string, unknown>): BranchSlotsItem {
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    timezone: typeof r.timezone === 'string' ? r.timezone : 'Asia/Seoul',
    appointmentSlots: slotsOrDefault(r.appointmentSlots),
    version: Number(r.version),
  };
}

export function createHandlers(ctx: ScreenContext): Record<string, (args: unknown) => Promise<unknown>> {
  let files: FileStore | null = null;
  let prefs: PrefsStore | null = null;
  let lastUnread = -1;

  const session = () => currentSession(ctx);
  const dataDir = dataDirOf;
  const fileStore = (s: SessionLike) => (files ??= fileStoreOf(s));
  const prefStore = (s: SessionLike) => (prefs ??= new PrefsStore(join(dataDir(s), 'preferences.json')));
  const reads = (s: SessionLike) => new MirrorReads(s.store.db);
  const require = requireAction;

  /** A local write is in the outbox: wake the push, tell the screens. */
  function wrote(s: SessionLike, ids: string[]): void {
    s.engine.localWrite();
    ctx.emit({ type: 'orders-changed', ids });
  }

  /** Head-office writes change rows the mirror holds: pull them now so the screens show the result. */
  async function refreshAfter<T>(s: SessionLike, value: T): Promise<T> {
    await s.engine.syncNow().catch(() => undefined);
    return value;
  }

  function sheets(s: SessionLike, date: string, installerIds?: string[]) {
    const r = reads(s);
    const orders = s.store.listOrders({ appointmentDate: date });
    const ids = orders.map((o) => o.id);
    return buildAssignmentSheets(date, installerIds, {
      orders,
      linesByOrder: r.linesOf(ids),
      pickupsByOrder: r.pickupsOf(ids),
      serialRules: r.skillRules(),
      installers: r.installers(),
      branchNames: r.names('branches'),
      partnerNames: r.names('partners'),
    });
  }

  /** One order op of an import, queued like a clerk's edit: the local row and its outbox op, then a sync nudge. */
  function queueOrderOp(
    action: Parameters<typeof require>[1],
    kind: 'order.update' | 'order.appointment',
    id: string,
    change: { version: number } & Record<string, unknown>,
  ) {
    const s = session();
    require(s, action);
    const { version, ...payload } = change;
    s.store.localOrderOp({ kind, orderId: id, payload, seenVersion: version });
    s.engine.localWrite();
    ctx.emit({ type: 'orders-changed', ids: [id] });
    return s.store.getOrder(id)!;
  }

  const progress = (p: TaskProgress) => ctx.emit({ type: 'progress', progress: p });
  const excel = createExcelService({
    get files() {
      return fileStore(session());
    },
    presetsPath: () => join(dataDir(session()), 'import-presets.json'),
    session: async () => ctx.current()?.session ?? null,
    listOrders: async () => session().store.listOrders({}),
    openOrders: () => openOrderSnapshot(session().store.file),
    progress,
    async createOrders(creates: OrderCreate[], onDone?: (done: number, total: number) => void) {
      const s = session();
      require(s, 'orders.create');
      const ids: string[] = [];
      // one SQLite transaction around all of them: the local rows and their outbox ops land together or not at all
      s.store.db.transaction(() => {
        for (const c of creates) {
          const id = c.id ?? uuidv7();
          const payload = { ...c, id, lines: c.lines.map((l) => ({ ...l, id: l.id ?? uuidv7() })) };
          s.store.localOrderOp({ kind: 'order.create', orderId: id, payload });
          ids.push(id);
          onDone?.(ids.length, creates.length);
        }
      })();
      s.engine.localWrite();
      ctx.emit({ type: 'orders-changed', ids });
      // one read of the grid's rows: a single-order read after thousands of new ones costs milliseconds each
      // (a vendor sheet of 10,000 rows spent 50 s there)
      const made = new Set(ids);
      return s.store.listOrders({}).filter((o) => made.has(o.id));
    },
    updateOrder: async (id, patch) => queueOrderOp('orders.update', 'order.update', id, patch),
    isOffline: async () => session().engine.publish().status === 'offline',
    changeAppointment: async (id, change) => queueOrderOp('orders.appointment', 'order.appointment', id, change),
    branch: (branchId) => {
      const b = reads(session())
        .branches()
        .find((x) => x.id === branchId);
      return b ? { slots: b.appointmentSlots, timeZone: b.timezone } : undefined;
    },
  });

  const handlers: Pick<ClientApiHandlers, ScreenChannel> = {
    // Orders outside the window (issue 16): the head office's search or customer history, shown and not kept.
    // Offline there is nothing to show: the screens say older orders are not kept on this PC.
    async 'older:search'(q: Args<'older:search'>) {
      const s = session();
      const query: Record<string, string> =
        q.text !== undefined ? { q: q.text } : q.name !== undefined ? { name: q.name } : { phone: q.phone! };
      const path = q.text !== undefined ? '/api/orders' : '/api/customers/history';
      let items: OlderOrder[];
      try {
        ({ items } = await s.http.request<{ items: OlderOrder[] }>('GET', path, { query: { ...query, limit: 100 } }));
      } catch (e) {
        if (e instanceof Error && e.name === 'NetworkError') return { available: false, items: [] };
        const err = asApiError(e);
        if (err.code === 'OFFLINE') return { available: false, items: [] };
        throw err;
      }
      // the copy's own orders are on the screen already, with their local changes
      return {
        available: true,
        items: items
          .filter((o) => !s.store.getOrder(o.id))
          .map((o) => ({
            id: o.id,
            orderNo: o.orderNo,
            status: o.status,
            customerName: o.customerName,
            customerPhone: o.customerPhone ?? null,
            address: o.address,
            appointmentDate: o.appointmentDate ?? null,
            createdAt: o.createdAt,
            items: o.items ?? '',
          })),
      };
    },
    async 'settings:syncWindow'({ months }: Args<'settings:syncWindow'>) {
      const s = session();
      if (months !== undefined && months !== s.store.windowMonths()) {
        s.store.setWindowMonths(months);
        // the next pull asks for it: fewer months drop orders, more bring a fresh snapshot
        void s.engine.syncNow().catch(() => undefined);
      }
      return { months: s.store.windowMonths(), from: s.store.windowFrom() };
    },
    async 'detail:get'({ id }: Args<'detail:get'>) {
      const s = session();
      const order = s.store.getOrder(id);
      if (!order) fail('NOT_FOUND', 'order not found', 'id');
      return reads(s).detail(order);
    },
    // Local writes through the outbox, online or not (part-writes.ts): the head office gets them with the push.
    async 'detail:split'({ id, version, lines }: Args<'detail:split'>) {
      const s = session();
      require(s, 'orders.split');
      const childId = splitOrderLocally(s.store, { id, version, lines });
      wrote(s, [id, childId]);
      return s.store.getOrder(childId) ?? s.store.getOrder(id)!;
    },
    async 'detail:serials'({ id, lineId, serials }: Args<'detail:serials'>) {
      const s = session();
      require(s, 'orders.serials');
      recordSerials(s.store, s.session.user.id, { id, lineId, serials });
      wrote(s, [id]);
      return reads(s).detail(s.store.getOrder(id)!);
    },
    async 'detail:waste'({ id, code, quantity }: Args<'detail:waste'>) {
      const s = session();
      require(s, 'orders.waste');
      addWastePickup(s.store, { id, code, quantity });
      wrote(s, [id]);
      return reads(s).detail(s.store.getOrder(id)!);
    },
    async 'detail:wasteEdit'(args: Args<'detail:wasteEdit'>) {
      const s = session();
      require(s, 'orders.waste');
      const id = editWastePickup(s.store, args);
      wrote(s, [id]);
      return reads(s).detail(s.store.getOrder(id)!);
    },
    async 'detail:wasteRemove'(args: Args<'detail:wasteRemove'>) {
      const s = session();
      require(s, 'orders.waste');
      const id = removeWastePickup(s.store, args);
      wrote(s, [id]);
      return reads(s).detail(s.store.getOrder(id)!);
    },

    async 'lookups:installers'() {
      return reads(session()).installers();
    },
    async 'lookups:reasonCodes'() {
      return reads(session()).reasonCodes();
    },
    async 'lookups:wasteCodes'() {
      return reads(session()).wasteCodes();
    },
    async 'lookups:skillRules'() {
      return reads(session()).skillRules();
    },
    async 'lookups:branches'() {
      return reads(session()).branches();
    },

    async 'print:sheets'({ date, installerIds }: Args<'print:sheets'>) {
      return sheets(session(), date, installerIds);
    },
    async 'print:pdf'({ date, installerIds }: Args<'print:pdf'>) {
      const s = session();
      const locale = s.session.user.locale;
      const labels = printLabels(locale);
      const f = fileStore(s).reserve(`${locale === 'en' ? 'assignment-sheets' : '배정표'}-${date}.pdf`);
      const report = taskProgress('print', { writing: 1 }, progress);
      report.step('writing', 0, 1);
      await writeSheetsPdf(sheets(s, date, installerIds), f.path, labels, locale, (done, total) =>
        report.step('writing', done, total),
      ).finally(() => report.finish());
      return fileStore(s).ref(f.fileId);
    },

    // 해피콜 (happy-calls.ts): read from the mirror, outcomes through the outbox
    async 'happycalls:list'({ date }: Args<'happycalls:list'>) {
      return happyCallDay(session(), date);
    },
    async 'happycalls:record'(args: Args<'happycalls:record'>) {
      const s = session();
      require(s, 'orders.happycall');
      const row = recordHappyCall(s, args);
      wrote(s, [args.id]);
      return row;
    },
    async 'happycalls:pdf'({ date }: Args<'happycalls:pdf'>) {
      const s = session();
      const locale = s.session.user.locale;
      const f = fileStore(s).reserve(`${locale === 'en' ? 'confirmation-calls' : '해피콜'}-${date}.pdf`);
      await writeHappyCallPdf(date, happyCallDay(s, date), f.path, locale, s.session.user.branchName ?? null);
      return fileStore(s).ref(f.fileId);
    },
    async 'happycalls:xlsx'({ date }: Args<'happycalls:xlsx'>) {
      const s = session();
      const locale = s.session.user.locale;
      const f = fileStore(s).reserve(`${locale === 'en' ? 'confirmation-calls' : '해피콜'}-${date}.xlsx`);
      const { rows } = await writeHappyCallXlsx(date, happyCallDay(s, date), f.path, locale);
      return { ...fileStore(s).ref(f.fileId), rows };
    },

    'excel:export': (a) => excel['excel:export'](a),
    'excel:importPreview': (a) => excel['excel:importPreview'](a),
    'excel:importCommit': (a) => excel['excel:importCommit'](a),
    'excel:presets': (a) => excel['excel:presets'](a),
    'excel:savePreset': (a) => excel['excel:savePreset'](a),

    async 'prefs:get'({ key }: Args<'prefs:get'>) {
      const s = session();
      return prefStore(s).get(s.session.user.id, key);
    },
    async 'prefs:set'({ key, value }: Args<'prefs:set'>) {
      const s = session();
      prefStore(s).set(s.session.user.id, key, value);
      return null;
    },

    async 'views:list'() {
      const s = session();
      return listViews(prefStore(s), s.session.user.id);
    },
    async 'views:save'(saved: Args<'views:save'>) {
      const s = session();
      return saveView(prefStore(s), s.session.user.id, saved);
    },
    async 'views:delete'({ name }: Args<'views:delete'>) {
      const s = session();
      return deleteView(prefStore(s), s.session.user.id, name);
    },
    async 'views:remember'(last: Args<'views:remember'>) {
      const s = session();
      rememberView(prefStore(s), s.session.user.id, last);
      return null;
    },

    async 'waste:summary'(args: Args<'waste:summary'>) {
      const s = session();
      require(s, 'waste.report');
      return reads(s).wasteSummary(args, s.session.user.locale);
    },
    async 'waste:ecoas'({ month, format }: Args<'waste:ecoas'>) {
      const s = session();
      require(s, 'waste.report');
      const bytes = await online(() => download(s.http, `/api/waste/ecoas?month=${month}&format=${format}`));
      const f = fileStore(s).reserve(`ECOAS_${month}.${format}`);
      writeFileSync(f.path, bytes);
      return fileStore(s).ref(f.fileId);
    },

    async 'notifications:list'({ unreadOnly }: Args<'notifications:list'>) {
      return reads(session()).notifications(unreadOnly ?? false);
    },
    async 'notifications:read'({ id, version }: Args<'notifications:read'>) {
      const s = session();
      await online(() =>
        id
          ? s.http.request('POST', `/api/notifications/${id}/read`, { body: { version } })
          : s.http.request('POST', '/api/notifications/read-all', { body: {} }),
      );
      reads(s).markRead(id);
      ctx.emit({ type: 'notifications-changed', unread: reads(s).unreadCount() });
      return null;
    },

    async 'settlements:list'({ branchId }: Args<'settlements:list'>) {
      const s = session();
      require(s, 'settlements.read');
      const branch = branchId ?? s.session.user.branchId ?? undefined;
      try {
        const r = await s.http.request<{ items: Record<string, unknown>[] }>('GET', '/api/settlements', {
          query: { branchId: branch },
        });
        return r.items
          .map((w) => toWeek({ branchId: branch, ...w }))
          .sort((a, b) => b.periodStart.localeCompare(a.periodStart));
      } catch (e) {
        // offline: the weeks the mirror already holds
        if (typeof (e as { status?: unknown }).status === 'number') throw e;
        return reads(s).settlements(branch);
      }
    },
    async 'settlements:lock'({ id, version }: Args<'settlements:lock'>) {
      const s = session();
      require(s, 'settlements.lock');
      const w = await online(() =>
        s.http.request<Record<string, unknown>>('POST', `/api/settlements/${id}/lock`, { body: { version } }),
      );
      return refreshAfter(s, toWeek(w) as SettlementWeek);
    },
    async 'settlements:unlock'({ id, version }: Args<'settlements:unlock'>) {
      const s = session();
      require(s, 'settlements.unlock');
      const w = await online(() =>
        s.http.request<Record<string, unknown>>('POST', `/api/settlements/${id}/unlock`, { body: { version } }),
      );
      return refreshAfter(s, toWeek(w) as SettlementWeek);
    },

    async 'notices:order'({ orderId }: Args<'notices:order'>) {
      const s = session();
      require(s, 'notices.read');
      const r = await online(() =>
        s.http.request<{ items: OrderNoticeItem[] }>('GET', `/api/orders/${orderId}/notices`),
      );
      return r.items;
    },
    async 'notices:list'(filters: Args<'notices:list'>) {
      const s = session();
      require(s, 'notices.read');
      const query = new URLSearchParams({ ...filters, limit: '200' }).toString();
      const r = await online(() => s.http.request<{ items: OrderNoticeItem[] }>('GET', `/api/notices?${query}`));
      return r.items;
    },
    async 'notices:templates'() {
      const s = session();
      require(s, 'notices.read');
      const r = await online(() => s.http.request<{ items: NoticeTemplateItem[] }>('GET', '/api/notice-templates'));
      return r.items;
    },
    async 'notices:template-save'({ event, ...body }: Args<'notices:template-save'>) {
      const s = session();
      require(s, 'notices.templates');
      return online(() => s.http.request<NoticeTemplateItem>('PUT', `/api/notice-templates/${event}`, { body }));
    },
    async 'slots:branches'() {
      const s = session();
      require(s, 'admin.reference');
      const r = await online(() =>
        s.http.request<{ items: Record<string, unknown>[] }>('GET', '/api/admin/branches', {
          query: { active: 'true' },
        }),
      );
      return r.items.map(toBranchSlots);
    },
    async 'slots:save'({ branchId, version, slots }: Args<'slots:save'>) {
      const s = session();
      require(s, 'admin.reference');
      const b = await online(() =>
        s.http.request<Record<string, unknown>>('PATCH', `/api/admin/branches/${branchId}`, {
          body: { version, appointmentSlots: slots },
        }),
      );
      // this PC's own copy of the reference data (its lists of slots) follows at once
      return refreshAfter(s, toBranchSlots(b));
    },
    async 'notices:branch-phones'() {
      const s = session();
      require(s, 'notices.read');
      const r = await online(() => s.http.request<{ items: NoticeBranchPhone[] }>('GET', '/api/notice-branch-phones'));
      return r.items;
    },
    async 'notices:branch-phone-save'({ branchId, phone }: Args<'notices:branch-phone-save'>) {
      const s = session();
      require(s, 'notices.templates');
      return online(() =>
        s.http.request<NoticeBranchPhone>('PUT', `/api/notice-branch-phones/${branchId}`, { body: { phone } }),
      );
    },
    async 'exports:list'() {
      const s = session();
      const r = await online(() => s.http.request<{ items: Record<string, unknown>[] }>('GET', '/api/exports'));
      return r.items.map(toExport);
    },
    async 'exports:create'({ type, filters }: Args<'exports:create'>) {
      const s = session();
      require(s, 'exports.create');
      return toExport(
        await online(() =>
          s.http.request<Record<string, unknown>>('POST', '/api/exports', { body: { type, filters: filters ?? {} } }),
        ),
      );
    },
    async 'exports:download'({ id }: Args<'exports:download'>) {
      const s = session();
      const bytes = await online(() => download(s.http, `/api/exports/${id}/file`));
      const f = fileStore(s).reserve(`export-${id.slice(0, 8)}.xlsx`);
      writeFileSync(f.path, bytes);
      return fileStore(s).ref(f.fileId);
    },
  };

  // notifications arrive with the engine's pulls; tell the UI when the unread count moves
  const timer = setInterval(() => {
    const s = ctx.current();
    if (!s) return;
    try {
      const n = reads(s).unreadCount();
      if (n !== lastUnread) {
        if (lastUnread >= 0) ctx.emit({ type: 'notifications-changed', unread: n });
        lastUnread = n;
      }
    } catch {
      // the store closed under us (logout): next tick sees no session
    }
  }, 2000);
  timer.unref();

  return handlers as unknown as Record<string, (args: unknown) => Promise<unknown>>;
}

// The services worker calls createHandlers with its HandlerContext: checked here, so a change on either side of
// that seam fails the type check instead of a screen at run time.
export const handlerModule: HandlerModule = { createHandlers };
