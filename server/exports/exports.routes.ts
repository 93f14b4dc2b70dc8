import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { z } from 'zod';
import { authorize } from '../auth/authorize.js';
import { withRequestTransaction } from '../db/transaction.js';
import { contentDisposition } from '../http/content-disposition.js';
import { AppError } from '../http/errors.js';
import { authenticate, guarded, type RouteDeps } from '../http/handler.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { describeRoutes, fileResponse, idParams } from '../openapi/registry.js';
import { type Storage, StoredObjectMissing } from '../storage/storage.js';
import {
  auditExportFilters,
  createExport,
  EXPORT_TYPES,
  ecoasExportFilters,
  exportFile,
  exportListQuery,
  getExport,
  listExports,
  orderExportFilters,
  settlementExportFilters,
  wasteExportFilters,
  XLSX_TYPE,
} from './exports.service.js';

export function exportsRoutes(deps: RouteDeps & { jobs: JobQueue; storage: Storage }): Router {
  const r = Router();
  r.post(
    '/exports',
    guarded(deps, 'exports.create', ({ tx, actor, req }) => createExport(tx, actor, req.body, deps.jobs, deps.tokens), {
      status: 202,
    }),
  );
  r.get(
    '/exports',
    guarded(deps, 'exports.read', ({ tx, actor, req }) => listExports(tx, actor, req.query)),
  );
  r.get(
    '/exports/:id',
    guarded(deps, 'exports.read', ({ tx, actor, req }) => getExport(tx, actor, req.params.id)),
  );
  // No transaction while the file streams: the access check has its own, then the bytes flow.
  r.get('/exports/:id/file', async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'exports.read');
    const file = await withRequestTransaction(deps.pool, actor, (tx) => exportFile(tx, actor, req.params.id));
    let body: NodeJS.ReadableStream;
    try {
      body = await deps.storage.get(file.key);
    } catch (err) {
      if (err instanceof StoredObjectMissing) {
        throw new AppError(410, { code: 'EXPORT_EXPIRED', messageKey: 'errors.exports.expired' });
      }
      throw err;
    }
    res.status(200).set({ 'Content-Type': XLSX_TYPE, 'Content-Disposition': contentDisposition(file.fileName) });
    await pipeline(body, res);
  });
  return r;
}

const exportView = z
  .object({
    id: z.uuid(),
    type: z.enum(EXPORT_TYPES),
    filters: z.record(z.string(), z.unknown()),
    createdBy: z.uuid(),
    status: z.enum(['PENDING', 'RUNNING', 'DONE', 'FAILED']),
    fileUrl: z.string().nullable(),
    rowCount: z.number().int().nullable(),
    progress: z
      .object({
        done: z.number().int().min(0),
        total: z.number().int().min(0).nullable().meta({ description: 'null: the builder does not count this type' }),
      })
      .nullable()
      .meta({
        description: 'rows written of the file’s rows, while RUNNING (recorded every few thousand rows) and once DONE',
      }),
    lastError: z.string().nullable(),
    expiresAt: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Export' });

// The body as documented: one variant per type.
const exportCreateDoc = z.discriminatedUnion('type', [
  z.object({ type: z.literal('orders'), filters: orderExportFilters.optional() }),
  z.object({ type: z.literal('settlement'), filters: settlementExportFilters }),
  z.object({ type: z.literal('audit'), filters: auditExportFilters }),
  z.object({ type: z.literal('waste'), filters: wasteExportFilters }),
  z.object({ type: z.literal('ecoas'), filters: ecoasExportFilters }),
]);

export const exportRouteDocs = describeRoutes(
  {
    method: 'post',
    path: '/api/exports',
    action: 'exports.create',
    tag: 'exports',
    summary: 'Ask for an xlsx export; it is built in the background',
    description:
      'orders: the filters of GET /api/orders (the same rows as the grid); settlement: weeks of [from, to] with ' +
      'their orders counted by outcome; audit: audit log rows of [from, to]; waste: the FR-07 totals of GET ' +
      '/api/waste/summary; ecoas: the month of GET /api/waste/ecoas. The creator also needs orders.read, ' +
      'settlements.read, audit.read or waste.report. Rows are read under the creator’s own scope. Poll ' +
      'GET /api/exports/:id.',
    body: exportCreateDoc,
    responses: {
      202: { description: 'accepted: the export, PENDING', schema: exportView },
      404: { description: 'filters.branchId (or filters.partnerId) is outside the caller’s scope' },
    },
  },
  {
    method: 'get',
    path: '/api/exports',
    action: 'exports.read',
    tag: 'exports',
    summary: 'My exports, newest first',
    query: exportListQuery,
    responses: { 200: { description: 'my exports', schema: z.object({ items: z.array(exportView) }) } },
  },
  {
    method: 'get',
    path: '/api/exports/:id',
    action: 'exports.read',
    tag: 'exports',
    summary: 'One export (its creator, or HQ)',
    params: idParams,
    responses: {
      200: { description: 'the export', schema: exportView },
      404: { description: 'not found, or another user’s' },
    },
  },
  {
    method: 'get',
    path: '/api/exports/:id/file',
    action: 'exports.read',
    tag: 'exports',
    summary: 'Download the finished file',
    params: idParams,
    responses: {
      200: fileResponse('the xlsx', XLSX_TYPE),
      404: { description: 'not found, or another user’s' },
      409: { description: 'not finished yet (EXPORT_NOT_READY) or failed (EXPORT_FAILED)' },
      410: { description: 'the file expired (EXPORT_EXPIRED)' },
    },
  },
);
