// The excel:* channels: export the grid's view, preview and commit an import (vendor sheet or re-import of an
// export), and the per-vendor mapping presets. Orders are created and updated through the same local services as
// every other write, so offline they go to the outbox like a clerk's edits.
import type {
  ClientApiHandlers,
  ColumnMapping,
  ImportPreview,
  ImportResult,
  MappingPreset,
  Session,
} from '../../domain/client-api.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderCreate, OrderPatch } from '../../domain/order-schemas.js';
import type { FileStore } from '../channel-handlers/file-store.js';
import { JsonFileStore } from '../channel-handlers/json-store.js';
import { EXPORT_KIND, EXPORT_META_SHEET, type OrderSource, writeOrdersXlsx } from './export-orders.js';
import { excelText, problem } from './problems.js';
import { type ReadSheet, readWorkbook } from './read-sheet.js';
import { planReimport } from './reimport.js';
import { guessMapping, planVendorImport } from './vendor-import.js';

export interface ExcelDeps {
  readonly files: FileStore;
  /** where this user's presets file lives (known once someone is signed in) */
  presetsPath(): string;
  session(): Promise<Session | null>;
  listOrders(): Promise<OrderRow[]>;
  /** the grid's orders as one unchanging snapshot to stream an export from; close() ends it */
  openOrders(): OrderSource & { close(): void };
  /** creates all or none (a failure part-way must not leave some orders created) */
  createOrders(creates: OrderCreate[]): Promise<OrderRow[]>;
  updateOrder(id: string, patch: OrderPatch): Promise<OrderRow>;
  isOffline(): Promise<boolean>;
}

type Handlers = Pick<
  ClientApiHandlers,
  'excel:export' | 'excel:importPreview' | 'excel:importCommit' | 'excel:presets' | 'excel:savePreset'
>;

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

  async function analyse(file: string, vendor: string, mapping: ColumnMapping | undefined) {
    const s = await user();
    const text = excelText(s.user.locale);
    let sheet: ReadSheet;
    try {
      sheet = await readWorkbook(Buffer.from(file, 'base64'), EXPORT_META_SHEET);
    } catch {
      throw { code: 'VALIDATION', message: problem(text, 'badFile'), field: 'file' };
    }
    const rows = await deps.listOrders();
    if (sheet.meta.get('kind') === EXPORT_KIND) {
      const plan = planReimport(sheet, new Map(rows.map((r) => [r.id, r])), text);
      return { kind: 'reimport' as const, sheet, text, mapping: {}, reimport: plan, vendor: null };
    }
    const chosen = mapping ?? presetStore().read()[s.user.id]?.[vendor]?.mapping ?? guessMapping(sheet.headers);
    const plan = planVendorImport(sheet, chosen, {
      vendor,
      branchId: s.user.branchId,
      existingOrderNos: new Set(rows.map((r) => r.orderNo)),
      text,
    });
    return { kind: 'vendor' as const, sheet, text, mapping: chosen, vendor: plan, reimport: null };
  }

  return {
    async 'excel:export'({ view, columns, headers }) {
      const s = await user();
      const text = excelText(s.user.locale);
      const { fileId, path } = deps.files.reserve(`${text.exportFile}-${stamp()}.xlsx`);
      const sheetName = text.exportSheet;
      // streamed from SQLite rather than deps.listOrders(): 100k order objects alone are ~100 MB of heap
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
        });
        return { ...deps.files.ref(fileId), rows: n };
      } finally {
        source.close();
      }
    },

    async 'excel:importPreview'({ file, vendor, mapping }): Promise<ImportPreview> {
      const a = await analyse(file, vendor, mapping);
      if (a.kind === 'reimport') {
        const p = a.reimport!;
        return {
          kind: 'reimport',
          headers: a.sheet.headers,
          mapping: {},
          sample: [],
          rowCount: a.sheet.rows.length,
          orderCount: a.sheet.rows.length,
          errors: p.errors,
          conflicts: p.conflicts,
          updates: p.updates.length,
        };
      }
      const p = a.vendor!;
      return {
        kind: 'vendor',
        headers: a.sheet.headers,
        mapping: a.mapping,
        sample: p.sample,
        rowCount: p.rowCount,
        orderCount: p.orderCount,
        errors: p.errors,
        conflicts: [],
        updates: 0,
      };
    },

    async 'excel:importCommit'({ file, vendor, mapping }): Promise<ImportResult> {
      const a = await analyse(file, vendor, mapping);
      const offline = await deps.isOffline();
      if (a.kind === 'reimport') {
        const p = a.reimport!;
        if (p.errors.length || p.conflicts.length)
          return { created: 0, updated: 0, queued: 0, errors: p.errors, conflicts: p.conflicts };
        let updated = 0;
        for (const u of p.updates) {
          await deps.updateOrder(u.order.id, { version: u.order.version, ...u.patch });
          updated++;
        }
        return { created: 0, updated, queued: offline ? updated : 0, errors: [], conflicts: [] };
      }
      const p = a.vendor!;
      if (p.errors.length) return { created: 0, updated: 0, queued: 0, errors: p.errors, conflicts: [] };
      const created = await deps.createOrders(p.orders.map((o) => o.create));
      return { created: created.length, updated: 0, queued: offline ? created.length : 0, errors: [], conflicts: [] };
    },

    async 'excel:presets'() {
      const s = await user();
      return Object.values(presetStore().read()[s.user.id] ?? {}).sort((a, b) =>
        a.vendor.localeCompare(b.vendor, 'ko'),
      );
    },

    async 'excel:savePreset'({ vendor, mapping }) {
      const s = await user();
      const presets = presetStore();
      const all = presets.read();
      const mine = { ...(all[s.user.id] ?? {}), [vendor]: { vendor, mapping, updatedAt: new Date().toISOString() } };
      presets.write({ ...all, [s.user.id]: mine });
      return null;
    },
  };
}
