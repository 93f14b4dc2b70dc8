// The contract over HTTP for the browser shell: POST /rpc/<channel> with the JSON argument, answered with the same
// Result that IPC returns; GET /events streams ClientEvents (server-sent events framing over a fetch stream);
// GET /files/<id> downloads a file main produced. Every one of these needs the shell's random token in a header:
// other local users and other web pages (which can reach 127.0.0.1 too) cannot call the services without it.
import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ClientApiHandlers } from '../../domain/client-api.js';
import { dispatch, isChannel } from '../transport/dispatch.js';
import type { ClientEventSource } from '../transport/events.js';

export const TOKEN_HEADER = 'x-dispatch-token';

export interface FileStoreLike {
  get(fileId: string): { path: string; fileName: string; mimeType: string } | null;
}

export interface HttpTransportOptions {
  token: string;
  handlers: Partial<ClientApiHandlers>;
  events: ClientEventSource;
  files?: FileStoreLike;
  /** Host header values we answer to ("127.0.0.1:PORT", "localhost:PORT"); refuses DNS-rebinding names. */
  allowedHosts: () => readonly string[];
}

function sameToken(given: unknown, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createHttpTransport(opts: HttpTransportOptions): express.Router {
  const router = express.Router();

  const guard = (req: Request, res: Response, next: NextFunction) => {
    const host = req.headers.host ?? '';
    if (!opts.allowedHosts().includes(host)) {
      res.status(421).json({ ok: false, error: { code: 'FORBIDDEN', message: 'unexpected Host' } });
      return;
    }
    // A page on another origin can send no custom header without a CORS preflight, which we never answer; the
    // Origin check is a second wall for clients that do not enforce CORS at all.
    const origin = req.headers.origin;
    if (origin && !opts.allowedHosts().some((h) => origin === `http://${h}`)) {
      res.status(403).json({ ok: false, error: { code: 'FORBIDDEN', message: 'cross-origin call refused' } });
      return;
    }
    if (!sameToken(req.headers[TOKEN_HEADER], opts.token)) {
      res.status(401).json({ ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong shell token' } });
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  router.post(
    '/rpc/:channel',
    guard,
    express.json({ limit: '60mb', type: 'application/json' }),
    async (req: Request, res: Response) => {
      const channel = req.params.channel;
      if (!isChannel(channel)) {
        res.status(404).json({ ok: false, error: { code: 'NOT_FOUND', message: `unknown channel ${channel}` } });
        return;
      }
      if (!req.is('application/json')) {
        res.status(415).json({ ok: false, error: { code: 'VALIDATION', message: 'JSON body required' } });
        return;
      }
      res.json(await dispatch(opts.handlers, channel, req.body));
    },
  );

  router.get('/events', guard, (req: Request, res: Response) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    const unsubscribe = opts.events.subscribe((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    // a comment line every 20 s keeps proxies and idle timers from closing a quiet stream
    const ping = setInterval(() => res.write(': ping\n\n'), 20_000);
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });

  router.get('/files/:id', guard, (req: Request, res: Response) => {
    const file = opts.files?.get(String(req.params.id));
    if (!file) {
      res.status(404).json({ ok: false, error: { code: 'NOT_FOUND', message: 'no such file' } });
      return;
    }
    res.setHeader('Content-Type', file.mimeType);
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
    createReadStream(file.path).pipe(res);
  });

  // Any JSON parse error or oversized body is bad input: answer it as a Result like everything else.
  router.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err.status && err.status < 500 ? err.status : 400).json({
      ok: false,
      error: { code: 'VALIDATION', message: err.type === 'entity.too.large' ? 'request too large' : 'malformed JSON' },
    });
  });
  return router;
}
