// A client killed with SIGKILL at the worst moments, then started again on the same database, converges:
// nothing lost, nothing applied twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_ENTITIES } from '../../domain/sync-protocol.js';
import { ClientStore } from '../../main/store/client-store.js';
import { databaseFile } from '../../main/sync/session.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createBranch, createUser } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { runChild } from './child.js';
import { clientChecksums, differences, makeOrder, type RlsUser, serverChecksums, tempDir } from './support.js';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function branchWithManager() {
  const branch = await createBranch(db.owner);
  const user = await createUser(db.owner, { role: 'BRANCH_MANAGER', branchId: branch.id });
  const rls: RlsUser = { id: user.id, role: user.role, branchId: branch.id, partnerId: null };
  return { branch, user, rls };
}

function openStore(dataDir: string, username: string): ClientStore {
  return new ClientStore(databaseFile(dataDir, server.url, username));
}

describe('crash', () => {
  it('killed inside a pull page (rows written, cursor not saved): restarted, it converges', async () => {
    const { branch, user, rls } = await branchWithManager();
    for (let i = 0; i < 30; i++) await makeOrder(db.owner, { branchId: branch.id });
    const dataDir = tempDir('crash-page-');
    const env = { SERVER_URL: server.url, USERNAME: user.username, PASSWORD: user.password, DATA_DIR: dataDir };
    await runChild({ ...env, MODE: 'sync', PAGE_SIZE: '5', CRASH_AT: 'page:3' }, 'killed');

    let store = openStore(dataDir, user.username);
    const kept = SYNC_ENTITIES.reduce((n, e) => n + store.mirror.readAll(e).length, 0);
    // pages 1 and 2 (five rows each) were committed with their cursors; page 3 went with the process
    expect(kept).toBe(10);
    store.close();

    await runChild({ ...env, MODE: 'sync', PAGE_SIZE: '5' });
    store = openStore(dataDir, user.username);
    expect(store.listOrders()).toHaveLength(30);
    expect(differences(clientChecksums(store), await serverChecksums(db, rls, store))).toEqual({});
    store.close();
  });

  it('killed after the head office answered a push, before the answers were stored: the retry applies nothing twice', async () => {
    const { branch, user, rls } = await branchWithManager();
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await makeOrder(db.owner, { branchId: branch.id }));
    const dataDir = tempDir('crash-push-');
    const env = { SERVER_URL: server.url, USERNAME: user.username, PASSWORD: user.password, DATA_DIR: dataDir };
    await runChild({ ...env, MODE: 'sync' });
    const edits = orders.map((o, i) => ({ kind: 'order.update', orderId: o.id, payload: { remarks: `작업 ${i}` } }));
    await runChild({ ...env, MODE: 'edit', EDITS: JSON.stringify(edits) });

    await runChild({ ...env, MODE: 'sync', CRASH_AT: 'push:1' }, 'killed');
    const applied = await db.owner.query(
      'SELECT id, version, remarks FROM orders WHERE id = ANY($1) ORDER BY remarks',
      [orders.map((o) => o.id)],
    );
    expect(applied.rows.map((r) => [r.version, r.remarks])).toEqual([
      [2, '작업 0'],
      [2, '작업 1'],
      [2, '작업 2'],
    ]);
    let store = openStore(dataDir, user.username);
    expect(store.counts().pending).toBe(3);
    store.close();

    const { stdout } = await runChild({ ...env, MODE: 'sync' });
    expect(JSON.parse(stdout.trim().split('\n').pop()!).state).toMatchObject({ pending: 0, conflicts: 0, failed: 0 });
    const after = await db.owner.query('SELECT version FROM orders WHERE id = ANY($1)', [orders.map((o) => o.id)]);
    expect(after.rows.map((r) => r.version)).toEqual([2, 2, 2]);
    const queue = await db.owner.query('SELECT status, retry_count FROM offline_sync_queue WHERE entity_id = ANY($1)', [
      orders.map((o) => o.id),
    ]);
    expect(queue.rows).toEqual([
      { status: 'SYNCED', retry_count: 1 },
      { status: 'SYNCED', retry_count: 1 },
      { status: 'SYNCED', retry_count: 1 },
    ]);
    store = openStore(dataDir, user.username);
    expect(differences(clientChecksums(store), await serverChecksums(db, rls, store))).toEqual({});
    store.close();
  });
});
