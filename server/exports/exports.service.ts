// Exports (xlsx built in the background). POST creates the row and its job in one transaction and answers 202;
// a worker (export-builder.ts) builds the file under the creator's own row-level-security context, so an export
// never holds a row its creator could not read on screen. Files live 24 h (EXPORT_TTL_HOURS), then a job deletes
// them; the row stays as history.
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { AUDITED_TABLES, mayReadAuditTable } from '../../domain/audit-tables.js';
import { isoDate, uuid } from '../../domain/order-schemas.js';
import type { Action } from '../../domain/roles.js';
import { authorize } from '../auth/authorize.js';
import type { AccessTokens } from '../auth/tokens.js';
import { branchInScope } from '../branches/branch-scope.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../http/errors.js';
import { parse, parseId } from '../http/validate.js';
import { type JobQueue, QUEUES } from '../jobs/job-queue.js';
import { orderListQuery } from '../orders/orders.schemas.js';
import { ecoasQuery } from '../waste/ecoas.js';
import { summaryQuery } from '../waste/waste.service.js';
import * as repo from './exports.repository.js';
import { EXPORT_TYPES, type ExportRecord, type ExportType } from './exports.repository.js';

export { EXPORT_TYPES, type ExportType };

/** Longest date range of a settlement or audit export. */
export const MAX_EXPORT_DAYS = 366;

/** GET /api/orders's filters (the same rows as the grid), without its paging. */
export const orderExportFilters = orderListQuery.omit({ cursor: true, limit: true }).strict();
const dateRange = { from: isoDate, to: isoDate };
export const settlementExportFilters = z.object({ branchId: uuid.optional(), ...dateRange }).strict();
export const auditExportFilters = z
  .object({
    ...dateRange,
    table: z.enum(AUDITED_TABLES).optional(),
    recordId: uuid.optional(),
    orderId: uuid.optional(),
  })
  .strict();
/** FR-07 totals: the query of GET /api/waste/summary. */
export const wasteExportFilters = summaryQuery;
/** The ECOAS month: the query of GET /api/waste/ecoas without its format (an export is always xlsx). */
export const ecoasExportFilters = ecoasQuery.omit({ format: true }).strict();

export const exportCreate = z.discriminatedUnion('type', [
  z.object({ type: z.literal('orders'), filters: orderExportFilters.prefault({}) }).strict(),
  z.object({ type: z.literal('settlement'), filters: settlementExportFilters }).strict(),
  z.object({ type: z.literal('audit'), filters: auditExportFilters }).strict(),
  z.object({ type: z.literal('waste'), filters: wasteExportFilters }).strict(),
  z.object({ type: z.literal('ecoas'), filters: ecoasExportFilters }).strict(),
]);
export type ExportCreate = z.infer<typeof exportCreate>;

/** What the creator must also be allowed to read, per type. */
export const EXPORT_READ_ACTION: Record<ExportType, Action> = {
  orders: 'orders.read',
  settlement: 'settlements.read',
  audit: 'audit.read',
  waste: 'waste.report',
  ecoas: 'waste.report',
};

export const exportListQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

export interface ExportView {
  id: string;
  type: ExportType;
  filters: Record<string, unknown>;
  createdBy: string;
  status: repo.ExportStatus;
  /** the download (GET /api/exports/:id/file) while the file exists; null before DONE and after expiry */
  fileUrl: string | null;
  rowCount: number | null;
  /** rows written of the file's total (null: not counted) while RUNNING and once DONE; null before and after failing */
  progress: { done: number; total: number | null } | null;
  lastError: string | null;
  expiresAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toView(e: ExportRecord): ExportView {
  return {
    id: e.id,
    type: e.type,
    filters: e.filters,
    createdBy: e.createdBy,
    status: e.status,
    fileUrl: e.status === 'DONE' && !e.expired ? e.fileUrl : null,
    rowCount: e.rowCount,
    progress:
      (e.status === 'RUNNING' || e.status === 'DONE') && e.rowsDone !== null
        ? { done: e.rowsDone, total: e.rowsTotal }
        : null,
    lastError: e.lastError,
    expiresAt: e.expiresAt?.toISOString() ?? null,
    version: e.version,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

function checkRange(from: string, to: string): void {
  if (from > to) throw new ValidationError('filters.to', 'errors.rangeReversed');
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > MAX_EXPORT_DAYS) {
    throw new ValidationError('filters.to', 'errors.rangeTooLong', { params: { max: MAX_EXPORT_DAYS } });
  }
}

/** POST /api/exports {type, filters} → 202 with the PENDING export; the job is enqueued in the same transaction. */
export async function createExport(
  tx: Tx,
  actor: Actor,
  body: unknown,
  jobs: JobQueue,
  tokens: AccessTokens,
): Promise<ExportView> {
  authorize(actor, 'exports.create');
  const input = parse(exportCreate, body);
  authorize(actor, EXPORT_READ_ACTION[input.type]);
  const filters = input.filters as Record<string, unknown>;
  if (input.type === 'orders') {
    const f = input.filters;
    if (f.from && f.to && f.from > f.to) throw new ValidationError('filters.to', 'errors.rangeReversed');
  }
  // the audit route's rule (domain/audit-tables.ts); the builder narrows an export naming no table by it too
  if (input.type === 'audit' && input.filters.table && !mayReadAuditTable(actor.role, input.filters.table)) {
    throw new ForbiddenError('errors.forbidden', { field: 'filters.table', details: { table: input.filters.table } });
  }
  if (input.type === 'settlement' || input.type === 'audit' || input.type === 'waste') {
    checkRange(input.filters.from, input.filters.to);
  }
  // as GET /api/waste/summary: a partner coordinator reports on its own partner only
  if (input.type === 'waste' && actor.role === 'PARTNER_COORDINATOR' && input.filters.partnerId) {
    if (input.filters.partnerId !== actor.partnerId) throw new NotFoundError('partner', { field: 'filters.partnerId' });
  }
  // a branch outside the caller's scope is refused now, not discovered by a failed job later
  if ('branchId' in filters && typeof filters.branchId === 'string') {
    await branchInScope(tx, actor, filters.branchId, { field: 'filters.branchId' });
  }
  const created = await repo.insertExport(tx, { id: uuidv7(), type: input.type, filters, createdBy: actor.userId });
  // the build acts in the creator's session (sealed: the job row is readable in the database), so it ends with it
  const session = actor.sessionId ? tokens.sealSession(actor.sessionId) : undefined;
  await jobs.send(QUEUES.exportBuild, { exportId: created.id, session }, { tx });
  return toView(created);
}

async function requireExport(tx: Tx, id: unknown): Promise<ExportRecord> {
  const found = await repo.findExport(tx, parseId(id));
  if (!found) throw new NotFoundError('export');
  return found;
}

/** GET /api/exports/:id — the creator's or, for HQ, anyone's (row-level security). */
export async function getExport(tx: Tx, actor: Actor, id: unknown): Promise<ExportView> {
  authorize(actor, 'exports.read');
  return toView(await requireExport(tx, id));
}

/** GET /api/exports — my exports, newest first. */
export async function listExports(tx: Tx, actor: Actor, query: unknown): Promise<{ items: ExportView[] }> {
  authorize(actor, 'exports.read');
  const q = parse(exportListQuery, query);
  return { items: (await repo.listOwnExports(tx, actor.userId, q.limit)).map(toView) };
}

export function exportStorageKey(exportId: string): string {
  return `exports/${exportId}.xlsx`;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * GET /api/exports/:id/file: which stored file to send and its download name; 409 while it is being built or
 * after it failed, 410 once it expired.
 */
export async function exportFile(
  tx: Tx,
  actor: Actor,
  id: unknown,
): Promise<{ key: string; fileName: string; record: ExportRecord }> {
  authorize(actor, 'exports.read');
  const e = await requireExport(tx, id);
  if (e.status === 'FAILED') {
    throw new AppError(409, {
      code: 'EXPORT_FAILED',
      messageKey: 'errors.exports.failed',
      params: { error: e.lastError ?? '' },
    });
  }
  if (e.status !== 'DONE') {
    throw new AppError(409, {
      code: 'EXPORT_NOT_READY',
      messageKey: 'errors.exports.notReady',
      params: { status: e.status },
      details: { status: e.status },
    });
  }
  if (e.expired || !e.fileUrl)
    throw new AppError(410, { code: 'EXPORT_EXPIRED', messageKey: 'errors.exports.expired' });
  const stamp = e.createdAt.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return { key: exportStorageKey(e.id), fileName: `${e.type}-${stamp}.xlsx`, record: e };
}
