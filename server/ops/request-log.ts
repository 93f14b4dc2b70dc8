// Request ids and what the request log may show. A caller (a proxy, the client) may bring its own X-Request-Id so
// one id follows a request across systems; anything that does not look like an id is replaced by a fresh one.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** pino-http genReqId: the caller's X-Request-Id when it is a sane token, else a new UUID; echoed in the answer. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The URL as logged: an access token in the query (the SSE route accepts one) never reaches the log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[REDACTED]');
}
