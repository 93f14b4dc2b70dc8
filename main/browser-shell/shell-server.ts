// The browser shell's web server: the built renderer as static files (with the same CSP as the Electron window)
// and the contract transport, on 127.0.0.1 only. The address it prints carries the token in the URL fragment,
// which browsers never send to a server or put in a Referer.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { ClientApiHandlers } from '../../domain/client-api.js';
import { CONTENT_SECURITY_POLICY } from '../transport/csp.js';
import type { ClientEventSource } from '../transport/events.js';
import { createHttpTransport, type FileStoreLike } from './http-transport.js';

export interface BrowserShellOptions {
  handlers: Partial<ClientApiHandlers>;
  events: ClientEventSource;
  files?: FileStoreLike;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface BrowserShell {
  /** the address to open, token included */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startBrowserShell(opts: BrowserShellOptions): Promise<BrowserShell> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  let port = 0;
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    next();
  });
  app.use(
    createHttpTransport({
      token,
      handlers: opts.handlers,
      events: opts.events,
      files: opts.files,
      allowedHosts: () => [`127.0.0.1:${port}`, `localhost:${port}`],
    }),
  );
  const index = join(opts.rendererDir, 'index.html');
  app.use(
    express.static(opts.rendererDir, {
      index: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  app.get('/', (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('renderer not built: run `npm run build:renderer`');
      return;
    }
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(index);
  });

  const server = app.listen(opts.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
