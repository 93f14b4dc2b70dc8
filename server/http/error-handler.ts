import type { ErrorRequestHandler, RequestHandler } from 'express';
import { toAppError } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { localeOf } from './context.js';
import { AppError, NotFoundError, toErrorBody, ValidationError } from './errors.js';

/** Errors of express.json() (body-parser) carry a `type`; they are the client's fault, never a 500. */
function fromBodyParser(err: unknown): AppError | undefined {
  const type = (err as { type?: unknown })?.type;
  if (typeof type !== 'string') return undefined;
  if (type === 'entity.parse.failed') return new ValidationError('body', 'errors.malformedJson');
  if (type === 'entity.too.large') {
    return new AppError(413, { code: 'PAYLOAD_TOO_LARGE', messageKey: 'errors.payloadTooLarge', field: 'body' });
  }
  return new ValidationError('body');
}

/**
 * The router decodes path parameters while matching; a broken percent-escape (`/api/orders/%E0%A4%A`) throws a
 * URIError there, before any handler: the client's error, never a 500.
 */
function fromPathDecoding(err: unknown): AppError | undefined {
  if (err instanceof URIError) return new ValidationError('path', 'errors.malformedPath');
  return undefined;
}

export function notFoundRoute(): RequestHandler {
  return () => {
    throw new NotFoundError('route');
  };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const mapped = toAppError(err);
    const appError = mapped instanceof AppError ? mapped : (fromBodyParser(err) ?? fromPathDecoding(err));
    const locale = localeOf(req, res);
    if (appError) {
      if (appError.status >= 500) logger.error({ err }, 'request failed');
      res.status(appError.status).set(appError.headers).json(toErrorBody(appError, locale));
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'unexpected error');
    res.status(500).json(toErrorBody(new AppError(500, { code: 'INTERNAL', messageKey: 'errors.internal' }), locale));
  };
}
