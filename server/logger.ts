import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    // Tokens and passwords never reach the log.
    redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken'],
  });
}
