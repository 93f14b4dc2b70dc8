// Run as its own process by client-bench.ts, so its peak RSS is the export's alone (plus the rows it exports).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrderColumnKey } from '../../domain/order-view.js';
import { writeOrdersXlsx } from '../../main/excel/export-orders.js';
import { syntheticOrders } from './synthetic-orders.js';

const n = Number(process.argv[2] ?? 100000);
const rows = syntheticOrders(n);
global.gc?.();
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
const out = await writeOrdersXlsx({
  rows,
  view: { sort: [{ key: 'appointmentDate', direction: 'DESC' }] },
  columns,
  headers: {},
  path,
  sheetName: '주문',
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const bytes = statSync(path).size;
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    rows: out.rows,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    bytes,
    baseRssMB: baseRss / 2 ** 20,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
