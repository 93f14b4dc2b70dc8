// Descriptions of the routes of the order parts and administration (split, serials, waste and ECOAS, admin, audit), kept here
// like core-routes.ts. Request schemas are the ones the services parse with; the answers are described loosely
// where docs/api.md documents their fields.
import { z } from 'zod';
import { happyCallAdd, happyCallListQuery } from '../../domain/happy-calls.js';
import { serialsAdd, splitOrderBody, wasteAdd, wastePatch } from '../../domain/order-parts.js';
import { installerCreateBody, installerListQuery, installerPatchBody } from '../admin/installers.service.js';
import { REFERENCE_SPECS, versionBody, versionQuery } from '../admin/reference.service.js';
import { passwordResetBody, userCreateBody, userListQuery, userPatchBody } from '../admin/users.service.js';
import { auditQuery } from '../audit/audit.service.js';
import { serialDeleteQuery } from '../serials/serials.service.js';
import { ecoasQuery } from '../waste/ecoas.js';
import { codesQuery, summaryQuery, versionQuery as wasteVersionQuery } from '../waste/waste.service.js';
import { describeRoutes, fileResponse, idParams, type RouteDoc } from './registry.js';

const anyObject = z.record(z.string(), z.unknown());
const list = z.object({ items: z.array(anyObject) }).catchall(z.unknown());
const conflict = { description: 'stale version; details.current is the row as it is now' };
const locked = { description: 'the order lies in a LOCKED settlement week' };
const notFound = { description: 'not found in the caller’s scope' };
const orderParams = idParams;

export const splitRouteDocs = describeRoutes({
  method: 'post',
  path: '/api/orders/:id/split',
  action: 'orders.split',
  tag: 'orders',
  summary: 'Split lines (or part of a line’s quantity) off into a child order',
  params: orderParams,
  body: splitOrderBody,
  responses: {
    201: { description: '{parent, child, moved}', schema: anyObject },
    404: notFound,
    409: conflict,
    422: { description: 'LINE_NOT_IN_ORDER, SPLIT_QUANTITY, SPLIT_ALL, SPLIT_SERIALS or NOT_SPLITTABLE' },
    423: locked,
  },
});

export const serialRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/orders/:id/serials',
    action: 'orders.read',
    tag: 'serials',
    summary: 'The order’s serial numbers',
    params: orderParams,
    responses: { 200: { description: '{orderId, items}', schema: list }, 404: notFound },
  },
  {
    method: 'post',
    path: '/api/orders/:id/serials',
    action: 'orders.serials',
    tag: 'serials',
    summary: 'Record serial numbers of a line (at most its quantity)',
    params: orderParams,
    body: serialsAdd,
    responses: {
      201: { description: '{orderId, lineId, items}', schema: list },
      404: notFound,
      409: { description: 'a serial is already recorded (details name the order holding it)' },
      422: { description: 'SERIAL_COUNT: more serials than units' },
      423: locked,
    },
  },
  {
    method: 'delete',
    path: '/api/orders/:id/serials/:serialId',
    action: 'orders.serials',
    tag: 'serials',
    summary: 'Remove a serial number',
    params: z.object({ id: z.uuid(), serialId: z.uuid() }),
    query: serialDeleteQuery,
    responses: { 204: { description: 'removed' }, 404: notFound, 409: conflict, 423: locked },
  },
);

const wasteParams = z.object({ id: z.uuid(), wasteId: z.uuid() });

export const wasteRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/orders/:id/waste',
    action: 'orders.read',
    tag: 'waste',
    summary: 'The order’s waste pick-ups (폐가전)',
    params: orderParams,
    responses: { 200: { description: '{orderId, items}', schema: list }, 404: notFound },
  },
  {
    method: 'post',
    path: '/api/orders/:id/waste',
    action: 'orders.waste',
    tag: 'waste',
    summary: 'Add a pick-up (one per code per order)',
    params: orderParams,
    body: wasteAdd,
    responses: {
      201: { description: 'the pick-up', schema: anyObject },
      404: notFound,
      409: { description: 'this code is already on the order' },
      422: { description: 'WASTE_CODE, WASTE_COLLECTOR or ORDER_CLOSED' },
      423: locked,
    },
  },
  {
    method: 'patch',
    path: '/api/orders/:id/waste/:wasteId',
    action: 'orders.waste',
    tag: 'waste',
    summary: 'Edit a pick-up',
    params: wasteParams,
    body: wastePatch,
    responses: { 200: { description: 'the pick-up', schema: anyObject }, 404: notFound, 409: conflict, 423: locked },
  },
  {
    method: 'delete',
    path: '/api/orders/:id/waste/:wasteId',
    action: 'orders.waste',
    tag: 'waste',
    summary: 'Remove a pick-up',
    params: wasteParams,
    query: wasteVersionQuery,
    responses: { 204: { description: 'removed' }, 404: notFound, 409: conflict, 423: locked },
  },
  {
    method: 'get',
    path: '/api/waste/summary',
    action: 'waste.report',
    tag: 'waste',
    summary: 'FR-07: waste totals by code, day or partner',
    query: summaryQuery,
    responses: { 200: { description: '{groups, total, …}', schema: anyObject } },
  },
  {
    method: 'get',
    path: '/api/waste/ecoas',
    action: 'waste.report',
    tag: 'waste',
    summary: 'The monthly ECOAS report (xlsx or csv)',
    query: ecoasQuery,
    responses: { 200: fileResponse('the report file') },
  },
  {
    method: 'get',
    path: '/api/waste/codes',
    action: 'orders.read',
    tag: 'waste',
    summary: 'Waste codes (ECOAS categories)',
    query: codesQuery,
    responses: { 200: { description: '{items}', schema: list } },
  },
);

const userParams = idParams;

export const adminUserRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/admin/users',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Users (keyset on username)',
    query: userListQuery,
    responses: { 200: { description: '{items, nextCursor}', schema: list } },
  },
  {
    method: 'get',
    path: '/api/admin/users/:id',
    action: 'admin.users',
    tag: 'admin',
    summary: 'One user',
    params: userParams,
    responses: { 200: { description: 'the user', schema: anyObject }, 404: notFound },
  },
  {
    method: 'post',
    path: '/api/admin/users',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Create a user with role, branch, partner and locale',
    body: userCreateBody,
    responses: {
      201: { description: 'the user', schema: anyObject },
      409: { description: 'the username is taken' },
      422: { description: 'inactive branch or partner' },
    },
  },
  {
    method: 'patch',
    path: '/api/admin/users/:id',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Edit a user (a role change ends their sessions)',
    params: userParams,
    body: userPatchBody,
    responses: { 200: { description: 'the user', schema: anyObject }, 404: notFound, 409: conflict },
  },
  {
    method: 'post',
    path: '/api/admin/users/:id/password',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Reset a user’s password (their sessions end)',
    params: userParams,
    body: passwordResetBody,
    responses: { 200: { description: 'the user', schema: anyObject }, 404: notFound, 409: conflict },
  },
  {
    method: 'post',
    path: '/api/admin/users/:id/deactivate',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Deactivate a user (refresh tokens revoked)',
    params: userParams,
    body: versionBody,
    responses: { 200: { description: 'the user', schema: anyObject }, 404: notFound, 409: conflict },
  },
  {
    method: 'post',
    path: '/api/admin/users/:id/activate',
    action: 'admin.users',
    tag: 'admin',
    summary: 'Activate a user',
    params: userParams,
    body: versionBody,
    responses: { 200: { description: 'the user', schema: anyObject }, 404: notFound, 409: conflict },
  },
);

/** One block per reference table, from the same specs that mount the routes. */
export const adminReferenceRouteDocs: RouteDoc[] = REFERENCE_SPECS.flatMap((spec) => {
  const base = `/api/admin/${spec.path}`;
  const keyParams = z.object({ key: spec.key.schema });
  const listQuery = z
    .object({
      active: z.enum(['true', 'false']).optional(),
      ...Object.fromEntries(Object.entries(spec.filters ?? {}).map(([f, d]) => [f, d.schema.optional()])),
    })
    .strict();
  const docs: RouteDoc[] = [
    {
      method: 'get',
      path: base,
      action: 'admin.reference',
      tag: 'admin',
      summary: `List ${spec.path}`,
      query: listQuery,
      responses: { 200: { description: '{items}', schema: list } },
    },
    {
      method: 'post',
      path: base,
      action: 'admin.reference',
      tag: 'admin',
      summary: `Create one of ${spec.path}`,
      body: spec.create,
      responses: { 201: { description: 'created', schema: anyObject }, 409: { description: 'duplicate key' } },
    },
    {
      method: 'patch',
      path: `${base}/:key`,
      action: 'admin.reference',
      tag: 'admin',
      summary: `Edit one of ${spec.path}`,
      params: keyParams,
      body: spec.patch,
      responses: { 200: { description: 'the row', schema: anyObject }, 404: notFound, 409: conflict },
    },
  ];
  if (spec.activatable) {
    for (const verb of ['deactivate', 'activate'] as const) {
      docs.push({
        method: 'post',
        path: `${base}/:key/${verb}`,
        action: 'admin.reference',
        tag: 'admin',
        summary: `${verb === 'activate' ? 'Activate' : 'Deactivate'} one of ${spec.path}`,
        params: keyParams,
        body: versionBody,
        responses: { 200: { description: 'the row', schema: anyObject }, 404: notFound, 409: conflict },
      });
    }
  } else {
    docs.push({
      method: 'delete',
      path: `${base}/:key`,
      action: 'admin.reference',
      tag: 'admin',
      summary: `Delete one of ${spec.path}`,
      params: keyParams,
      query: versionQuery,
      responses: { 204: { description: 'deleted' }, 404: notFound, 409: conflict },
    });
  }
  return docs;
});

export const installerRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/installers',
    action: 'installers.read',
    tag: 'installers',
    summary: 'Installers in the caller’s scope',
    query: installerListQuery,
    responses: { 200: { description: '{items}', schema: list } },
  },
  {
    method: 'get',
    path: '/api/installers/:id',
    action: 'installers.read',
    tag: 'installers',
    summary: 'One installer',
    params: idParams,
    responses: { 200: { description: 'the installer', schema: anyObject }, 404: notFound },
  },
  {
    method: 'post',
    path: '/api/installers',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Create an installer (a branch manager: in its branch)',
    body: installerCreateBody,
    responses: { 201: { description: 'the installer', schema: anyObject }, 404: notFound },
  },
  {
    method: 'patch',
    path: '/api/installers/:id',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Edit an installer (skills, capacity, partner, login)',
    params: idParams,
    body: installerPatchBody,
    responses: { 200: { description: 'the installer', schema: anyObject }, 404: notFound, 409: conflict },
  },
  {
    method: 'post',
    path: '/api/installers/:id/deactivate',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Deactivate an installer',
    params: idParams,
    body: versionBody,
    responses: { 200: { description: 'the installer', schema: anyObject }, 404: notFound, 409: conflict },
  },
  {
    method: 'post',
    path: '/api/installers/:id/activate',
    action: 'installers.manage',
    tag: 'installers',
    summary: 'Activate an installer',
    params: idParams,
    body: versionBody,
    responses: { 200: { description: 'the installer', schema: anyObject }, 404: notFound, 409: conflict },
  },
);

export const auditRouteDocs = describeRoutes({
  method: 'get',
  path: '/api/audit',
  action: 'audit.read',
  tag: 'audit',
  summary: 'Audit trail of a record, or of an order and its parts, newest first, with diffs and actors',
  query: auditQuery,
  responses: { 200: { description: '{items, nextCursor}', schema: list }, 404: notFound },
});

export const happyCallRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/happy-calls',
    action: 'orders.read',
    tag: 'happy-calls',
    summary: '해피콜 list: the day’s assigned orders with their last call',
    description:
      'Orders whose appointment falls on `date` with an installer and in 배정, 배정확정 or 출고확정, in the assignment ' +
      'board’s order (installer, then time window); each with `lastCall` (null when not called yet). A branch ' +
      'manager gets its own branch.',
    query: happyCallListQuery,
    responses: { 200: { description: '{date, items}', schema: list }, 404: notFound },
  },
  {
    method: 'get',
    path: '/api/orders/:id/happy-calls',
    action: 'orders.read',
    tag: 'happy-calls',
    summary: 'The order’s 해피콜 outcomes, oldest first',
    params: orderParams,
    responses: { 200: { description: '{orderId, items}', schema: list }, 404: notFound },
  },
  {
    method: 'post',
    path: '/api/orders/:id/happy-calls',
    action: 'orders.happycall',
    tag: 'happy-calls',
    summary: 'Record a 해피콜 outcome (an append: never a version conflict)',
    description:
      'CONFIRMED (optionally with the `timeWindow` agreed), NO_ANSWER (optionally `retryAt`), POSTPONE_REQUESTED, ' +
      'CANCEL_REQUESTED, WRONG_NUMBER. The caller is recorded as `calledBy`; `attempt` is the call’s number among ' +
      'the order’s calls. Nothing of the order changes: a new window, a postponement or a cancellation is the ' +
      'appointment or status action.',
    params: orderParams,
    body: happyCallAdd,
    responses: {
      201: { description: 'the call', schema: anyObject },
      404: notFound,
      409: { description: 'a call with this id exists already' },
      422: { description: 'ORDER_CLOSED: the order was cancelled' },
      423: locked,
    },
  },
);
