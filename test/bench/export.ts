// npm run bench:export [-- --orders N]: the head office's orders export of N orders (default 100,000) through the
// real job, cursor batches and streaming writer: time, and the peak RSS of this process (which runs the server
// and its export worker). Prints; asserts nothing. A scratch database on DATABASE_URL, else the embedded cluster.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { appRolePassword, migrate } from '../../db/migrate.js';
import { startDatabase, withDatabase, withUser } from '../../db/pg/embedded.js';
import { createLogger } from '../../server/logger.js';
import { startServer } from '../../server/start.js';
import { loadBulkOrders } from '../support/bulk-orders.js';
import { createWorld, DEFAULT_PASSWORD } from '../support/fixtures.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ORDERS = Number(arg('orders') ?? 100_000);

const cluster = await startDatabase();
const name = `dispatch_bench_export_${process.pid}`;
const admin = new pg.Client({ connectionString: cluster.url });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const url = withDatabase(cluster.url, name);
const owner = new pg.Pool({ connectionString: url, max: 2 });
try {
  await migrate(url);
  const world = await createWorld(owner);
  let t = Date.now();
  await loadBulkOrders(owner, world.branch.id, ORDERS);
  console.log(`loaded ${ORDERS.toLocaleString('en')} orders in ${Date.now() - t} ms`);
  const server = await startServer({
    ownerUrl: url,
    appUrl: withUser(url, 'dispatch_app', appRolePassword()),
    migrate: false,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    config: { jobs: { pollingIntervalSeconds: 0.5 }, throttle: { keyPrefix: `bench:${process.pid}` } },
  });
  try {
    const call = async (method: string, path: string, token?: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res;
    };
    const login = await (
      await call('POST', '/api/auth/login', undefined, { username: world.manager.username, password: DEFAULT_PASSWORD })
    ).json();
    const token = login.accessToken as string;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    t = Date.now();
    const created = await (await call('POST', '/api/exports', token, { type: 'orders' })).json();
    let status = created.status as string;
    while (status !== 'DONE' && status !== 'FAILED') {
      await new Promise((r) => setTimeout(r, 100));
      status = (await (await call('GET', `/api/exports/${created.id}`, token)).json()).status;
    }
    const built = Date.now() - t;
    clearInterval(sampler);
    const res = await call('GET', `/api/exports/${created.id}/file`, token);
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.fromWeb(res.body as never), {
      sharedStrings: 'ignore',
      styles: 'ignore',
      worksheets: 'emit',
    });
    let rows = 0;
    for await (const sheet of reader) for await (const _row of sheet) rows++;
    const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
    console.log(
      `export of ${ORDERS.toLocaleString('en')} orders: ${status} in ${built} ms, ${rows - 1} data rows read back; ` +
        `RSS baseline ${mb(baseline)}, peak ${mb(peak)} (+${mb(peak - baseline)}) in the process running the server`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await owner.end();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await cluster.stop();
}
