// PostgreSQL errors → AppErrors. Constraint and trigger errors are how the database enforces the rules no code
// path may skip (unique order_no, settlement lock, foreign keys); the client gets the field they concern.
import {
  AppError,
  DuplicateError,
  ForbiddenError,
  LockedError,
  type LockedWeek,
  ThrottledError,
  UnauthorizedError,
  ValidationError,
} from '../http/errors.js';

interface PgError extends Error {
  code: string;
  detail?: string;
  constraint?: string;
  column?: string;
  table?: string;
}

function isPgError(e: unknown): e is PgError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && 'severity' in e;
}

export function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Request field of a constraint where its column name does not say it. */
const CONSTRAINT_FIELDS: Record<string, string> = {
  order_numbers_pkey: 'orderNo',
  uq_order_numbers_order: 'id',
  chk_appointment_date: 'appointmentDate',
  chk_order_lines_quantity: 'quantity',
  chk_order_lines_weight: 'weight',
  uq_serial_numbers_serial: 'serial',
  uq_waste_pickups_order_code: 'code',
  uq_users_username: 'username',
  uq_branches_code: 'code',
  uq_partners_code: 'code',
  // row-level security hides the key in the error detail of these, so the constraint must say it
  uq_installers_user: 'userId',
  uq_reason_codes_code: 'code',
  waste_codes_pkey: 'code',
  uq_item_skill_rules_prefix: 'itemPrefix',
};

/** "Key (order_no)=(A-1) already exists." → order_no; composite keys give their last column. */
function keyColumn(detail: string | undefined): string | undefined {
  const m = detail?.match(/^Key \(([^)]+)\)=/);
  if (!m?.[1]) return undefined;
  return m[1].split(',').pop()?.trim();
}

/**
 * The column of a constraint named by PostgreSQL's defaults: <table>_<column>_fkey, <table>_pkey (id).
 * Needed because PostgreSQL leaves out the "Key (…)=" detail on tables under row-level security.
 */
function defaultNamedColumn(e: PgError): string | undefined {
  if (!e.constraint || !e.table) return undefined;
  const table = e.table.replace(/_(\d{4}_\d{2}|default)$/, ''); // a partition of orders reports its own name
  if (e.constraint === `${table}_pkey` || e.constraint === `${e.table}_pkey`) return 'id';
  for (const t of [e.table, table]) {
    const m = e.constraint.match(new RegExp(`^${t}_(.+)_fkey$`));
    if (m?.[1]) return m[1];
  }
  return undefined;
}

function fieldOf(e: PgError): string | undefined {
  if (e.constraint && CONSTRAINT_FIELDS[e.constraint]) return CONSTRAINT_FIELDS[e.constraint];
  const col = e.column ?? keyColumn(e.detail) ?? defaultNamedColumn(e);
  return col ? camelCase(col) : undefined;
}

function lockedWeek(detail: string | undefined): LockedWeek | undefined {
  if (!detail) return undefined;
  try {
    const w = JSON.parse(detail) as Partial<LockedWeek>;
    if (w.periodId && w.periodStart && w.periodEnd && w.branchId) return w as LockedWeek;
  } catch {
    // a DL423 without our JSON detail still maps to 423, just without the week
  }
  return undefined;
}

/**
 * The database cannot be reached, is shutting down, or refuses the server's login (a deployment fault the
 * client cannot fix either): the client should retry later (503).
 */
const UNAVAILABLE = new Set([
  '3D000', // invalid_catalog_name: the database does not exist
  '28000',
  '28P01', // the application role's login is refused
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** What node-postgres says (without a SQLSTATE) when the connection under a query or a pool is gone. */
const CONNECTION_GONE =
  /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|timeout exceeded when trying to connect/;

/** 503 UNAVAILABLE: the database connection went away under the request; nothing of it was committed. */
export function connectionLost(cause: unknown): AppError {
  if (cause instanceof AppError && cause.status === 503) return cause;
  return new AppError(503, { code: 'UNAVAILABLE', messageKey: 'errors.unavailable', cause });
}

/** The AppError for a database error, or the error itself when it is not one we can explain to a client. */
export function toAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (UNAVAILABLE.has(code) || code.startsWith('08'))) return connectionLost(err);
  const message = (err as { message?: unknown } | null)?.message;
  if (code === undefined && typeof message === 'string' && CONNECTION_GONE.test(message)) return connectionLost(err);
  if (!isPgError(err)) return err;
  const field = fieldOf(err);
  switch (err.code) {
    case 'DL423':
      return new LockedError(lockedWeek(err.detail), err);
    case 'DS401': // app_enter_request: the token's user is no longer active in that role, branch or partner
      return new UnauthorizedError('SESSION_REVOKED', 'errors.sessionRevoked', { cause: err });
    case 'DS429': // auth_login (migration 0075): the database's login throttle; DETAIL is the wait in seconds
      return new ThrottledError(Number(err.detail) || 60);
    case '23505': // unique_violation
      return new DuplicateError(field, { constraint: err.constraint, column: keyColumn(err.detail) });
    case '23503': // foreign_key_violation: a referenced row that does not exist
    case '23502': // not_null_violation
    case '23514': // check_violation
      return new ValidationError(field, 'errors.validation', { details: { constraint: err.constraint }, cause: err });
    case '42501': // insufficient_privilege, incl. "new row violates row-level security policy"
      return new ForbiddenError('errors.forbidden', { cause: err });
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return new AppError(409, { code: 'CONFLICT', messageKey: 'errors.concurrent', cause: err });
    default:
      // 22xxx: data exceptions (a date out of range, a malformed value that slipped past validation)
      if (err.code.startsWith('22')) return new ValidationError(field, 'errors.validation', { cause: err });
      return err;
  }
}
