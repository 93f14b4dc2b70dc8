// npm run bench:import [-- --rows N] [-- --runs R]: a vendor order sheet of N rows (default 10,000; a title row,
// a blank row, the header, phones stored as numbers, dates as Excel dates) through the client's real services
// worker, as the import dialog calls it: the first preview of a file (read + check), a preview after a mapping
// change (the file already read), and the import (check + create all orders in the local database and outbox).
// The head office is stopped after the sign-in, so the orders wait in the outbox: what is timed is the client's
// work, not the head office taking 5,000 new orders. Prints milliseconds per run (p50, max); asserts nothing. A
// scratch database on DATABASE_URL, else the embedded cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { appRolePassword, migrate } from '../../db/migrate.js';
import { startDatabase, withDatabase, withUser } from '../../db/pg/embedded.js';
import { startServicesWorker } from '../../main/services/worker-host.js';
import { createLogger } from '../../server/logger.js';
import { startServer } from '../../server/start.js';
import { createWorld, DEFAULT_PASSWORD } from '../support/fixtures.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ROWS = Number(arg('rows') ?? 10_000);
const RUNS = Number(arg('runs') ?? 3);

async function vendorSheet(prefix: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('주문');
  ws.addRow(['12월 배송 의뢰서']);
  ws.mergeCells('A1:K1');
  ws.addRow([]);
  ws.addRow([
    '주문번호',
    '성명',
    '전화번호',
    '주소',
    '상세주소',
    '시군구',
    '배송일',
    '시간대',
    '모델',
    '제품명',
    '수량',
  ]);
  const day = new Date(Date.UTC(2027, 0, 15));
  for (let i = 0; i < ROWS; i++) {
    // two lines per order, as vendors send them
    const order = `${prefix}-${String(Math.floor(i / 2)).padStart(6, '0')}`;
    ws.addRow([
      order,
      `고객${i >> 1}`,
      1000000000 + (i >> 1),
      `중앙로 ${i >> 1}`,
      `${(i >> 1) % 20}층`,
      '서울 강남구',
      day,
      i % 4 < 2 ? '오전' : '14~16시',
      i % 2 ? 'WM-2' : 'AC-1',
      i % 2 ? '세탁기' : '에어컨',
      1 + (i % 3),
    ]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
}

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${s[Math.floor(s.length / 2)]} ms, max ${s.at(-1)} ms (${s.join(', ')})`;
};

const cluster = await startDatabase();
const name = `dispatch_bench_import_${process.pid}`;
const admin = new pg.Client({ connectionString: cluster.url });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const url = withDatabase(cluster.url, name);
const owner = new pg.Pool({ connectionString: url, max: 2 });
const dataDir = mkdtempSync(join(tmpdir(), 'bench-import-'));
try {
  await migrate(url);
  const world = await createWorld(owner);
  const server = await startServer({
    ownerUrl: url,
    appUrl: withUser(url, 'dispatch_app', appRolePassword()),
    migrate: false,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    config: { throttle: { keyPrefix: `bench:${process.pid}` } },
  });
  let stopped = false;
  const worker = await startServicesWorker({
    dataDir,
    // the timed pull would push the imported orders meanwhile; the import is what is measured here
    engine: { pullIntervalMs: 3_600_000 },
    handlerModules: [new URL('../../main/channel-handlers/screen-handlers.ts', import.meta.url).href],
  });
  try {
    const call = async <T>(channel: string, args: unknown): Promise<T> => {
      const r = await worker.call(channel, args);
      if (!r.ok) throw new Error(`${channel}: ${JSON.stringify(r.error)}`);
      return r.value as T;
    };
    await call('auth:login', { serverUrl: server.url, username: world.manager.username, password: DEFAULT_PASSWORD });
    await server.stop();
    stopped = true;
    console.log('signed in; head office stopped, the imports go to the outbox');
    const cold: number[] = [];
    const warm: number[] = [];
    const commit: number[] = [];
    let size = 0;
    for (let run = 0; run < RUNS; run++) {
      const file = await vendorSheet(`B${run}`);
      size = Math.round((file.length * 3) / 4 / 1024);
      let t = performance.now();
      const p = await call<{ rowCount: number; orderCount: number; errors: unknown[]; mapping: object }>(
        'excel:importPreview',
        { file, vendor: '벤치' },
      );
      cold.push(Math.round(performance.now() - t));
      if (p.errors.length) throw new Error(`the sheet has errors: ${JSON.stringify(p.errors.slice(0, 3))}`);
      t = performance.now();
      await call('excel:importPreview', { file, vendor: '벤치', mapping: p.mapping });
      warm.push(Math.round(performance.now() - t));
      t = performance.now();
      const r = await call<{ created: number }>('excel:importCommit', { file, vendor: '벤치', mapping: p.mapping });
      commit.push(Math.round(performance.now() - t));
      if (r.created !== p.orderCount) throw new Error(`created ${r.created} of ${p.orderCount}`);
      console.log(`run ${run + 1}: preview ${cold.at(-1)} ms, again ${warm.at(-1)} ms, import ${commit.at(-1)} ms`);
    }
    console.log(
      `vendor sheet: ${ROWS.toLocaleString('en')} rows → ${(ROWS / 2).toLocaleString('en')} orders, ${size} KB`,
    );
    console.log(`preview (file read and checked): ${stats(cold)}`);
    console.log(`preview after a mapping change: ${stats(warm)}`);
    console.log(`import (checked again, all orders created locally with their outbox ops): ${stats(commit)}`);
  } finally {
    await worker.close();
    if (!stopped) await server.stop();
  }
} finally {
  await owner.end();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
