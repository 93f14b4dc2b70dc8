// One wrapper that every call from the UI passes through, whichever shell carried it: the channel must exist, the
// argument must satisfy the channel's zod schema, and whatever the handler throws comes back as a Result, never as
// an exception crossing the process boundary.
import type { z } from 'zod';
import {
  type ApiError,
  type Channel,
  type ClientApiHandlers,
  clientApi,
  type Result,
} from '../../domain/client-api.js';

export const CHANNELS = Object.keys(clientApi) as Channel[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(clientApi, name);
}

/** Turns whatever a handler threw into an ApiError; handlers signal expected failures with `{code, message}`. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && typeof (e as ApiError).code === 'string') {
    const err = e as ApiError & { message?: unknown };
    return {
      code: err.code,
      message: typeof err.message === 'string' ? err.message : err.code,
      ...(typeof err.field === 'string' ? { field: err.field } : {}),
      ...(err.details !== undefined ? { details: err.details } : {}),
    };
  }
  // An unexpected error: keep its message for the log line the UI shows, not its stack.
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export function validationError(error: z.ZodError): ApiError {
  const first = error.issues[0];
  const field = first?.path.map(String).join('.') || undefined;
  return {
    code: 'VALIDATION',
    message: first ? `${field ? `${field}: ` : ''}${first.message}` : 'invalid argument',
    ...(field ? { field } : {}),
    details: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  };
}

export async function dispatch(
  handlers: Partial<ClientApiHandlers>,
  channel: unknown,
  raw: unknown,
): Promise<Result<unknown>> {
  if (!isChannel(channel))
    return { ok: false, error: { code: 'NOT_FOUND', message: `unknown channel ${String(channel)}` } };
  const parsed = clientApi[channel].args.safeParse(raw === undefined ? {} : raw);
  if (!parsed.success) return { ok: false, error: validationError(parsed.error) };
  const handler = handlers[channel] as ((args: unknown) => Promise<unknown>) | undefined;
  if (!handler) return { ok: false, error: { code: 'UNAVAILABLE', message: `${channel} is not available here` } };
  try {
    const value = await handler(parsed.data);
    return { ok: true, value: value === undefined ? null : value };
  } catch (e) {
    return { ok: false, error: toApiError(e) };
  }
}
