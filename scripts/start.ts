// `npm start`: the head office on PORT (default 8080) with the demo data, on DATABASE_URL or the embedded
// PostgreSQL under .data/pg. Demo logins: hq, mgr.seoul, mgr.busan, coord, inst1 — password demo1234.
import { migrate } from '../db/migrate.js';
import { startDatabase } from '../db/pg/embedded.js';
import { seedDemo } from '../db/seed/demo.js';
import { createLogger } from '../server/logger.js';
import { startServer } from '../server/start.js';

const logger = createLogger();
const db = await startDatabase();
await migrate(db.url);
const seeded = await seedDemo(db.url, { log: (m: string) => logger.info(m) });
if (seeded.status === 'present') logger.info('demo data already present');
const server = await startServer({ ownerUrl: db.url, migrate: false, logger });
logger.info(
  { url: server.url },
  'head office with demo data is running (logins: hq, mgr.seoul, mgr.busan, coord, inst1 / demo1234)',
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await server.stop().catch(() => {});
    await db.stop().catch(() => {});
    process.exit(0);
  });
}
