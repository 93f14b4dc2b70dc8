// Descriptions of the routes of the head-office core (auth, orders, workflow, assignment, settlements…), kept
// here so that the modules' route files stay as their authors wrote them. Request schemas are the very ones the
// services parse with; response schemas describe what the services return.
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import { loginBody, passwordChangeBody, refreshBody } from '../auth/auth.service.js';
import { describeRoutes } from './registry.js';

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
