// A branch client engine in its own process, for the crash and randomized tests: the parent kills it with
// SIGKILL at chosen or random moments and starts it again on the same database. Driven by environment:
//   SERVER_URL, USERNAME, PASSWORD, DATA_DIR   where and who
//   MODE       sync | edit | random | converge
//   CRASH_AT   page:N (SIGKILL inside the Nth pull page's transaction, rows written, cursor not)
//              push:N (SIGKILL after the Nth push was answered, before the answers are stored)
//   EDITS      (edit) JSON [{kind, orderId, payload}]
//   SEED, DURATION_MS, JOURNAL, BRANCH_ID, INSTALLER_IDS (random)
// Prints one JSON line {done: true, …} when its mode completes.
import { appendFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import type { OpKind } from '../../domain/sync-protocol.js';
import type { EngineHooks } from '../../main/sync/engine.js';
import { ClientSession } from '../../main/sync/session.js';

const env = process.env;
const kill = () => process.kill(process.pid, 'SIGKILL');

function hooks(): EngineHooks {
  const [what, n] = (env.CRASH_AT ?? '').split(':');
  let count = 0;
  if (what === 'page')
    return {
      beforeCursorSaved: () => {
        if (++count === Number(n)) kill();
      },
    };
  if (what === 'push')
    return {
      afterPushAnswered: () => {
        if (++count === Number(n)) kill();
      },
    };
  return {};
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function login(): Promise<ClientSession> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ClientSession.login(
        { serverUrl: env.SERVER_URL!, username: env.USERNAME!, password: env.PASSWORD! },
        {
          dataDir: env.DATA_DIR!,
          httpTimeoutMs: 3000,
          engine: {
            hooks: hooks(),
            backoff: { baseMs: 20, maxMs: 300 },
            pullIntervalMs: Number(env.PULL_INTERVAL_MS ?? 300),
            pageSize: Number(env.PAGE_SIZE ?? 1000),
            batchSize: Number(env.BATCH_SIZE ?? 100),
          },
        },
      );
    } catch (e) {
      if (attempt > 300) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function settle(s: ClientSession): Promise<void> {
  // synced: nothing queued, nothing held, the last cycle clean, and a full pull after the last push
  for (let i = 0; ; i++) {
    for (const c of s.store.listConflicts()) {
      s.store.resolveConflict(c.id, Object.fromEntries(c.fields.map((f) => [f.field, 'theirs' as const])));
    }
    const st = await s.engine.syncNow();
    if (st.pending === 0 && st.conflicts === 0 && st.lastError === null && st.status === 'online') {
      const again = await s.engine.syncNow();
      if (again.pending === 0 && again.conflicts === 0 && again.lastError === null) return;
    }
    if (i > 600) throw new Error(`did not settle: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const STATUSES_NEXT: Record<string, string[]> = { 배정: ['배정확정'], 배정확정: ['출고확정'] };

async function random(s: ClientSession): Promise<void> {
  const rnd = mulberry32(Number(env.SEED ?? 1));
  const installers = JSON.parse(env.INSTALLER_IDS ?? '[]') as string[];
  const until = Date.now() + Number(env.DURATION_MS ?? 5000);
  s.engine.start();
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  while (Date.now() < until) {
    const orders = s.store.listOrders();
    const r = rnd();
    let kind: OpKind;
    let orderId: string;
    let payload: Record<string, unknown>;
    if (orders.length === 0 || r < 0.1) {
      orderId = uuidv7();
      kind = 'order.create';
      payload = {
        id: orderId,
        orderNo: `R-${orderId.slice(-12)}`,
        customerName: `고객 ${Math.floor(rnd() * 1000)}`,
        address: { line1: '임의로 1', city: '서울' },
        branchId: env.BRANCH_ID,
        lines: [{ id: uuidv7(), itemCode: 'GEN-1', itemName: '소형 가전', quantity: 1 + Math.floor(rnd() * 3) }],
      };
    } else {
      const o = pick(orders);
      orderId = o.id;
      if (r < 0.6) {
        kind = 'order.update';
        payload =
          rnd() < 0.5
            ? { remarks: `메모 ${Math.floor(rnd() * 1e6)}` }
            : { customerName: `이름 ${Math.floor(rnd() * 1e3)}` };
      } else if (r < 0.75 && o.status === '미배정' && installers.length) {
        kind = 'order.assign';
        payload = { installerId: pick(installers) };
      } else if (r < 0.85 && STATUSES_NEXT[o.status]) {
        kind = 'order.status';
        payload = { status: pick(STATUSES_NEXT[o.status]!) };
      } else if (r < 0.92 && o.status === '배정') {
        kind = 'order.unassign';
        payload = {};
      } else {
        kind = 'order.update';
        payload = { remarks: `메모 ${Math.floor(rnd() * 1e6)}` };
      }
    }
    try {
      const { opId } = s.store.localOrderOp({ kind, orderId, payload });
      if (env.JOURNAL) appendFileSync(env.JOURNAL, `${opId}\n`);
      s.engine.localWrite();
    } catch {
      // a row that vanished under a pull: pick another next time
    }
    await new Promise((res) => setTimeout(res, 20 + rnd() * 120));
  }
  await s.engine.stop();
}

const session = await login();
const mode = env.MODE ?? 'sync';
if (mode === 'edit') {
  const opIds: string[] = [];
  for (const e of JSON.parse(env.EDITS ?? '[]') as {
    kind: OpKind;
    orderId: string;
    payload: Record<string, unknown>;
  }[])
    opIds.push(session.store.localOrderOp(e).opId);
  console.log(JSON.stringify({ done: true, opIds }));
} else if (mode === 'random') {
  await random(session);
  console.log(JSON.stringify({ done: true }));
} else {
  await settle(session);
  console.log(JSON.stringify({ done: true, state: session.engine.state() }));
}
await session.close();
process.exit(0);
