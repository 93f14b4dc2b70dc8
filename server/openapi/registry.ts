// The API's route descriptions: every route module exports the list of its routes (method, path, the action of
// the role × action matrix it checks, the zod schemas of its input and output), and server/openapi/api-routes.ts
// gathers them into the OpenAPI document. test/api/openapi.test.ts walks the Express app and fails for any
// mounted route that is not described here, so a new route cannot be forgotten.
import { z } from 'zod';
import type { Action } from '../../domain/roles.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** default application/json when there is a schema */
  contentType?: string;
}

export interface RouteDoc {
  method: HttpMethod;
  /** the full Express path, e.g. /api/orders/:id */
  path: string;
  /** what the route checks in domain/roles.ts; 'public' for routes anyone may call */
  action: Action | 'public';
  tag: string;
  summary: string;
  description?: string;
  /** path parameters (an object schema, one key per :param) */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyContentType?: 'application/json' | 'multipart/form-data';
  responses: Record<number, RouteResponse>;
}

/** Typed list of a module's route descriptions. */
export function describeRoutes(...docs: RouteDoc[]): RouteDoc[] {
  return docs;
}

/** The body of every error answer (server/http/errors.ts toErrorBody). */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'VALIDATION' }),
      message: z.string().meta({ description: "in the caller's language (Accept-Language, else the user's own)" }),
      field: z.string().optional().meta({ description: 'the request field to fix, e.g. lines.0.quantity' }),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const idParams = z.object({ id: z.uuid() });

/** A response that is a file, not JSON. */
export function fileResponse(description: string, contentType = 'application/octet-stream'): RouteResponse {
  return { description, contentType, schema: z.string().meta({ format: 'binary' }) };
}
