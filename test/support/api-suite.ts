// The set-up most API test files share: their own database, a head office on it, two worlds (a: the caller's
// branch, partner and users; b: another branch's) and a token per role of world a (plus b's manager).
import type { TokenPair } from '../../server/auth/auth.service.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { createWorld, type World } from './fixtures.js';
import { startTestServer, type TestServer } from './server.js';

export type Tokens = Record<'hq' | 'manager' | 'otherManager' | 'coordinator' | 'installer', TokenPair>;

export interface ApiSuite {
  db: TestDatabase;
  api: TestServer;
  a: World;
  b: World;
}

/** Fills `t` (the file's token table) and answers the rest; call it from beforeAll. */
export async function startApiSuite(t: Tokens, opts: Parameters<typeof startTestServer>[1] = {}): Promise<ApiSuite> {
  const db = await createTestDatabase();
  const api = await startTestServer(db, opts);
  const a = await createWorld(db.owner);
  const b = await createWorld(db.owner);
  const [hq, manager, otherManager, coordinator, installer] = await Promise.all([
    api.login(a.hq.username),
    api.login(a.manager.username),
    api.login(b.manager.username),
    api.login(a.coordinator.username),
    api.login(a.installerUser.username),
  ]);
  Object.assign(t, { hq, manager, otherManager, coordinator, installer });
  return { db, api, a, b };
}

export async function stopApiSuite(s: { api?: TestServer; db?: TestDatabase }): Promise<void> {
  await s.api?.stop();
  await s.db?.drop();
}
