// The excel:* channels: export the grid's view, preview and commit an import (vendor sheet or re-import of an
// export), and the per-vendor mapping presets. Orders are created and updated through the same local services as
// every other write, so offline they go to the outbox like a clerk's edits.
import { createHash } from 'node:crypto';
import {
  type ClientApiHandlers,
  type ColumnMapping,
  IMPORT_LIMITS,
  type ImportPreview,
  type ImportResult,
  type MappingPreset,
  type Session,
} from '../../domain/client-api.js';
import { type BranchSlotsRef, DEFAULT_BRANCH_SLOTS } from '../../domain/order-cell-edit.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { AppointmentChange, OrderCreate, OrderPatch } from '../../domain/order-schemas.js';
import type { FileStore } from '../channel-handlers/file-store.js';
import { JsonFileStore } from '../channel-handlers/json-store.js';
import { EXPORT_KIND, EXPORT_META_SHEET, type OrderSource, writeOrdersXlsx } from './export-orders.js';
import { type ExcelText, excelText, problem } from './problems.js';
import { chooseSheet, type ReadBook, type ReadSheet, readBook } from './read-sheet.js';
import { planReimport } from './reimport.js';
import { type ProgressSink, type TaskReporter, taskProgress } from './task-progress.js';
import { guessMapping, isHeaderWord, planVendorImport } from './vendor-import.js';
import { XlsxLimitError } from './xlsx-guard.js';

export interface ExcelDeps {
  readonly files: FileStore;
  /** where this user's presets file lives (known once someone is signed in) */
  presetsPath(): string;
  session(): Promise<Session | null>;
  listOrders(): Promise<OrderRow[]>;
  /** the grid's orders as one unchanging snapshot to stream an export from; close() ends it */
  openOrders(): OrderSource & { close(): void };
  /** creates all or none (a failure part-way must not leave some orders created) */
  createOrders(creates: OrderCreate[], onDone?: (done: number, total: number) => void): Promise<OrderRow[]>;
  updateOrder(id: string, patch: OrderPatch): Promise<OrderRow>;
  /** the drawer's appointment change (a re-imported 시간대), queued like updateOrder */
  changeAppointment(id: string, change: AppointmentChange): Promise<OrderRow>;
  isOffline(): Promise<boolean>;
  /** today in Korea (YYYY-MM-DD): places dates written without a year */
  today?(): string;
  /** the branch's appointment slots and time zone as mirrored: a vendor's 오전 is the branch's 오전, as in the grid */
  branch?(branchId: string): BranchSlotsRef | undefined;
  /** where the steps of an import or export are reported as they go (the UI's progress bars) */
  progress?: ProgressSink;
}

type Handlers = Pick<
  ClientApiHandlers,
  'excel:export' | 'excel:importPreview' | 'excel:importCommit' | 'excel:presets' | 'excel:savePreset'
>;

const MB = 1024 * 1024;

/** A refused file, said with the limit it is over. */
function limitProblem(text: ExcelText, e: XlsxLimitError): string {
  const sheet = e.sheet ?? '';
  switch (e.limit) {
    case 'fileBytes':
      return problem(text, 'tooLarge', { limit: `${IMPORT_LIMITS.fileBytes / MB} MB` });
    case 'unzippedBytes':
      return problem(text, 'tooMuchContent', { limit: `${IMPORT_LIMITS.unzippedBytes / MB} MB` });
    case 'rows':
      return problem(text, 'tooManyRows', { sheet, limit: IMPORT_LIMITS.rows.toLocaleString('en-US') });
    case 'columns':
      return problem(text, 'tooManyColumns', { sheet, limit: IMPORT_LIMITS.columns });
    case 'entries':
      return problem(text, 'tooManyEntries', { limit: IMPORT_LIMITS.entries.toLocaleString('en-US') });
    default:
      return problem(text, 'badFile');
  }
}

const kstToday = () => new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);

/** Share of header texts two sheets have in common (0..1). */
function overlap(a: readonly string[], b: readonly string[]): number {
  const x = new Set(a.filter(Boolean));
  const y = new Set(b.filter(Boolean));
  if (x.size === 0 || y.size === 0) return 0;
  let common = 0;
  for (const h of x) if (y.has(h)) common++;
  return common / new Set([...x, ...y]).size;
}

function stamp(d = new Date()): string {
  const kst = new Date(d.getTime() + 9 * 3600_000);
  return kst.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
}

export function createExcelService(deps: ExcelDeps): Handlers {
  const stores = new Map<string, JsonFileStore<Record<string, Record<string, MappingPreset>>>>();
  const presetStore = () => {
    const path = deps.presetsPath();
    let st = stores.get(path);
    if (!st) {
      st = new JsonFileStore(path, () => ({}));
      stores.set(path, st);
    }
    return st;
  };

  async function user() {
    const s = await deps.session();
    if (!s) throw { code: 'UNAUTHORIZED', message: 'not signed in' };
    return s;
  }

  // The dialog previews again on each mapping change and then commits, each time with the same file: the last
  // file read is kept (its text cells only) so those calls do not read the xlsx again.
  let lastBook: { key: string; book: ReadBook } | null = null;
  async function book(file: string, text: ExcelText, report: TaskReporter): Promise<ReadBook> {
    const key = createHash('sha256').update(file).digest('base64');
    if (lastBook?.key === key) return lastBook.book;
    const bytes = Buffer.from(file, 'base64');
    try {
      const b = await readBook(bytes, EXPORT_META_SHEET, (done, total) => report.step('reading', done, total));
      lastBook = { key, book: b };
      return b;
    } catch (e) {
      const message = e instanceof XlsxLimitError ? limitProblem(text, e) : problem(text, 'badFile');
      throw { code: 'VALIDATION', message, field: 'file' };
    }
  }

  /** The saved mapping for this sheet: the vendor's own, else one saved from a sheet with the same headers. */
  function presetFor(userId: string, vendor: string | undefined, sheet: ReadSheet): MappingPreset | null {
    const mine = presetStore().read()[userId] ?? {};
    const fits = (p: MappingPreset) => Object.values(p.mapping).every((h) => sheet.headers.includes(h as string));
    const own = vendor ? mine[vendor] : undefined;
    if (own && fits(own)) return own;
    const alike = Object.values(mine)
      .filter((p) => p.headers?.length && fits(p))
      .map((p) => ({ p, score: overlap(p.headers!, sheet.headers) }))
      .filter((x) => x.score >= 0.8)
      .sort((a, b) => b.score - a.score)[0];
    return alike?.p ?? null;
  }

  async function analyse(
    file: string,
    vendor: string | undefined,
    sheetName: string | undefined,
    mapping: ColumnMapping | undefined,
    report: TaskReporter,
  ) {
    const s = await user();
    const text = excelText(s.user.locale);
    const b = await book(file, text, report);
    if (sheetName !== undefined && !b.sheets.some((x) => x.name === sheetName))
      throw { code: 'VALIDATION', message: problem(text, 'noSheet', { sheet: sheetName }), field: 'sheet' };
    const sheet = chooseSheet(b, isHeaderWord, sheetName);
    if (!sheet) throw { code: 'VALIDATION', message: problem(text, 'badFile'), field: 'file' };
    const rows = await deps.listOrders();
    if (sheet.meta.get('kind') === EXPORT_KIND) {
      const plan = planReimport(sheet, new Map(rows.map((r) => [r.id, r])), text, {
        locale: s.user.locale,
        branch: (id) => deps.branch?.(id) ?? DEFAULT_BRANCH_SLOTS,
      });
      return { kind: 'reimport' as const, sheet, text, mapping: {}, preset: null, reimport: plan, vendor: null };
    }
    const preset = mapping ? null : presetFor(s.user.id, vendor, sheet);
    const chosen = mapping ?? preset?.mapping ?? guessMapping(sheet.headers, sheet.hiddenHeaders);
    const plan = planVendorImport(sheet, chosen, {
      vendor: vendor ?? preset?.vendor ?? '',
      branchId: s.user.branchId,
      existingOrderNos: new Set(rows.map((r) => r.orderNo)),
      text,
      today: deps.today?.() ?? kstToday(),
      slots: s.user.branchId ? deps.branch?.(s.user.branchId)?.slots : undefined,
      onRow: (done, total) => report.step('checking', done, total),
    });
    return { kind: 'vendor' as const, sheet, text, mapping: chosen, preset, vendor: plan, reimport: null };
  }

  /** An import's commit, once its file is read and checked: all of it or nothing. */
  async function commit(
    a: Awaited<ReturnType<typeof analyse>>,
    vendor: string,
    report: TaskReporter,
  ): Promise<ImportResult> {
    const offline = await deps.isOffline();
    const none = { created: 0, updated: 0, queued: 0, warnings: [] };
    if (a.kind === 'reimport') {
      const p = a.reimport!;
      if (p.errors.length || p.conflicts.length) return { ...none, errors: p.errors, conflicts: p.conflicts };
      let updated = 0;
      for (const u of p.updates) {
        let row = u.order;
        if (Object.keys(u.patch).length > 0) row = await deps.updateOrder(row.id, { version: row.version, ...u.patch });
        if (u.window !== undefined && row.appointmentDate)
          await deps.changeAppointment(row.id, {
            version: row.version,
            date: row.appointmentDate,
            timeWindow: u.window,
            reason: a.text.reimportWindowReason,
          });
        updated++;
        report.step('writing', updated, p.updates.length);
      }
      return { ...none, updated, queued: offline ? updated : 0, errors: [], conflicts: [] };
    }
    const p = a.vendor!;
    if (p.errors.length) return { ...none, warnings: p.warnings, errors: p.errors, conflicts: [] };
    const created = await deps.createOrders(
      p.orders.map((o) => o.create),
      (done, total) => report.step('writing', done, total),
    );
    // the mapping that worked is this vendor's from now on, recognised also by the sheet's header texts
    const s = await user();
    savePreset(s.user.id, {
      vendor,
      mapping: a.mapping,
      headers: a.sheet.headers.filter(Boolean),
      updatedAt: new Date().toISOString(),
    });
    return {
      created: created.length,
      updated: 0,
      queued: offline ? created.length : 0,
      errors: [],
      warnings: p.warnings,
      conflicts: [],
    };
  }

  function savePreset(userId: string, preset: MappingPreset) {
    const presets = presetStore();
    const all = presets.read();
    presets.write({ ...all, [userId]: { ...(all[userId] ?? {}), [preset.vendor]: preset } });
  }

  return {
    async 'excel:export'({ view, columns, headers }) {
      const s = await user();
      const text = excelText(s.user.locale);
      const { fileId, path } = deps.files.reserve(`${text.exportFile}-${stamp()}.xlsx`);
      const sheetName = text.exportSheet;
      // streamed from SQLite rather than deps.listOrders(): 100k order objects alone are ~100 MB of heap
      const report = taskProgress('export', { checking: 0.1, writing: 0.9 }, deps.progress);
      report.step('checking', 0, 1);
      const source = deps.openOrders();
      try {
        const { rows: n } = await writeOrdersXlsx({
          source,
          view,
          columns,
          headers: headers ?? {},
          path,
          sheetName,
          pageLabel: text.page,
          onRows: (done, total) => report.step('writing', done, total),
        });
        report.finish();
        return { ...deps.files.ref(fileId), rows: n };
      } finally {
        source.close();
      }
    },

    async 'excel:importPreview'({ file, vendor, sheet, mapping }): Promise<ImportPreview> {
      const report = taskProgress('import', { reading: 0.8, checking: 0.2 }, deps.progress);
      const a = await analyse(file, vendor, sheet, mapping, report).finally(() => report.finish());
      const where = {
        sheets: a.sheet.sheets,
        sheet: a.sheet.name,
        headerRow: a.sheet.headerRow,
        headers: a.sheet.headers,
        hiddenHeaders: a.sheet.hiddenHeaders,
      };
      if (a.kind === 'reimport') {
        const p = a.reimport!;
        return {
          kind: 'reimport',
          ...where,
          mapping: {},
          preset: null,
          sample: [],
          rowCount: a.sheet.rows.length,
          orderCount: a.sheet.rows.length,
          errors: p.errors,
          warnings: [],
          conflicts: p.conflicts,
          updates: p.updates.length,
        };
      }
      const p = a.vendor!;
      return {
        kind: 'vendor',
        ...where,
        mapping: a.mapping,
        preset: a.preset?.vendor ?? null,
        sample: p.sample,
        rowCount: p.rowCount,
        orderCount: p.orderCount,
        errors: p.errors,
        warnings: p.warnings,
        conflicts: [],
        updates: 0,
      };
    },

    async 'excel:importCommit'({ file, vendor, sheet, mapping }): Promise<ImportResult> {
      const report = taskProgress('import', { reading: 0.4, checking: 0.2, writing: 0.4 }, deps.progress);
      try {
        const a = await analyse(file, vendor, sheet, mapping, report);
        if (a.kind === 'vendor' && !vendor)
          throw { code: 'VALIDATION', message: problem(a.text, 'vendorRequired'), field: 'vendor' };
        return await commit(a, vendor ?? '', report);
      } finally {
        report.finish();
      }
    },

    async 'excel:presets'() {
      const s = await user();
      return Object.values(presetStore().read()[s.user.id] ?? {}).sort((a, b) =>
        a.vendor.localeCompare(b.vendor, 'ko'),
      );
    },

    async 'excel:savePreset'({ vendor, mapping, headers }) {
      const s = await user();
      savePreset(s.user.id, {
        vendor,
        mapping,
        ...(headers ? { headers: headers.filter(Boolean) } : {}),
        updatedAt: new Date().toISOString(),
      });
      return null;
    },
  };
}
