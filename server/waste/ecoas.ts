// The ECOAS monthly report of collected waste appliances: GET /api/waste/ecoas?month=YYYY-MM&format=xlsx|csv
// [&branchId]. Streamed page by page (keyset) straight into the response: xlsx through exceljs's streaming
// writer, csv as UTF-8 with a byte-order mark so that Excel opens the Korean text correctly.
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { uuid } from '../../domain/order-schemas.js';
import { authorize } from '../auth/authorize.js';
import { branchInScope } from '../branches/branch-scope.js';
import { withRequestTransaction } from '../db/transaction.js';
import { localeOf } from '../http/context.js';
import { authenticate, type RouteDeps } from '../http/handler.js';
import { parse } from '../http/validate.js';
import { type Locale, t } from '../i18n/index.js';
import { type EcoasRow, ecoasPage } from './waste.repository.js';

export const ecoasQuery = z
  .object({
    month: z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/),
    format: z.enum(['xlsx', 'csv']).default('xlsx'),
    branchId: uuid.optional(),
  })
  .strict();

export const ECOAS_COLUMNS = [
  'date',
  'orderNo',
  'branchCode',
  'wasteCode',
  'wasteName',
  'quantity',
  'collector',
  'city',
] as const;
const WIDTHS = [12, 22, 10, 10, 18, 8, 16, 14];
const PAGE = 1000;

function cells(r: EcoasRow, locale: Locale): (string | number)[] {
  return [
    r.date,
    r.orderNo,
    r.branchCode,
    r.code,
    locale === 'en' ? r.nameEn : r.nameKo,
    r.quantity,
    r.collector ?? '',
    r.city ?? '',
  ];
}

/** A CSV field: quoted when needed; a text starting like a formula is defused (CSV injection). */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
}

function attachment(res: Response, fileName: string, contentType: string): void {
  res.status(200);
  res.set('Content-Type', contentType);
  res.set(
    'Content-Disposition',
    `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
  );
  res.set('Cache-Control', 'no-store');
}

export function ecoasReport(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const actor = await authenticate(req, res, deps.tokens);
    authorize(actor, 'waste.report');
    const q = parse(ecoasQuery, req.query);
    const locale = localeOf(req, res);
    const headers = ECOAS_COLUMNS.map((c) => t(locale, `ecoas.columns.${c}`));
    // a report read: on the replica when it has replayed what the primary had written (server/db/reports.ts)
    const pool = deps.reports ? await deps.reports.pool() : deps.pool;
    await withRequestTransaction(pool, actor, async (tx) => {
      const branch = await branchInScope(tx, actor, q.branchId);
      const fileName = `ECOAS_${q.month}${branch ? `_${branch.code}` : ''}.${q.format}`;
      // the first page before any byte is sent: an error up to here is still an ordinary JSON error
      let page = await ecoasPage(tx, { month: q.month, branchId: branch?.id, limit: PAGE });
      const next = async () => {
        const last = page[page.length - 1];
        page =
          page.length < PAGE || !last
            ? []
            : await ecoasPage(tx, {
                month: q.month,
                branchId: branch?.id,
                after: { collectedAt: last.collectedAt, id: last.id },
                limit: PAGE,
              });
      };

      if (q.format === 'csv') {
        attachment(res, fileName, 'text/csv; charset=utf-8');
        await write(res, `\uFEFF${headers.map(csvField).join(',')}\r\n`);
        while (page.length > 0) {
          await write(res, page.map((r) => `${cells(r, locale).map(csvField).join(',')}\r\n`).join(''));
          await next();
        }
        res.end();
        return;
      }

      attachment(res, fileName, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: res,
        useStyles: true,
        useSharedStrings: false,
      });
      const sheet = workbook.addWorksheet(`ECOAS ${q.month}`);
      sheet.columns = headers.map((header, i) => ({ header, key: ECOAS_COLUMNS[i], width: WIDTHS[i] }));
      sheet.getRow(1).font = { bold: true };
      sheet.getRow(1).commit();
      while (page.length > 0) {
        for (const r of page) sheet.addRow(cells(r, locale)).commit();
        if (res.writableNeedDrain) await new Promise((r) => res.once('drain', r));
        await next();
      }
      sheet.commit();
      await workbook.commit();
    });
  };
}
