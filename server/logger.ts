import { pino } from 'pino';
import { maskPhones } from '../domain/notices.js';

export type Logger = pino.Logger;

/** Every string of a log record with its phone numbers masked (010-****-5678), a few levels deep. */
function masked(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskPhones(value);
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  // an Error's message and stack are not enumerable: keep them, as pino's error serializer would write them
  if (value instanceof Error) {
    const e = value as Error & Record<string, unknown>;
    return {
      ...(masked({ ...e }, depth - 1) as object),
      type: e.name,
      message: maskPhones(e.message),
      stack: maskPhones(e.stack ?? ''),
    };
  }
  if (Array.isArray(value)) return value.map((v) => masked(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = masked(v, depth - 1);
  return out;
}

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      // Tokens and passwords never reach the log.
      redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken'],
      // Customers' phone numbers neither: whatever logs them (the notice adapter, an error's message, a URL)
      formatters: { log: (obj) => masked(obj, 4) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? maskPhones(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
