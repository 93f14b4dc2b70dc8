// A branch client engine in its own process, for the crash and randomized tests: the parent kills it with
// SIGKILL at chosen or random moments and starts it again on the same database. Driven by environment:
//   SERVER_URL, USERNAME, PASSWORD, DATA_DIR   where and who
//   MODE       sync | edit | random | converge | login (one login attempt, prints whether offline)
//   CRASH_AT   page:N (SIGKILL inside the Nth pull page's transaction, rows written, cursor not)
//              push:N (SIGKILL after the Nth push was answered, before the answers are stored)
//   EDITS      (edit) JSON [{kind, orderId, payload}]
//   SEED, DURATION_MS, JOURNAL, BRANCH_ID, INSTALLER_IDS, ORDER_IDS (random: random-ops.ts, a pure function of SEED)
// Prints one JSON line {done: true, …} when its mode completes.
import { appendFileSync } from 'node:fs';
import type { OpKind } from '../../domain/sync-protocol.js';
import type { EngineHooks } from '../../main/sync/engine.js';
import { ClientSession } from '../../main/sync/session.js';
import { intents, opOf } from './random-ops.js';

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

async function random(s: ClientSession) {
  const installers = JSON.parse(env.INSTALLER_IDS ?? '[]') as string[];
  // the orders to pick from: given (the chaos harness: its branch's seeded orders), else the copy's at the start
  const orders = env.ORDER_IDS
    ? (JSON.parse(env.ORDER_IDS) as string[])
    : s.store
        .listOrders()
        .map((o) => o.id)
        .sort();
  const next = intents({ seed: Number(env.SEED ?? 1), branchId: env.BRANCH_ID ?? '', installers, orders });
  const until = Date.now() + Number(env.DURATION_MS ?? 5000);
  s.engine.start();
  const made = { intents: 0, ops: 0, refused: {} as Record<string, number> };
  while (Date.now() < until) {
    const intent = next();
    made.intents++;
    const status = intent.want === 'create' ? null : (s.store.getOrder(intent.orderId)?.status ?? null);
    try {
      const { opId } = s.store.localOrderOp(opOf(intent, status, installers));
      if (env.JOURNAL) appendFileSync(env.JOURNAL, `${opId}\n`);
      made.ops++;
      s.engine.localWrite();
    } catch (e) {
      // an order not in the copy (moved away, or its create not made): the intent makes no op
      const why = (e as Error).name || 'Error';
      made.refused[why] = (made.refused[why] ?? 0) + 1;
    }
    await new Promise((res) => setTimeout(res, intent.pauseMs));
  }
  await s.engine.stop();
  return made;
}

const mode = env.MODE ?? 'sync';
if (mode === 'login') {
  // one login, nothing else: online, or offline when the head office cannot be reached
  const once = await ClientSession.login(
    { serverUrl: env.SERVER_URL!, username: env.USERNAME!, password: env.PASSWORD! },
    { dataDir: env.DATA_DIR!, httpTimeoutMs: 3000 },
  );
  console.log(JSON.stringify({ done: true, offline: once.session.offline }));
  await once.close();
  process.exit(0);
}
const session = await login();
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
  console.log(JSON.stringify({ done: true, ...(await random(session)) }));
} else {
  await settle(session);
  console.log(JSON.stringify({ done: true, state: session.engine.state() }));
}
await session.close();
process.exit(0);
