// Descriptions of the routes of the head-office core (auth, orders, workflow, assignment, settlements…), kept
// here so that the modules' route files stay as their authors wrote them. Request schemas are the very ones the
// services parse with; response schemas describe what the services return.
import { z } from 'zod';
import { readShape } from '../../domain/order-fields.js';
import {
  appointmentChange,
  assign,
  orderCreate,
  orderPatch,
  statusChange,
  unassign,
} from '../../domain/order-schemas.js';
import { ROLES } from '../../domain/roles.js';
import { assignableQuery } from '../assignment/assignment.service.js';
import { loginBody, passwordChangeBody, refreshBody } from '../auth/auth.service.js';
import { customerHistoryQuery } from '../customers/customers.service.js';
import { progressQuery } from '../dashboard/dashboard.service.js';
import { deleteQuery, orderListQuery } from '../orders/orders.schemas.js';
import { settlementListQuery, settlementWeekBody, settlementWrite } from '../settlements/settlements.service.js';
import { describeRoutes, idParams } from './registry.js';

const sessionUser = z
  .object({
    id: z.uuid(),
    username: z.string(),
    fullName: z.string(),
    role: z.enum(ROLES),
    branchId: z.uuid().nullable(),
    partnerId: z.uuid().nullable(),
    locale: z.enum(['ko', 'en']),
  })
  .meta({ id: 'SessionUser' });

const tokenPair = z
  .object({
    tokenType: z.literal('Bearer'),
    accessToken: z.string(),
    expiresIn: z.number().int().meta({ description: 'seconds' }),
    refreshToken: z.string(),
    refreshExpiresAt: z.string(),
    user: sessionUser,
  })
  .meta({ id: 'TokenPair' });

const me = sessionUser
  .extend({
    email: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    installerId: z.uuid().nullable(),
    actions: z.array(z.string()),
  })
  .meta({ id: 'Me' });

export const authRouteDocs = describeRoutes(
  {
    method: 'post',
    path: '/api/auth/login',
    action: 'public',
    tag: 'auth',
    summary: 'Sign in: an access token (JWT) and a rotating refresh token',
    body: loginBody,
    responses: {
      200: { description: 'signed in', schema: tokenPair },
      401: { description: 'wrong username or password, or the account is disabled' },
      429: { description: 'too many attempts (Retry-After)' },
    },
  },
  {
    method: 'post',
    path: '/api/auth/refresh',
    action: 'public',
    tag: 'auth',
    summary: 'Trade a refresh token for a new pair (a reused token ends the whole session family)',
    body: refreshBody,
    responses: { 200: { description: 'a new pair', schema: tokenPair }, 401: { description: 'invalid or reused' } },
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    action: 'public',
    tag: 'auth',
    summary: "End the refresh token's session family",
    body: refreshBody,
    responses: { 204: { description: 'signed out' } },
  },
  {
    method: 'get',
    path: '/api/me',
    action: 'account.self',
    tag: 'auth',
    summary: 'The signed-in user, with the actions the role may do',
    responses: { 200: { description: 'me', schema: me } },
  },
  {
    method: 'post',
    path: '/api/auth/password',
    action: 'account.self',
    tag: 'auth',
    summary: 'Change my password (ends my other sessions)',
    body: passwordChangeBody,
    responses: { 200: { description: 'a fresh pair', schema: tokenPair }, 429: { description: 'too many attempts' } },
  },
);

// ── orders, workflow, assignment ───────────────────────────────────────────────────────────────────────────

// the fields of domain/order-fields.ts; the item summary only in list rows
const { items: _listOnly, ...orderShape } = readShape;
const order = z.object(orderShape).meta({ id: 'Order' });

const orderDetail = order
  .extend({
    lines: z.array(z.record(z.string(), z.unknown())),
    statusHistory: z.array(z.record(z.string(), z.unknown())),
    appointments: z.array(z.record(z.string(), z.unknown())),
    serials: z.array(z.record(z.string(), z.unknown())),
    wastePickups: z.array(z.record(z.string(), z.unknown())),
    attachments: z.array(z.record(z.string(), z.unknown())),
    split: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'OrderDetail' });

const conflict = { description: 'stale version; details.current is the order as it is now' };
const locked = { description: 'the order lies in a LOCKED settlement week' };
const notFound = { description: 'no such order in the caller’s scope' };
const rule = { description: 'against a rule of the workflow or assignment (error.code names it)' };

export const orderRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/orders',
    action: 'orders.read',
    tag: 'orders',
    summary: 'Orders in the caller’s scope: filters, sort, keyset pages',
    query: orderListQuery,
    responses: {
      200: {
        description: 'one page',
        schema: z.object({
          items: z.array(order.extend({ items: readShape.items })),
          nextCursor: z.string().nullable(),
        }),
      },
    },
  },
  {
    method: 'get',
    path: '/api/orders/:id',
    action: 'orders.read',
    tag: 'orders',
    summary: 'One order with lines, history, appointments, serials, pick-ups, attachments and split family',
    params: idParams,
    responses: { 200: { description: 'the order', schema: orderDetail }, 404: notFound },
  },
  {
    method: 'post',
    path: '/api/orders',
    action: 'orders.create',
    tag: 'orders',
    summary: 'Create an order with its lines',
    body: orderCreate,
    responses: {
      201: { description: 'created', schema: orderDetail },
      409: { description: 'the order number (or id) is taken' },
      423: locked,
    },
  },
  {
    method: 'patch',
    path: '/api/orders/:id',
    action: 'orders.update',
    tag: 'orders',
    summary: 'Edit an order’s fields (status, installer and appointment have their own endpoints)',
    params: idParams,
    body: orderPatch,
    responses: { 200: { description: 'the order', schema: orderDetail }, 404: notFound, 409: conflict, 423: locked },
  },
  {
    method: 'delete',
    path: '/api/orders/:id',
    action: 'orders.delete',
    tag: 'orders',
    summary: 'Soft-delete an order',
    params: idParams,
    query: deleteQuery,
    responses: { 204: { description: 'deleted' }, 404: notFound, 409: conflict, 423: locked },
  },
  {
    method: 'post',
    path: '/api/orders/:id/status',
    action: 'orders.status',
    tag: 'workflow',
    summary: 'Change the status along the workflow (reason codes for 취소, 연기, 부재)',
    params: idParams,
    body: statusChange,
    responses: {
      200: { description: 'the order', schema: order },
      404: notFound,
      409: conflict,
      422: rule,
      423: locked,
    },
  },
  {
    method: 'post',
    path: '/api/orders/:id/appointment',
    action: 'orders.appointment',
    tag: 'workflow',
    summary: 'Move the appointment (logged in appointments)',
    params: idParams,
    body: appointmentChange,
    responses: {
      200: { description: 'the order', schema: order },
      404: notFound,
      409: conflict,
      422: rule,
      423: locked,
    },
  },
  {
    method: 'post',
    path: '/api/orders/:id/assign',
    action: 'orders.assign',
    tag: 'assignment',
    summary: 'Assign an installer (skills, capacity, branch); status 배정',
    params: idParams,
    body: assign,
    responses: {
      200: { description: 'the order', schema: order },
      404: notFound,
      409: conflict,
      422: rule,
      423: locked,
    },
  },
  {
    method: 'post',
    path: '/api/orders/:id/unassign',
    action: 'orders.assign',
    tag: 'assignment',
    summary: 'Take the installer off; status 미배정',
    params: idParams,
    body: unassign,
    responses: {
      200: { description: 'the order', schema: order },
      404: notFound,
      409: conflict,
      422: rule,
      423: locked,
    },
  },
  {
    method: 'get',
    path: '/api/installers/assignable',
    action: 'installers.read',
    tag: 'assignment',
    summary: 'Installers with a free slot on a day (and the skills an order needs)',
    query: assignableQuery,
    responses: { 200: { description: 'the installers', schema: z.record(z.string(), z.unknown()) } },
  },
  {
    method: 'get',
    path: '/api/customers/history',
    action: 'customers.history',
    tag: 'orders',
    summary: 'FR-16: every order of one customer (by name or phone)',
    query: customerHistoryQuery,
    responses: {
      200: { description: 'the orders', schema: z.object({ items: z.array(z.record(z.string(), z.unknown())) }) },
    },
  },
  {
    method: 'get',
    path: '/api/dashboard/progress',
    action: 'dashboard.progress',
    tag: 'orders',
    summary: 'FR-08: orders per status per day',
    query: progressQuery,
    responses: { 200: { description: 'counts', schema: z.record(z.string(), z.unknown()) } },
  },
);

// ── settlement ─────────────────────────────────────────────────────────────────────────────────────────────

const settlementPeriod = z
  .object({
    id: z.uuid(),
    branchId: z.uuid(),
    periodStart: z.string(),
    periodEnd: z.string(),
    status: z.enum(['OPEN', 'LOCKED']),
    lockedBy: z.uuid().nullable(),
    lockedAt: z.string().nullable(),
    unlockedBy: z.uuid().nullable(),
    unlockedAt: z.string().nullable(),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'SettlementPeriod' });

export const settlementRouteDocs = describeRoutes(
  {
    method: 'get',
    path: '/api/settlements',
    action: 'settlements.read',
    tag: 'settlement',
    summary: 'A branch’s settlement weeks (those stored: a read creates none; the settlement-weeks job does)',
    query: settlementListQuery,
    responses: {
      200: {
        description: 'the weeks',
        schema: z.object({
          branchId: z.uuid(),
          timezone: z.string(),
          today: z.string(),
          currentWeekStart: z.string(),
          items: z.array(settlementPeriod),
        }),
      },
    },
  },
  {
    method: 'post',
    path: '/api/settlements/weeks',
    action: 'settlements.lock',
    tag: 'settlement',
    summary: 'Make a week (OPEN) where it is missing, to lock one outside the job’s window; answers the week',
    body: settlementWeekBody,
    responses: {
      200: { description: 'the week, made or already there', schema: settlementPeriod },
      404: { description: 'a branch outside the caller’s scope' },
    },
  },
  {
    method: 'post',
    path: '/api/settlements/:id/lock',
    action: 'settlements.lock',
    tag: 'settlement',
    summary: 'Lock a week: its orders freeze (423); the branch’s users are notified',
    params: idParams,
    body: settlementWrite,
    responses: {
      200: { description: 'the week', schema: settlementPeriod },
      404: { description: 'no such week in scope' },
      409: { description: 'stale version' },
      422: { description: 'already locked' },
    },
  },
  {
    method: 'post',
    path: '/api/settlements/:id/unlock',
    action: 'settlements.unlock',
    tag: 'settlement',
    summary: 'Unlock a week (HQ); the branch’s users are notified',
    params: idParams,
    body: settlementWrite,
    responses: {
      200: { description: 'the week', schema: settlementPeriod },
      404: { description: 'no such week' },
      409: { description: 'stale version' },
      422: { description: 'not locked' },
    },
  },
);

// ── sync ───────────────────────────────────────────────────────────────────────────────────────────────────
