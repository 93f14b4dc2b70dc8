// Run as its own processes by client-bench.ts:
//   build <file> <n>   a client database (the client store's own schema, filled through its pull path) holding n
//                      synthetic orders with their lines and installers
//   export <file>      the orders grid's view exported from that database as the app does it (a snapshot of the
//                      mirror streamed through the view and exceljs's streaming writer); prints one JSON line
// so the export process's peak RSS is the export's whole cost: nothing is in memory before it starts.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrderColumnKey } from '../../domain/order-view.js';
import { writeOrdersXlsx } from '../../main/excel/export-orders.js';
import { ClientStore } from '../../main/store/client-store.js';
import { openOrderSnapshot } from '../../main/store/order-snapshot.js';
import { mirrorPages } from '../support/order-mirror.js';
import { syntheticOrders } from './synthetic-orders.js';

const [mode, file, count] = process.argv.slice(2);
if (!file) throw new Error('usage: xlsx-export-child.ts build|export <file> [n]');

if (mode === 'build') {
  const store = new ClientStore(file);
  for (const page of mirrorPages(syntheticOrders(Number(count ?? 100000)))) store.applyPage(page);
  store.close();
} else {
  const baseRss = process.memoryUsage().rss;
  const dir = mkdtempSync(join(tmpdir(), 'xlsx-bench-'));
  const path = join(dir, 'orders.xlsx');
  const columns: OrderColumnKey[] = [
    'orderNo',
    'status',
    'customerName',
    'customerPhone',
    'city',
    'address',
    'vendor',
    'installerName',
    'appointmentDate',
    'timeWindow',
    'items',
    'remarks',
  ];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const source = openOrderSnapshot(file);
  let rows = 0;
  try {
    rows = (
      await writeOrdersXlsx({
        source,
        view: { sort: [{ key: 'appointmentDate', direction: 'DESC' }] },
        columns,
        headers: {},
        path,
        sheetName: '주문',
      })
    ).rows;
  } finally {
    source.close();
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const bytes = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      rows,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      bytes,
      baseRssMB: baseRss / 2 ** 20,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}
