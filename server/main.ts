// `npm run server`: the head office on PORT (default 8080); DATABASE_URL or the embedded PostgreSQL.
import { createLogger } from './logger.js';
import { startServer } from './start.js';

const logger = createLogger();
const running = await startServer({ logger }).catch((err: Error) => {
  // e.g. a database migrated by a newer release: the message says what to do
  logger.fatal({ err }, `head office not started: ${err.message}`);
  process.exit(1);
});
logger.info({ url: running.url }, 'head office listening');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
