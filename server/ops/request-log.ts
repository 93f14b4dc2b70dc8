// Request ids and what the request log may show. A caller (a proxy, the client) may bring its own X-Request-Id so
// one id follows a request across systems; anything that does not look like an id is replaced by a fresh one.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's X-Request-Id when it is a sane token, else a new UUID; echoed in the answer. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const id = requestIdOf(req);
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The id requestId gives, for an answer that writes its headers at once (the idle pull, sync.marks.ts). */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
}

const START = Symbol('request start');

/**
 * When the request arrived (performance.now()), for a middleware ahead of the request log and the metrics (the
 * idle pull from memory): a request it passes on is timed from its arrival, not from when it was passed on.
 */
export function markRequestStart(req: IncomingMessage): void {
  (req as IncomingMessage & { [START]?: number })[START] = performance.now();
}

export function requestStart(req: IncomingMessage): number {
  return (req as IncomingMessage & { [START]?: number })[START] ?? performance.now();
}

/** The line requestLog writes for an answer given ahead of it (the idle pull from memory). */
export function logAnswered(logger: Logger, req: IncomingMessage, id: string, statusCode: number, start: number): void {
  if (!logger.isLevelEnabled('info')) return;
  const line: LogLine = {
    req: { id, method: req.method ?? '', url: redactUrl(req.url ?? '') },
    res: { statusCode },
    responseTime: Math.round(performance.now() - start),
  };
  logger.info(line, 'request completed');
}

/** The URL as logged: an access token in the query (the SSE route accepts one) never reaches the log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[REDACTED]');
}

type LogLine = { req: { id: string; method: string; url: string }; res: { statusCode: number }; responseTime: number };

/**
 * One line per request, `request completed` (or `request errored` with `err` for a 5xx, `request aborted` when
 * the client went away first): what pino-http wrote, without its two child loggers per request (their bindings
 * are serialised when made, whether or not the line is ever written). Nothing is done after the id unless the
 * logger writes `info`.
 */
export function requestLog(
  logger: Logger,
  opts: { ignore?: (req: IncomingMessage) => boolean } = {},
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const id = requestId(req, res);
    (req as IncomingMessage & { id?: string }).id = id;
    if (!logger.isLevelEnabled('info') || opts.ignore?.(req)) return next();
    const start = requestStart(req);
    const done = (err?: Error) => {
      res.off('close', done);
      res.off('finish', done);
      res.off('error', done);
      const line: LogLine = {
        req: { id, method: req.method ?? '', url: redactUrl(req.url ?? '') },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - start),
      };
      const failed =
        err instanceof Error
          ? err
          : res.statusCode >= 500
            ? new Error(`failed with status code ${res.statusCode}`)
            : undefined;
      if (failed) logger.info({ ...line, err: failed }, 'request errored');
      else logger.info(line, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
    };
    res.on('close', done);
    res.on('finish', done);
    res.on('error', done);
    next();
  };
}
