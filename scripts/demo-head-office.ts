// The head office with the demo data, as `npm start` and `npm run start:web` run it: DATABASE_URL or the embedded
// PostgreSQL under .data/pg, migrated, demo data loaded once (a second start finds it and loads nothing).
import { randomBytes } from 'node:crypto';
import { migrate } from '../db/migrate.js';
import { startDatabase } from '../db/pg/embedded.js';
import { seedDemo } from '../db/seed/demo.js';
import type { Logger } from '../server/logger.js';
import { startServer } from '../server/start.js';
import { startSolapiSimulator } from '../test/support/solapi-simulator.js';

export const DEMO_LOGINS_LINE = 'demo logins hq, mgr.seoul, mgr.busan, coord, inst1 / demo1234';

export async function startDemoHeadOffice(logger: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  const db = await startDatabase();
  try {
    await migrate(db.url);
    const seeded = await seedDemo(db.url, { log: (m: string) => logger.info(m) });
    if (seeded.status === 'present') logger.info('demo data already present');
    // No real messaging provider is reachable here: customer notices go to the local SOLAPI simulator, which
    // accepts them and reports each delivered five seconds later (queued → sent → delivered in the drawer).
    const secret = randomBytes(24).toString('base64url');
    const sim = await startSolapiSimulator({ apiKey: 'DEMO', apiSecret: secret, autoReportMs: 5_000 });
    const webhookSecret = randomBytes(24).toString('base64url');
    // the demo opens /metrics, /api/docs and the OpenAPI document (closed by default: OPS_ENDPOINTS)
    const server = await startServer({
      ownerUrl: db.url,
      migrate: false,
      logger,
      config: {
        opsOpen: true,
        notices: {
          baseUrl: sim.url,
          apiKey: 'DEMO',
          apiSecret: secret,
          pfId: 'KA01PF_DEMO',
          sender: '1588-0000',
          webhookSecret,
          dispatchSeconds: 2,
        },
      },
    });
    sim.setWebhook(`${server.url}/api/notices/provider-reports`, webhookSecret);
    logger.info({ simulator: sim.url }, 'customer notices go to the local SOLAPI simulator');
    return {
      url: server.url,
      async stop() {
        await server.stop().catch(() => {});
        await sim.stop().catch(() => {});
        await db.stop().catch(() => {});
      },
    };
  } catch (e) {
    await db.stop().catch(() => {});
    throw e;
  }
}
