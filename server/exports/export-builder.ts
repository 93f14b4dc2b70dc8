// The export worker: builds one xlsx with exceljs's streaming writer (rows go to disk as they are read, so memory
// holds one batch whatever the export's size), stores it, and records the outcome. The rows are read in one
// transaction under the creator's context: the file shows what the creator may see, at one instant (repeatable
// read). How far it has got (rows written of the rows counted first, in that snapshot) is recorded every few
// thousand rows or second in short SYSTEM transactions of their own, so the exports list shows it while the long
// read is still open.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type pg from 'pg';
import { readableAuditTableNames } from '../../domain/audit-tables.js';
import { sheetOptions, XLSX_FORMAT, type XlsxKind, xlsxValue } from '../../domain/xlsx-layout.js';
import { AccessTokens } from '../auth/tokens.js';
import { branchInScope } from '../branches/branch-scope.js';
import type { ServerConfig } from '../config.js';
import type { ReportReads } from '../db/reports.js';
import { type Tx, withRequestTransaction, withSystemTransaction } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { parse } from '../http/validate.js';
import { type Locale, t } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import type { Storage } from '../storage/storage.js';
import { ECOAS_COLUMNS } from '../waste/ecoas.js';
import { ecoasPage } from '../waste/waste.repository.js';
import { wasteSummary } from '../waste/waste.service.js';
import * as repo from './exports.repository.js';
import { exportStorageKey, orderExportFilters, XLSX_TYPE } from './exports.service.js';
import { ORDER_EXPORT_COLUMNS, orderColumnTitle } from './order-export-columns.js';

const BATCH = 2000;
/** progress is recorded after the batch that reaches this many rows, or this long, since the last record */
const PROGRESS_ROWS = 2000;
const PROGRESS_MS = 1000;

type Row = Record<string, string | number | null>;

interface Sheet {
  name: string;
  /** header: an i18n key, default exports.columns.<key>; or `title`, the header's text */
  columns: { key: string; width: number; header?: string; title?: string; xlsx?: XlsxKind }[];
  rows: AsyncIterable<Row[]>;
  /** how many rows `rows` will give, in the same snapshot; absent where the builder does not count */
  count?: () => Promise<number>;
}

/** A cursor query's rows and their count. */
function cursorRows(tx: Tx, q: repo.CursorQuery): Pick<Sheet, 'rows' | 'count'> {
  return { rows: repo.readInBatches<Row>(tx, q, BATCH), count: () => repo.countRows(tx, q) };
}

const col = (key: string, width: number, xlsx: XlsxKind = 'text') => ({ key, width, xlsx });

const ECOAS_PAGE = 1000;

/** The ECOAS month as GET /api/waste/ecoas streams it (same pages, same scope, same columns). */
async function* ecoasRows(tx: Tx, actor: Actor, f: { month: string; branchId?: string }): AsyncGenerator<Row[]> {
  const branch = await branchInScope(tx, actor, f.branchId, { field: 'filters.branchId' });
  let after: { collectedAt: string; id: string } | undefined;
  for (;;) {
    const page = await ecoasPage(tx, { month: f.month, branchId: branch?.id, after, limit: ECOAS_PAGE });
    if (page.length === 0) return;
    yield page.map((r) => ({
      date: r.date,
      orderNo: r.orderNo,
      branchCode: r.branchCode,
      wasteCode: r.code,
      wasteName: actor.locale === 'en' ? r.nameEn : r.nameKo,
      quantity: r.quantity,
      collector: r.collector ?? '',
      city: r.city ?? '',
    }));
    if (page.length < ECOAS_PAGE) return;
    const last = page[page.length - 1]!;
    after = { collectedAt: last.collectedAt, id: last.id };
  }
}

/** FR-07 totals as GET /api/waste/summary computes them, one row per group and a total. */
async function* wasteRows(tx: Tx, actor: Actor, filters: Record<string, unknown>): AsyncGenerator<Row[]> {
  const s = await wasteSummary(tx, actor, filters);
  const en = actor.locale === 'en';
  yield [
    ...s.groups.map((g) => ({
      group: g.key,
      name: (en ? g.labelEn : g.label) ?? '',
      quantity: g.quantity,
      pickups: g.pickups,
      orders: g.orders,
    })),
    {
      group: t(actor.locale, 'exports.columns.total'),
      name: '',
      quantity: s.total.quantity,
      pickups: s.total.pickups,
      orders: null,
    },
  ];
}

function sheetFor(tx: Tx, actor: Actor, e: repo.ExportRecord): Sheet {
  const f = e.filters as Record<string, string | undefined>;
  switch (e.type) {
    case 'orders':
      return {
        name: 'orders',
        columns: ORDER_EXPORT_COLUMNS.map((c) => ({
          key: c.key,
          width: c.width,
          xlsx: c.xlsx,
          title: orderColumnTitle(actor.locale, c.key),
        })),
        ...cursorRows(tx, repo.ordersQuery(parse(orderExportFilters, e.filters))),
      };
    case 'settlement':
      return {
        name: 'settlement',
        columns: [
          col('branchCode', 10),
          col('branchName', 16),
          col('periodStart', 12, 'date'),
          col('periodEnd', 12, 'date'),
          col('status', 9),
          col('lockedBy', 14),
          col('lockedAt', 20, 'datetime'),
          col('unlockedBy', 14),
          col('unlockedAt', 20, 'datetime'),
          col('orders', 9, 'number'),
          col('delivered', 9, 'number'),
          col('partiallyDelivered', 12, 'number'),
          col('cancelled', 9, 'number'),
          col('open', 9, 'number'),
        ],
        ...cursorRows(tx, repo.settlementQuery({ branchId: f.branchId, from: f.from!, to: f.to! })),
      };
    case 'audit':
      return {
        name: 'audit',
        columns: [
          col('loggedAt', 20, 'datetime'),
          col('table', 18),
          col('recordId', 38),
          col('action', 8),
          col('actor', 16),
          col('orderId', 38),
          col('diff', 80),
          col('note', 30),
        ],
        ...cursorRows(
          tx,
          repo.auditQuery({
            from: f.from!,
            to: f.to!,
            table: f.table,
            recordId: f.recordId,
            orderId: f.orderId,
            tables: actor.role === 'HQ_ADMIN' ? undefined : readableAuditTableNames(actor.role),
          }),
        ),
      };
    case 'ecoas':
      return {
        name: 'ecoas',
        // the report's own headers (ecoas.columns.*), so the file reads like GET /api/waste/ecoas's
        columns: ECOAS_COLUMNS.map((c, i) => ({
          ...col(
            c,
            [12, 22, 10, 10, 18, 8, 16, 14][i] ?? 12,
            c === 'date' ? 'date' : c === 'quantity' ? 'number' : 'text',
          ),
          header: `ecoas.columns.${c}`,
        })),
        rows: ecoasRows(tx, actor, { month: f.month!, branchId: f.branchId }),
      };
    case 'waste':
      return {
        name: 'waste',
        columns: [
          col('group', 16),
          col('name', 20),
          col('quantity', 10, 'number'),
          col('pickups', 10, 'number'),
          col('orders', 10, 'number'),
        ],
        rows: wasteRows(tx, actor, e.filters),
      };
  }
}

/** Writes the sheet to `file` row by row, telling `written` the rows so far after each batch; returns their number. */
async function writeXlsx(
  file: string,
  sheet: Sheet,
  locale: Locale,
  written: (rows: number) => Promise<void>,
): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true, useSharedStrings: false });
  const ws = workbook.addWorksheet(
    t(locale, `exports.sheet.${sheet.name}`),
    sheetOptions(sheet.columns.length, t(locale, 'exports.page')),
  );
  ws.columns = sheet.columns.map((c) => ({
    key: c.key,
    width: c.width,
    header: c.title ?? t(locale, c.header ?? `exports.columns.${c.key}`),
    style: { numFmt: XLSX_FORMAT[c.xlsx ?? 'text'] },
  }));
  ws.getRow(1).font = { bold: true };
  // the query's text as the cell's kind: days and Korean times as Excel dates, counts as numbers
  const typed = sheet.columns.filter((c) => c.xlsx && c.xlsx !== 'text');
  let count = 0;
  for await (const batch of sheet.rows) {
    for (const row of batch) {
      for (const c of typed) {
        const v = row[c.key];
        if (typeof v === 'string') row[c.key] = xlsxValue(c.xlsx!, v) as never;
      }
      ws.addRow(row).commit();
    }
    count += batch.length;
    await written(count);
  }
  ws.commit();
  await workbook.commit();
  return count;
}

export interface BuildDeps {
  pool: pg.Pool;
  /** the rows of the file are read where report reads go (a fresh replica, else the primary) */
  reports?: ReportReads;
  storage: Storage;
  config: ServerConfig;
  logger: Logger;
}

function describeError(err: unknown, locale: Locale): string {
  if (err instanceof AppError) return t(locale, err.messageKey, err.params);
  return err instanceof Error ? err.message : String(err);
}

/** The job of QUEUES.exportBuild. Failures end as FAILED with last_error; they are not retried. */
export async function buildExport(deps: BuildDeps, exportId: string, sealedSession?: unknown): Promise<void> {
  const found = await withSystemTransaction(deps.pool, async (tx) => {
    const e = await repo.findExport(tx, exportId);
    const creator = e && (await repo.findCreator(tx, e.createdBy));
    if (e && e.status !== 'DONE') await repo.markRunning(tx, e.id);
    return e && { e, creator };
  });
  if (!found || found.e.status === 'DONE') return; // deleted meanwhile, or a retry of a finished job
  const { e, creator } = found;
  const locale = creator?.locale ?? 'ko';
  const file = join(tmpdir(), `dispatch-export-${e.id}.xlsx`);
  try {
    if (!creator?.isActive || !creator.role) {
      throw new AppError(403, { code: 'FORBIDDEN', messageKey: 'errors.exports.creatorInactive' });
    }
    const actor: Actor = {
      userId: creator.userId,
      username: creator.username,
      role: creator.role,
      branchId: creator.branchId,
      partnerId: creator.partnerId,
      locale,
      // the creator's session: once it ended (logout, password change) the build is refused (401)
      sessionId: AccessTokens.fromConfig(deps.config).openSession(sealedSession),
    };
    const readPool = deps.reports ? await deps.reports.pool() : deps.pool;
    const record = (done: number, total?: number | null) =>
      withSystemTransaction(deps.pool, (tx) => repo.recordProgress(tx, e.id, done, total));
    const rowCount = await withRequestTransaction(
      readPool,
      actor,
      async (tx) => {
        const sheet = sheetFor(tx, actor, e);
        if (sheet.count) await record(0, await sheet.count());
        let last = { rows: 0, at: Date.now() };
        return writeXlsx(file, sheet, locale, async (rows) => {
          if (rows - last.rows < PROGRESS_ROWS && Date.now() - last.at < PROGRESS_MS) return;
          await record(rows);
          last = { rows, at: Date.now() };
        });
      },
      { repeatableRead: true },
    );
    await deps.storage.putFile(exportStorageKey(e.id), file, { contentType: XLSX_TYPE });
    await withSystemTransaction(deps.pool, (tx) =>
      repo.markDone(tx, e.id, {
        fileUrl: `/api/exports/${e.id}/file`,
        rowCount,
        ttlHours: deps.config.jobs.exportTtlHours,
      }),
    );
    deps.logger.info({ exportId: e.id, type: e.type, rowCount }, 'export built');
  } catch (err) {
    deps.logger.warn({ err, exportId: e.id }, 'export failed');
    await withSystemTransaction(deps.pool, (tx) => repo.markFailed(tx, e.id, describeError(err, locale)));
  } finally {
    await rm(file, { force: true });
  }
}

/** The job of QUEUES.exportSweep: deletes the files of expired exports (the rows stay, without a file). */
export async function sweepExpiredExports(deps: Pick<BuildDeps, 'pool' | 'storage' | 'logger'>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await withSystemTransaction(deps.pool, async (tx) => {
      const expired = await repo.expiredFiles(tx, 200);
      for (const { id } of expired) {
        await deps.storage.delete(exportStorageKey(id));
        await repo.clearFile(tx, id);
      }
      return expired.length;
    });
    total += n;
    if (n < 200) break;
  }
  if (total) deps.logger.info({ deleted: total }, 'expired export files deleted');
  return total;
}
