// Typed errors thrown by services (over HTTP or from the sync push) and mapped to
// { error: { code, message, field?, details? } }. The message is rendered in the caller's locale from
// `messageKey` + `params` by toErrorBody(); Error.message holds the English text for logs.
import { type Locale, t } from '../i18n/index.js';

export type MessageParams = Record<string, string | number>;

export interface AppErrorOptions {
  code: string;
  messageKey: string;
  params?: MessageParams;
  field?: string;
  details?: unknown;
  cause?: unknown;
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly messageKey: string;
  readonly params: MessageParams;
  readonly field: string | undefined;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, opts: AppErrorOptions) {
    super(t('en', opts.messageKey, opts.params), { cause: opts.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = opts.code;
    this.messageKey = opts.messageKey;
    this.params = opts.params ?? {};
    this.field = opts.field;
    this.details = opts.details;
    this.headers = opts.headers ?? {};
  }
}

type Opts = Partial<AppErrorOptions>;

/** 400: bad input; `field` names it (the request field, e.g. "lines.0.quantity"). */
export class ValidationError extends AppError {
  constructor(field: string | undefined, messageKey = 'errors.validation', opts: Opts = {}) {
    super(400, { code: 'VALIDATION', messageKey, ...opts, field, params: { field: field ?? '', ...opts.params } });
  }
}

/** 401: no valid credentials or token. */
export class UnauthorizedError extends AppError {
  constructor(code = 'UNAUTHORIZED', messageKey = 'errors.unauthorized', opts: Opts = {}) {
    super(401, { code, messageKey, ...opts, headers: { 'WWW-Authenticate': 'Bearer', ...opts.headers } });
  }
}

/** 403: the caller's role may not do this. */
export class ForbiddenError extends AppError {
  constructor(messageKey = 'errors.forbidden', opts: Opts = {}) {
    super(403, { code: 'FORBIDDEN', messageKey, ...opts });
  }
}

/** 404: missing, soft-deleted, or hidden by row-level security: the three are indistinguishable on purpose. */
export class NotFoundError extends AppError {
  constructor(entity: string, opts: Opts = {}) {
    super(404, {
      code: 'NOT_FOUND',
      messageKey: `errors.notFound.${entity}`,
      ...opts,
      params: { entity, ...opts.params },
    });
  }
}

/** 409: the caller's version is stale; details.current is the row as it is now. */
export class VersionConflictError extends AppError {
  constructor(current: unknown, opts: Opts = {}) {
    super(409, {
      code: 'CONFLICT',
      messageKey: 'errors.versionConflict',
      field: 'version',
      ...opts,
      details: { current },
    });
  }
}

/** 409: a unique value already taken; `field` names it. */
export class DuplicateError extends AppError {
  constructor(field: string | undefined, details: unknown) {
    super(409, { code: 'DUPLICATE', messageKey: 'errors.duplicate', field, params: { field: field ?? '' }, details });
  }
}

/** 422: well-formed but against a business rule (transition, assignment, reason code…). */
export class RuleError extends AppError {
  constructor(code: string, messageKey: string, opts: Opts = {}) {
    super(422, { code, messageKey, ...opts });
  }
}

export interface LockedWeek {
  periodId: string;
  branchId: string;
  periodStart: string;
  periodEnd: string;
}

/** 423: the settlement week is locked (raised by the database's settlement guard, SQLSTATE DL423). */
export class LockedError extends AppError {
  constructor(week: LockedWeek | undefined, cause?: unknown) {
    super(423, {
      code: 'LOCKED',
      messageKey: week ? 'errors.settlementLocked' : 'errors.settlementLockedUnknown',
      params: week ? { start: week.periodStart, end: week.periodEnd } : {},
      details: week,
      cause,
    });
  }
}

/** 429: throttled; Retry-After in seconds. */
export class ThrottledError extends AppError {
  constructor(retryAfterSeconds: number) {
    const s = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, {
      code: 'THROTTLED',
      messageKey: 'errors.throttled',
      params: { seconds: s },
      details: { retryAfterSeconds: s },
      headers: { 'Retry-After': String(s) },
    });
  }
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string; details?: unknown };
}

/** The JSON body of an error, its message in `locale`. */
export function toErrorBody(err: AppError, locale: Locale): ErrorBody {
  const body: ErrorBody['error'] = { code: err.code, message: t(locale, err.messageKey, err.params) };
  if (err.field !== undefined) body.field = err.field;
  if (err.details !== undefined) body.details = err.details;
  return { error: body };
}
