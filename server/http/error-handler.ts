import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { toAppError } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { localeOf } from './context.js';
import { AppError, type ErrorBody, NotFoundError, toErrorBody, ValidationError } from './errors.js';

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

/** What an error answers: its status, headers and `{ error }` body in the caller's language. */
export function errorAnswer(
  err: unknown,
  req: Request,
  res: Response,
  logger?: Logger,
): { status: number; headers: Record<string, string>; body: ErrorBody } {
  const mapped = toAppError(err);
  const appError = mapped instanceof AppError ? mapped : (fromBodyParser(err) ?? fromPathDecoding(err));
  const locale = localeOf(req, res);
  if (appError) {
    if (appError.status >= 500) logger?.error({ err }, 'request failed');
    return { status: appError.status, headers: appError.headers, body: toErrorBody(appError, locale) };
  }
  logger?.error({ err, method: req.method, url: req.originalUrl }, 'unexpected error');
  const internal = new AppError(500, { code: 'INTERNAL', messageKey: 'errors.internal' });
  return { status: 500, headers: {}, body: toErrorBody(internal, locale) };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const answer = errorAnswer(err, req, res, logger);
    res.status(answer.status).set(answer.headers).json(answer.body);
  };
}
