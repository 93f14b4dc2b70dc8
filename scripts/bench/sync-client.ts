// The client side of `npm run bench:sync`, in its own process so its peak RSS is the client's alone.
// Env: SERVER_URL, USERNAME, PASSWORD, DATA_DIR, PAGE_SIZE, PUSH_OPS, NOCHANGE_PULLS, PHASE (initial | push),
// WINDOW (the initial sync's window in months; absent: the whole scope), PULL_AHEAD=0 (the initial sync asks for
// a page only after writing the previous one),
// OTHER_BRANCH_WRITER_URL + OTHER_BRANCH_ID (a database URL that may write the other branch's orders)
// Prints one JSON line with its measurements.
import { join } from 'node:path';
import pg from 'pg';
import { ClientStore } from '../../main/store/client-store.js';
import { SyncEngine } from '../../main/sync/engine.js';
import { HeadOfficeClient } from '../../main/sync/http-client.js';

const env = process.env;
const store = new ClientStore(join(env.DATA_DIR!, 'bench.sqlite'));
const http = new HeadOfficeClient({ baseUrl: env.SERVER_URL!, timeoutMs: 120_000 });
await http.login(env.USERNAME!, env.PASSWORD!);
const engine = new SyncEngine({
  store,
  http,
  pageSize: Number(env.PAGE_SIZE ?? 5000),
  batchSize: Number(env.BATCH_SIZE ?? 200),
  pullIntervalMs: 3_600_000,
});

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const out: Record<string, unknown> = {};
if ((env.PHASE ?? 'initial') === 'initial') {
  let rows = 0;
  let pages = 0;
  let applyMs = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const window = env.WINDOW ? Number(env.WINDOW) : undefined;
  // as the engine pulls (pullAll): the next page asked for before the one in hand is written; PULL_AHEAD=0 asks
  // only after writing (the engine before round 6), to compare
  const ask = (cursor: string | null) => http.pull(cursor, Number(env.PAGE_SIZE ?? 5000), undefined, window);
  const ahead = env.PULL_AHEAD !== '0';
  let next = ask(store.cursor());
  for (;;) {
    const page = await next;
    if (ahead && page.hasMore) {
      next = ask(page.cursor);
      // as the engine does: two turns of the event loop, so the request leaves before the synchronous write
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
    const ta = performance.now();
    store.applyPage(page);
    applyMs += performance.now() - ta;
    if (env.BENCH_DEBUG)
      console.error(
        `page ${pages} ${page.changes.length} apply ${(performance.now() - ta).toFixed(0)} ms total ${(performance.now() - t0).toFixed(0)}`,
      );
    rows += page.changes.length;
    pages++;
    if (!page.hasMore) break;
    if (!ahead) next = ask(store.cursor());
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  Object.assign(out, {
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows,
    pages,
    seconds,
    applySeconds: applyMs / 1000,
    rowsPerSecond: rows / seconds,
    orders: store.listOrders().length,
  });

  // no-change pulls: a full cycle (request, empty page, cursor saved) with nothing new
  const lat: number[] = [];
  const asked: number[] = [];
  for (let i = 0; i < Number(env.NOCHANGE_PULLS ?? 200); i++) {
    const t = performance.now();
    const page = await http.pull(store.cursor(), 1000, undefined, window);
    asked.push(performance.now() - t);
    store.applyPage(page);
    lat.push(performance.now() - t);
  }
  // the request alone (without saving the cursor in SQLite): what the head office's path decides
  Object.assign(out, {
    noChangeP50: percentile(lat, 50),
    noChangeP95: percentile(lat, 95),
    requestP50: percentile(asked, 50),
    requestP95: percentile(asked, 95),
  });

  // the same while another branch keeps writing: every window then holds rows, none of them this clerk's
  if (env.OTHER_BRANCH_WRITER_URL) {
    const writer = new pg.Client({ connectionString: env.OTHER_BRANCH_WRITER_URL });
    await writer.connect();
    const busy: number[] = [];
    let changes = 0;
    for (let i = 0; i < Number(env.NOCHANGE_PULLS ?? 200); i++) {
      await writer.query(
        `UPDATE orders SET remarks = $2 WHERE id = (SELECT id FROM orders WHERE branch_id = $1 AND deleted_at IS NULL
            ORDER BY id OFFSET $3 LIMIT 1)`,
        [env.OTHER_BRANCH_ID, `bench other branch ${i}`, i],
      );
      const t = performance.now();
      const page = await http.pull(store.cursor(), 1000, undefined, window);
      store.applyPage(page);
      busy.push(performance.now() - t);
      changes += page.changes.length;
    }
    await writer.end();
    Object.assign(out, {
      busyNoChangeP50: percentile(busy, 50),
      busyNoChangeP95: percentile(busy, 95),
      busyChanges: changes,
    });
  }
} else {
  // push: N local edits on distinct orders, then drain the outbox
  await engine.syncNow();
  const offset = Number(env.OFFSET ?? 0);
  const orders = store.listOrders().slice(offset, offset + Number(env.PUSH_OPS ?? 2000));
  for (const [i, o] of orders.entries())
    store.localOrderOp({ kind: 'order.update', orderId: o.id, payload: { remarks: `bench ${env.TAG ?? ''} ${i}` } });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const state = await engine.syncNow();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const all = process.cpuUsage();
  Object.assign(out, {
    ops: orders.length,
    seconds,
    opsPerSecond: orders.length / seconds,
    state,
    // the push's own CPU, and the process's whole (its start, login and first sync included)
    pushCpuSeconds: (cpu.user + cpu.system) / 1e6,
    clientCpuSeconds: (all.user + all.system) / 1e6,
  });
}
out.maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
store.close();
process.exit(0);
