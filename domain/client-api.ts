// The contract between the branch client's UI (renderer/) and its local services (main/): one entry per channel,
// `area:action`, with the zod schema of its argument and the TypeScript type of its result. main/ registers IPC
// handlers from it, preload/ builds window.api from it, the browser shell serves it over HTTP, the renderer
// imports its types. Every handler validates its argument with the schema here; results travel as
// { ok: true, value } | { ok: false, error } rather than thrown across the boundary.
import { z } from 'zod';
import { screenChannels, type TaskProgress } from './client-api-screens.js';
import { splitLines } from './order-parts.js';
import type { OrderRow } from './order-row.js';
import {
  appointmentChange,
  assign,
  isoDate,
  orderCreate,
  orderPatch,
  statusChange,
  unassign,
  uuid,
  version,
} from './order-schemas.js';
import type { Role } from './roles.js';

export interface ApiError {
  code: string; // e.g. VALIDATION, CONFLICT, OFFLINE, FORBIDDEN, NOT_FOUND, LOCKED, UNAUTHORIZED
  message: string;
  field?: string;
  details?: unknown;
}
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface SessionUser {
  id: string;
  username: string;
  fullName: string;
  role: Role;
  branchId: string | null;
  partnerId: string | null;
  locale: 'ko' | 'en';
  /** display names for the top bar, when the services know them */
  branchName?: string | null;
  branchCode?: string | null;
}

export interface Session {
  user: SessionUser;
  serverUrl: string;
  /** true when this login was checked against the locally kept verifier because the head office was unreachable */
  offline: boolean;
}

export interface SyncState {
  /** signedOut: the head office refuses this session's tokens; nothing syncs until the user signs in again */
  status: 'online' | 'offline' | 'syncing' | 'signedOut';
  offlineSince: string | null;
  pending: number;
  conflicts: number;
  failed: number;
  lastSyncAt: string | null;
  lastError: string | null;
  /** a snapshot (the first sync, or a copy taken again) in progress: orders received of the orders it brings */
  firstSync: { done: number; total: number | null } | null;
  /** the last outage, once the link came back: what was sent then, what conflicted and what was refused */
  recovered: OutageReport | null;
  /**
   * When the state was taken, as a counter of the session's engine: an answer to sync:state and the event stream
   * travel apart, so the UI keeps the newest and drops an older one arriving late (a progress bar never goes back).
   */
  rev: number;
}

export interface OutageReport {
  since: string;
  until: string;
  sent: number;
  conflicts: number;
  failed: number;
}

export interface ConflictField {
  field: string;
  mine: unknown;
  theirs: unknown;
}
/** The order a conflict or failure is about, as the copy has it (the clerk knows orders by number and customer). */
export interface IssueOrder {
  id: string;
  orderNo: string | null;
  customerName: string | null;
}
export interface Conflict {
  id: string;
  opId: string;
  entity: string;
  entityId: string;
  kind: string;
  fields: ConflictField[];
  createdAt: string;
  order: IssueOrder | null;
}
export interface FailedOp {
  opId: string;
  entity: string;
  entityId: string;
  kind: string;
  /** what was tried: the op's payload (the status and reason of a status change, the fields of an edit, …) */
  payload: Record<string, unknown>;
  error: ApiError;
  createdAt: string;
  order: IssueOrder | null;
  /**
   * the change can be sent again (sync:resendFailed): as it was, on the order's current version; a new order or a
   * split after the clerk fixed it in its form
   */
  resendable: boolean;
}

/** An edit taken into the outbox: the order as the copy shows it now, and the op that carries the edit. */
export interface OrderEdit {
  row: OrderRow;
  /** the outbox op of this edit: the grid's Ctrl+Z withdraws it while the head office has not got it */
  opId: string;
}

/**
 * What sync:withdraw did: the ops are gone from the outbox (never sent) and the orders show the head office's
 * values again; or nothing, because of one op — `sending` (a push under way has it), `sent` (it went out and its
 * answer never came: the head office may have it), `later` (a later change on its order is queued on top of it),
 * `gone` (answered, in conflict or refused meanwhile).
 */
export type WithdrawAnswer =
  | { withdrawn: true; rows: OrderRow[] }
  | { withdrawn: false; why: 'sending' | 'sent' | 'later' | 'gone'; opId: string };

/**
 * A refused new order or split as the clerk fixed it in its form before sending it again: the whole new order, or
 * the lines to move on the order's version the form showed.
 */
export const resendFix = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('order.create'), order: orderCreate }).strict(),
  z.object({ kind: z.literal('order.split'), version, lines: splitLines }).strict(),
]);
export type ResendFix = z.infer<typeof resendFix>;

const loginArgs = z
  .object({
    serverUrl: z.url(),
    username: z.string().trim().min(1).max(64),
    password: z.string().min(1).max(200),
  })
  .strict();

const orderFilter = z
  .object({
    statuses: z.array(statusChange.shape.status).optional(),
    appointmentDate: isoDate.optional(),
    installerId: uuid.nullable().optional(),
    text: z.string().max(100).optional(),
  })
  .strict();

/** The channels. Each: argument schema → result type (phantom, via `result<T>()`). */
function result<T>() {
  return undefined as unknown as T;
}

export const clientApi = {
  'auth:login': { args: loginArgs, result: result<Session>() },
  'auth:logout': { args: z.object({}).strict(), result: result<null>() },
  'auth:session': { args: z.object({}).strict(), result: result<Session | null>() },

  'orders:list': { args: orderFilter, result: result<OrderRow[]>() },
  'orders:create': { args: orderCreate, result: result<OrderRow>() },
  'orders:update': { args: z.object({ id: uuid, patch: orderPatch }).strict(), result: result<OrderEdit>() },
  'orders:status': { args: z.object({ id: uuid, change: statusChange }).strict(), result: result<OrderRow>() },
  'orders:appointment': {
    args: z.object({ id: uuid, change: appointmentChange }).strict(),
    result: result<OrderEdit>(),
  },
  'orders:assign': { args: z.object({ id: uuid, assign }).strict(), result: result<OrderRow>() },
  'orders:unassign': { args: z.object({ id: uuid, unassign }).strict(), result: result<OrderRow>() },

  'sync:state': { args: z.object({}).strict(), result: result<SyncState>() },
  'sync:now': { args: z.object({}).strict(), result: result<SyncState>() },
  'sync:conflicts': { args: z.object({}).strict(), result: result<Conflict[]>() },
  'sync:resolve': {
    args: z.object({ conflictId: uuid, choices: z.record(z.string(), z.enum(['mine', 'theirs'])) }).strict(),
    result: result<null>(),
  },
  'sync:failed': { args: z.object({}).strict(), result: result<FailedOp[]>() },
  /** local changes taken back out of the outbox before the head office got them (all or none): the grid's Ctrl+Z */
  'sync:withdraw': {
    args: z.object({ opIds: z.array(uuid).min(1).max(1000) }).strict(),
    result: result<WithdrawAnswer>(),
  },
  'sync:discardFailed': { args: z.object({ opId: uuid }).strict(), result: result<null>() },
  /** a refused change sent again (after its cause was dealt with): checked locally as a new change, then queued */
  'sync:resendFailed': {
    args: z.object({ opId: uuid, fix: resendFix.optional() }).strict(),
    result: result<OrderRow>(),
  },

  ...screenChannels,
} as const;

export type ClientApi = typeof clientApi;
export type Channel = keyof ClientApi;
export type ArgsOf<C extends Channel> = z.input<ClientApi[C]['args']>;
export type ResultOf<C extends Channel> = ClientApi[C]['result'];

/** What main/ implements: one async function per channel, given validated arguments. */
export type ClientApiHandlers = { [C in Channel]: (args: z.output<ClientApi[C]['args']>) => Promise<ResultOf<C>> };

/** What the renderer calls: window.api['<area>:<action>'](args) → Result. */
export type WindowApi = { [C in Channel]: (args: ArgsOf<C>) => Promise<Result<ResultOf<C>>> };

/** window.api as both shells provide it: the channel methods plus a subscription to ClientEvents. */
export type WindowBridge = WindowApi & { onEvent(listener: (event: ClientEvent) => void): () => void };

/** Events pushed from main to the UI. */
export type ClientEvent =
  | { type: 'sync-state'; state: SyncState }
  | { type: 'orders-changed'; ids: string[] }
  /** a notification arrived from the head office (live stream) or the unread count changed */
  | { type: 'notifications-changed'; unread: number }
  /** long work in the services (an import, an export, a PDF) has moved on */
  | { type: 'progress'; progress: TaskProgress };

export * from './client-api-screens.js';
