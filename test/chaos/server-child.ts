// The head office as a process of its own, for the chaos harness (test/chaos/run.ts), which kills it with SIGKILL
// and starts it again on the same database and port. Prints one line "ready <url>" once it listens.
import { createLogger } from '../../server/logger.js';
import { startServer } from '../../server/start.js';

const env = process.env;
const running = await startServer({
  ownerUrl: env.OWNER_URL!,
  appUrl: env.APP_URL!,
  migrate: false,
  port: Number(env.PORT),
  host: '127.0.0.1',
  poolMax: 8,
  logger: createLogger(env.CHAOS_LOG_LEVEL ?? 'silent'),
  config: {
    jwtSecret: env.CHAOS_JWT_SECRET!,
    cacheKeyPrefix: `chaos:${env.PORT}:cache`,
    throttle: { keyPrefix: `chaos:${env.PORT}` },
  },
});
console.log(`ready ${running.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
