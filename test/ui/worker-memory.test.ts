// Issue 14: the services worker runs under a memory cap. The real worker (main/services/worker-host.ts starting
// worker-entry with the screen handlers, signed in to a real head office) is given a cap small enough for one
// crafted vendor sheet — within every import limit, but half a million cells — to exhaust it: the worker ends
// alone, the client process goes on, the call under way gets UNAVAILABLE, the host reports it and starts a new worker,
// which answers the next calls (signed out: the session lived in the worker that died).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_LIMITS } from '../../domain/client-api.js';
import { type ServicesWorker, startServicesWorker } from '../../main/services/worker-host.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createUser, type UserFixture } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Small enough for the crafted sheet below to exhaust, large enough for the services and an ordinary import. */
const CAP_MB = 40;

let db: TestDatabase;
let server: TestServer;
let manager: UserFixture;

beforeAll(async () => {
  db = await createTestDatabase();
  const branch = await createBranch(db.owner, { name: '메모리지점' });
  manager = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  server = await startTestServer(db);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** An xlsx whose first sheet is `rows` rows of `columns` numbers (the sheet XML written directly: fast). */
async function sheetOf(rows: number, columns: number): Promise<string> {
  const JSZip = (await import('jszip')).default;
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('주문서').addRow(['수주번호']);
  const zip = await JSZip.loadAsync(await wb.xlsx.writeBuffer());
  const col = (i: number) =>
    (i < 26 ? '' : String.fromCharCode(64 + Math.floor(i / 26))) + String.fromCharCode(65 + (i % 26));
  const parts = [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
  ];
  const header = Array.from({ length: columns }, (_, c) => `<c r="${col(c)}1" t="inlineStr"><is><t>H${c}</t></is></c>`);
  parts.push(`<row r="1">${header.join('')}</row>`);
  for (let r = 2; r <= rows + 1; r++) {
    let cells = '';
    for (let c = 0; c < columns; c++) cells += `<c r="${col(c)}${r}"><v>${r * 1000 + c}</v></c>`;
    parts.push(`<row r="${r}">${cells}</row>`);
  }
  parts.push('</sheetData></worksheet>');
  zip.file('xl/worksheets/sheet1.xml', parts.join(''));
  const buf = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 1 } });
  return buf.toString('base64');
}

describe('services worker memory cap', () => {
  let worker: ServicesWorker | undefined;
  afterAll(async () => {
    await worker?.close();
  });

  it('one crafted sheet exhausts the real worker’s cap: the call under way gets UNAVAILABLE, a new worker answers', async () => {
    const reasons: Error[] = [];
    worker = await startServicesWorker(
      {
        dataDir: mkdtempSync(join(tmpdir(), 'worker-cap-')),
        engine: { pullIntervalMs: 3_600_000, backoff: { baseMs: 50, maxMs: 300 } },
        handlerModules: [new URL('../../main/channel-handlers/screen-handlers.ts', import.meta.url).href],
      },
      { memoryLimitMb: CAP_MB, onRestart: (e) => reasons.push(e) },
    );
    const login = await worker.call('auth:login', {
      serverUrl: server.url,
      username: manager.username,
      password: manager.password,
    });
    expect(login.ok).toBe(true);
    // an ordinary vendor sheet is read under the cap
    const ordinary = await worker.call('excel:importPreview', { file: await sheetOf(200, 20) });
    expect(ordinary).toMatchObject({ ok: true, value: { rowCount: 200 } });

    // within every limit of the import (rows, columns, bytes), and half a million cells
    const rows = 8_000;
    const columns = 60;
    expect(rows).toBeLessThanOrEqual(IMPORT_LIMITS.rows);
    expect(columns).toBeLessThanOrEqual(IMPORT_LIMITS.columns);
    const bomb = await sheetOf(rows, columns);
    expect(Buffer.from(bomb, 'base64').length).toBeLessThan(IMPORT_LIMITS.fileBytes);
    const swallowed = await worker.call('excel:importPreview', { file: bomb });
    expect(swallowed).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'the client services stopped' } });
    expect(reasons.map((e) => (e as { code?: string }).code)).toEqual(['ERR_WORKER_OUT_OF_MEMORY']);
    expect(worker.restarts).toBe(1);

    // this process goes on, and the new worker serves: signed out, and able to sign in and read a sheet again
    expect(await worker.call('auth:session', {})).toEqual({ ok: true, value: null });
    const again = await worker.call('auth:login', {
      serverUrl: server.url,
      username: manager.username,
      password: manager.password,
    });
    expect(again.ok).toBe(true);
    expect(await worker.call('excel:importPreview', { file: await sheetOf(10, 5) })).toMatchObject({
      ok: true,
      value: { rowCount: 10 },
    });
  }, 180_000);
});
