// A run of several pages (a first sync above all) asks for the next page before it writes the one it holds: the
// head office and PostgreSQL compute page N+1 while the client writes page N into SQLite, instead of each waiting
// for the other. The copy is written in the same order, a page's cursor is saved with it, and a page that fails
// to apply leaves the copy at the previous page: the prefetched one is dropped, the next run goes on from there.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../domain/sync-protocol.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorld, type World } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  clientChecksums,
  connectClient,
  differences,
  makeOrder,
  serverChecksums,
  type TestClient,
  tempDir,
} from './support.js';

let db: TestDatabase;
let server: TestServer;
let world: World;
const dir = tempDir('pull-ahead-');
const clients: TestClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
  world = await createWorld(db.owner);
  for (let i = 0; i < 8; i++) await makeOrder(db.owner, { branchId: world.branch.id });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.stop();
  await db?.drop();
});

const user = () => ({ id: world.manager.id, role: 'BRANCH_MANAGER', branchId: world.branch.id, partnerId: null });

/** Records, in order, every page asked for and every page written (its cursor saved). */
function trace(c: TestClient, events: string[]) {
  const pull = c.http.pull.bind(c.http);
  c.http.pull = async (...args: Parameters<typeof pull>) => {
    events.push('ask');
    return pull(...args);
  };
}

describe('pulling ahead', () => {
  it('asks for the next page before writing the one it holds, and writes them in order', async () => {
    const events: string[] = [];
    const written: PullResponse[] = [];
    const c = await connectClient(server.url, world.manager, join(dir, 'ahead.sqlite'), {
      pageSize: 8,
      window: null,
      hooks: {
        beforeCursorSaved: (page) => {
          events.push('write');
          written.push(page);
        },
      },
    });
    clients.push(c);
    trace(c, events);
    await c.engine.syncNow();
    expect(written.length).toBeGreaterThanOrEqual(3);
    // ask, ask (the second before the first page is written), write, ask, write, … write
    expect(events.slice(0, 3)).toEqual(['ask', 'ask', 'write']);
    expect(events.filter((e) => e === 'write')).toHaveLength(written.length);
    expect(written[0]!.reset).toBe(true);
    expect(written.slice(1).every((p) => !p.reset)).toBe(true);
    expect(written.at(-1)!.hasMore).toBe(false);
    expect(c.store.cursor()).toBe(written.at(-1)!.cursor);
    expect(differences(clientChecksums(c.store), await serverChecksums(db, user(), c.store))).toEqual({});
  });

  it('a page that fails to apply leaves the copy at the page before; the next run completes it', async () => {
    let writes = 0;
    let fail = true;
    const saved: string[] = [];
    const c = await connectClient(server.url, world.manager, join(dir, 'fail.sqlite'), {
      pageSize: 8,
      window: null,
      hooks: {
        beforeCursorSaved: (page) => {
          writes++;
          if (fail && writes === 2) throw new Error('disk full');
          saved.push(page.cursor);
        },
      },
    });
    clients.push(c);
    await c.engine.syncNow();
    // the second page was not written: the copy's cursor is the first page's (the third, asked ahead, dropped)
    expect(saved).toHaveLength(1);
    expect(c.store.cursor()).toBe(saved[0]);
    fail = false;
    await c.engine.syncNow();
    expect(differences(clientChecksums(c.store), await serverChecksums(db, user(), c.store))).toEqual({});
  });
});
