// A run of several pages (a first sync above all) sends the request for the next page before it writes the one it
// holds: the head office and PostgreSQL compute page N+1 while the client writes page N into SQLite, instead of each waiting
// for the other. The copy is written in the same order, a page's cursor is saved with it, and a page that fails
// to apply leaves the copy at the previous page: the prefetched one is dropped, the next run goes on from there.
import diagnostics_channel from 'node:diagnostics_channel';
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

/**
 * Records every pull request as it goes out on the wire (its headers written to the socket: undici's diagnostics
 * channel, which the client's Agent publishes to), not when it is asked for: a request asked for just before a
 * synchronous SQLite write would otherwise leave only after it.
 */
function trace(events: string[]): () => void {
  const ch = diagnostics_channel.channel('undici:client:sendHeaders');
  const on = (m: unknown) => {
    const path = (m as { request?: { path?: string } }).request?.path ?? '';
    if (path.startsWith('/api/sync/changes')) events.push('sent');
  };
  ch.subscribe(on);
  return () => ch.unsubscribe(on);
}

describe('pulling ahead', () => {
  it('sends the request for the next page before writing the one it holds, and writes them in order', async () => {
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
    const stop = trace(events);
    try {
      await c.engine.syncNow();
    } finally {
      stop();
    }
    expect(written.length).toBeGreaterThanOrEqual(3);
    // sent, sent (the second on the wire before the first page is written), write, sent, write, … write
    expect(events.slice(0, 3)).toEqual(['sent', 'sent', 'write']);
    // every page but the last: the request for the page after it was on the wire before it was written
    let sent = 0;
    let writes = 0;
    for (const e of events) {
      if (e === 'sent') sent++;
      else if (++writes < written.length)
        expect(sent, `before writing page ${writes}`).toBeGreaterThanOrEqual(writes + 1);
    }
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
