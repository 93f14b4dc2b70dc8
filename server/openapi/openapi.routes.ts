// GET /api/openapi.json (the document) and /api/docs (Swagger UI, served from the swagger-ui-dist package: the
// head office often runs without internet access, so nothing comes from a CDN).
import express, { Router } from 'express';
// the path helper only: the package's main module would load the 1.5 MB browser bundle into the server
import swaggerUiPath from 'swagger-ui-dist/absolute-path.js';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { NotFoundError } from '../http/errors.js';
import { buildOpenApiDocument } from './document.js';
import { describeRoutes, type RouteDoc } from './registry.js';

const DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Branch dispatch API</title>
    <link rel="stylesheet" type="text/css" href="/api/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/api/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/api/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

// A file, not inline: the Content-Security-Policy (helmet) allows scripts from this origin only.
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

export function openApiRoutes(routes: () => readonly RouteDoc[], opts: { open: boolean }): Router {
  const r = Router();
  let document: unknown;
  // closed unless opened (ServerConfig.opsOpen): the same 404 as a route that does not exist
  if (!opts.open) {
    r.use(['/api/openapi.json', '/api/docs'], () => {
      throw new NotFoundError('route');
    });
    return r;
  }
  r.get('/api/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument(routes(), { version: pkg.version });
    res.json(document);
  });
  r.get('/api/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  r.use('/api/docs', (req, res, next) => {
    if (req.method === 'GET' && req.path === '/swagger-initializer.js') res.type('js').send(INITIALIZER);
    else next();
  });
  r.use('/api/docs', express.static(swaggerUiPath(), { index: false, maxAge: '1h' }));
  return r;
}

export const openApiRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/openapi.json',
    action: 'public',
    tag: 'operations',
    summary: 'This document (OpenAPI 3.0)',
    responses: {
      200: { description: 'the OpenAPI document', schema: z.record(z.string(), z.unknown()) },
      404: { description: 'closed: OPS_ENDPOINTS is not open' },
    },
  },
  {
    method: 'get',
    path: '/api/docs',
    action: 'public',
    tag: 'operations',
    summary: 'Browsable API documentation (Swagger UI)',
    responses: {
      200: { description: 'an HTML page', contentType: 'text/html', schema: z.string() },
      404: { description: 'closed: OPS_ENDPOINTS is not open' },
    },
  },
);
