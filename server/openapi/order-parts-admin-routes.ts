// Descriptions of the routes of split orders, serials, waste pick-ups / ECOAS, admin, installers and audit for the
// OpenAPI document (api-routes.ts). Request schemas are the very ones the services parse with.
import { z } from 'zod';
import { serialsAdd, splitOrderBody, wasteAdd, wastePatch } from '../../domain/order-parts.js';
import { installerCreateBody, installerListQuery, installerPatchBody } from '../admin/installers.js';
import { REFERENCE_SPECS, versionBody, versionQuery } from '../admin/reference.js';
import { passwordResetBody, userCreateBody, userListQuery, userPatchBody } from '../admin/users.js';
import { auditQuery } from '../audit/audit.service.js';
import { ecoasQuery } from '../waste/ecoas.js';
import { codesQuery, summaryQuery } from '../waste/waste.service.js';
import type { RouteDoc } from './registry.js';

const id = z.object({ id: z.uuid() });
const ok = (description: string) => ({ 200: { description } });
const created = (description: string) => ({ 201: { description } });
const gone = { 204: { description: 'deleted' } };

const referenceDocs: RouteDoc[] = REFERENCE_SPECS.flatMap((spec): RouteDoc[] => {
  const base = `/api/admin/${spec.path}`;
  const key = z.object({ key: spec.key.schema });
  const docs: RouteDoc[] = [
    {
      method: 'get',
      path: base,
      action: 'admin.reference',
      tag: 'admin',
      summary: `List ${spec.path}`,
      responses: ok('{items}'),
    },
    {
      method: 'post',
      path: base,
      action: 'admin.reference',
      tag: 'admin',
      summary: `Create (${spec.path})`,
      body: spec.create,
      responses: created('the row'),
    },
    {
      method: 'patch',
      path: `${base}/:key`,
      action: 'admin.reference',
      tag: 'admin',
      summary: `Update (${spec.path})`,
      params: key,
      body: spec.patch,
      responses: ok('the row; 409 when the version is stale'),
    },
  ];
  if (spec.activatable) {
    for (const what of ['deactivate', 'activate'] as const) {
      docs.push({
        method: 'post',
        path: `${base}/:key/${what}`,
        action: 'admin.reference',
        tag: 'admin',
        summary: `${what} (${spec.path})`,
        params: key,
        body: versionBody,
        responses: ok('the row'),
      });
    }
  } else {
    docs.push({
      method: 'delete',
      path: `${base}/:key`,
      action: 'admin.reference',
      tag: 'admin',
      summary: `Delete (${spec.path})`,
      params: key,
      query: versionQuery,
      responses: gone,
    });
  }
  return docs;
});

export const orderPartsAndAdminRouteDocs: RouteDoc[] = [
  // split orders and 부분인수
  {
    method: 'post',
    path: '/api/orders/:id/split',
    action: 'orders.split',
    tag: 'orders',
    summary: 'Split lines (or parts of lines) off into a new child order',
    params: id,
    body: splitOrderBody,
    responses: created(
      '{parent, child, moved}; 422 NOT_SPLITTABLE / SPLIT_QUANTITY / SPLIT_ALL / SPLIT_SERIALS; 423 locked week',
    ),
  },
  // serials
  {
    method: 'get',
    path: '/api/orders/:id/serials',
    action: 'orders.read',
    tag: 'serials',
    summary: 'Serial numbers of an order',
    params: id,
    responses: ok('{orderId, items}'),
  },
  {
    method: 'post',
    path: '/api/orders/:id/serials',
    action: 'orders.serials',
    tag: 'serials',
    summary: 'Record serial numbers on a line',
    params: id,
    body: serialsAdd,
    responses: {
      201: { description: '{orderId, lineId, items}' },
      409: { description: 'a serial is recorded already: details {serial, orderNo}' },
    },
  },
  {
    method: 'delete',
    path: '/api/orders/:id/serials/:serialId',
    action: 'orders.serials',
    tag: 'serials',
    summary: 'Delete a serial number',
    params: z.object({ id: z.uuid(), serialId: z.uuid() }),
    query: versionQuery,
    responses: gone,
  },
  // waste pick-ups and reports
  {
    method: 'get',
    path: '/api/orders/:id/waste',
    action: 'orders.read',
    tag: 'waste',
    summary: 'Waste pick-ups of an order',
    params: id,
    responses: ok('{orderId, items}'),
  },
  {
    method: 'post',
    path: '/api/orders/:id/waste',
    action: 'orders.waste',
    tag: 'waste',
    summary: 'Add a waste pick-up (one per code per order)',
    params: id,
    body: wasteAdd,
    responses: created('the pick-up; 409 naming the code'),
  },
  {
    method: 'patch',
    path: '/api/orders/:id/waste/:wasteId',
    action: 'orders.waste',
    tag: 'waste',
    summary: 'Edit a waste pick-up',
    params: z.object({ id: z.uuid(), wasteId: z.uuid() }),
    body: wastePatch,
    responses: ok('the pick-up'),
  },
  {
    method: 'delete',
    path: '/api/orders/:id/waste/:wasteId',
    action: 'orders.waste',
    tag: 'waste',
    summary: 'Remove a waste pick-up',
    params: z.object({ id: z.uuid(), wasteId: z.uuid() }),
    query: versionQuery,
    responses: gone,
  },
  {
    method: 'get',
    path: '/api/waste/codes',
    action: 'orders.read',
    tag: 'waste',
    summary: 'ECOAS waste categories (cached 1 h)',
    query: codesQuery,
    responses: ok('{items}'),
  },
  {
    method: 'get',
    path: '/api/waste/summary',
    action: 'waste.report',
    tag: 'waste',
    summary: 'FR-07 totals by code, day or partner',
    query: summaryQuery,
    responses: ok('{groups, total, …}'),
  },
  {
    method: 'get',
    path: '/api/waste/ecoas',
    action: 'waste.report',
    tag: 'waste',
    summary: 'ECOAS monthly report (xlsx or csv with BOM), streamed',
    query: ecoasQuery,
    responses: {
      200: {
        description: 'the file',
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        schema: z.string().meta({ format: 'binary' }),
      },
    },
  },
  // admin: users
  {
    method: 'get',
    path: '/api/admin/users',
    action: 'admin.users',
    tag: 'admin',
    summary: 'List users (keyset pages)',
    query: userListQuery,
    responses: ok('{items, nextCursor}'),
  },
  {
    method: 'get',
    path: '/api/admin/users/:id',
    action: 'admin.users',
    tag: 'admin',
    summary: 'A user',
    params: id,
    responses: ok('the user'),
  },
  {
    method: 'post',
    path: '/api/admin/users',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Create a user',
    body: userCreateBody,
    responses: created('the user; 409 username taken'),
  },
  {
    method: 'patch',
    path: '/api/admin/users/:id',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Edit a user (role, branch, partner, locale…)',
    params: id,
    body: userPatchBody,
    responses: ok('the user'),
  },
  {
    method: 'post',
    path: '/api/admin/users/:id/password',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Reset a password (sessions end)',
    params: id,
    body: passwordResetBody,
    responses: ok('the user'),
  },
  {
    method: 'post',
    path: '/api/admin/users/:id/deactivate',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Deactivate a user (refresh tokens revoked)',
    params: id,
    body: versionBody,
    responses: ok('the user'),
  },
  {
    method: 'post',
    path: '/api/admin/users/:id/activate',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Activate a user',
    params: id,
    body: versionBody,
    responses: ok('the user'),
  },
  ...referenceDocs,
  // installers
  {
    method: 'get',
    path: '/api/installers',
    action: 'installers.read',
    tag: 'installers',
    summary: 'List installers',
    query: installerListQuery,
    responses: ok('{items}'),
  },
  {
    method: 'get',
    path: '/api/installers/:id',
    action: 'installers.read',
    tag: 'installers',
    summary: 'An installer',
    params: id,
    responses: ok('the installer'),
  },
  {
    method: 'post',
    path: '/api/installers',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Create an installer',
    body: installerCreateBody,
    responses: created('the installer'),
  },
  {
    method: 'patch',
    path: '/api/installers/:id',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Edit an installer',
    params: id,
    body: installerPatchBody,
    responses: ok('the installer'),
  },
  {
    method: 'post',
    path: '/api/installers/:id/deactivate',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Deactivate an installer',
    params: id,
    body: versionBody,
    responses: ok('the installer'),
  },
  {
    method: 'post',
    path: '/api/installers/:id/activate',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Activate an installer',
    params: id,
    body: versionBody,
    responses: ok('the installer'),
  },
  // audit
  {
    method: 'get',
    path: '/api/audit',
    action: 'audit.read',
    tag: 'audit',
    summary: 'Audit trail of a record or of an order with its parts and splits',
    query: auditQuery,
    responses: ok('{items, nextCursor}'),
  },
];
