// The OpenAPI 3 document, generated from the route descriptions and their zod schemas.
import { OpenAPIRegistry, OpenApiGeneratorV3, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { ACTIONS } from '../../domain/roles.js';
import { errorBody, type RouteDoc } from './registry.js';

const STANDARD_ERRORS: Record<number, string> = {
  400: 'invalid input; error.field names the field',
  401: 'no valid access token',
  403: "the caller's role may not do this (error.details.action)",
};

/** Express ":id" → OpenAPI "{id}". */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function responseOf(status: number, r: RouteDoc['responses'][number]): ResponseConfig {
  const schema = r.schema ?? (status >= 400 ? errorBody : undefined);
  if (!schema) return { description: r.description };
  return { description: r.description, content: { [r.contentType ?? 'application/json']: { schema } } };
}

/** `get /api/orders/{id}/history` → `getOrdersByIdHistory`: stable, unique per method and path. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\//, '/')
    .split(/[/.-]/)
    .filter(Boolean)
    .map((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      const word = param ? `by-${param[1]}` : seg;
      return word
        .split(/[-_]/)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join('');
    });
  return method.toLowerCase() + words.join('');
}

/**
 * zod's unknown() comes out as `{nullable: true}` without a type, which OpenAPI 3.0 does not allow
 * (nullable-type-sibling): a schema without a type already takes any value, so the flag goes.
 */
function dropTypelessNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) dropTypelessNullable(n);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.nullable === true && o.type === undefined && !o.$ref && !o.allOf && !o.oneOf && !o.anyOf) delete o.nullable;
  for (const v of Object.values(o)) dropTypelessNullable(v);
}

export function buildOpenApiDocument(routes: readonly RouteDoc[], info: { version: string }) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  for (const route of routes) {
    const responses: Record<string, ResponseConfig> = {};
    const hasInput = route.params || route.query || route.body;
    if (hasInput) responses[400] = responseOf(400, { description: STANDARD_ERRORS[400]! });
    if (route.action !== 'public') {
      responses[401] = responseOf(401, { description: STANDARD_ERRORS[401]! });
      responses[403] = responseOf(403, { description: STANDARD_ERRORS[403]! });
    }
    for (const [status, r] of Object.entries(route.responses)) responses[status] = responseOf(Number(status), r);
    const roles = route.action === 'public' ? 'anyone' : ACTIONS[route.action].join(', ');
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      tags: [route.tag],
      summary: route.summary,
      description: [route.description, `Action: \`${route.action}\` (${roles}).`].filter(Boolean).join('\n\n'),
      operationId: operationIdOf(route.method, openApiPath(route.path)),
      security: route.action === 'public' ? [] : [{ [bearer.name]: [] }],
      'x-action': route.action,
      request: {
        params: route.params,
        query: route.query,
        body: route.body
          ? { required: true, content: { [route.bodyContentType ?? 'application/json']: { schema: route.body } } }
          : undefined,
      },
      responses,
    });
  }
  const document = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    // relative: the document describes the head office that serves it
    servers: [{ url: '/', description: 'this head office' }],
    info: {
      title: 'Branch dispatch head office API',
      version: info.version,
      description:
        'Errors: `{ error: { code, message, field?, details? } }`, the message in the language of Accept-Language ' +
        "(else the user's own). Every write of a row carries the row's `version`; a stale one gets 409 with the " +
        "current row. Rows outside the caller's scope (row-level security) answer 404, like rows that do not exist.",
    },
  });
  dropTypelessNullable(document);
  return document;
}
