// The sync protocol between the branch client (main/sync) and the head office (server/sync), documented in
// docs/sync-protocol.md. Pull: GET /api/sync/changes. Push: POST /api/sync/push. Monitor: GET /api/sync/queue.
// Both sides import these schemas, so a shape is written once.
import { z } from 'zod';
import { happyCallAdd } from './happy-calls.js';
import { serialsAdd, splitOrderBody, wasteAdd, wastePatch, wasteRemove } from './order-parts.js';
import { appointmentChange, assign, orderCreate, orderPatch, statusChange, unassign } from './order-schemas.js';

/**
 * Every table the client mirrors, in the order a pull run walks them (reference data first, so a fresh client
 * can show names as soon as orders arrive). `key` is the primary key column delivered as `id`.
 */
export const SYNC_ENTITIES = [
  'branches',
  'partners',
  'reason_codes',
  'waste_codes',
  'item_skill_rules',
  'installers',
  'settlement_periods',
  'orders',
  'order_lines',
  'order_status_history',
  'appointments',
  'split_orders',
  'waste_pickups',
  'serial_numbers',
  'attachments',
  'notifications',
  // last: a pull cursor made before it existed counts its sections from the front
  'happy_calls',
] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];
export const syncEntity = z.enum(SYNC_ENTITIES);

export const ENTITY_KEY: Record<SyncEntity, string> = Object.fromEntries(
  SYNC_ENTITIES.map((e) => [e, e === 'waste_codes' ? 'code' : 'id']),
) as Record<SyncEntity, string>;

/** Tables whose rows reference an order through (order_id, order_created_at): removed with their order. */
export const ORDER_CHILDREN: readonly SyncEntity[] = [
  'order_lines',
  'order_status_history',
  'appointments',
  'waste_pickups',
  'serial_numbers',
  'attachments',
  'happy_calls',
];

// ---------------------------------------------------------------------------------------------------------------
// Pull

/**
 * The client's window (docs/sync-protocol.md, "The window"): a branch client mirrors the orders that are open
 * (OPEN_STATUSES) or were written (updated_at) in the last N months, and their children. N is a setting of the
 * client, 1–SYNC_WINDOW_MAX_MONTHS, default SYNC_WINDOW_DEFAULT_MONTHS.
 */
export const SYNC_WINDOW_DEFAULT_MONTHS = 3;
export const SYNC_WINDOW_MAX_MONTHS = 60;
export const syncWindowMonths = z.coerce.number().int().min(1).max(SYNC_WINDOW_MAX_MONTHS);

/** A row as the database has it: snake_case columns, JSON types (timestamps ISO in UTC, dates YYYY-MM-DD). */
export type SyncRow = Record<string, unknown>;

export const change = z.discriminatedUnion('op', [
  z.object({
    entity: syncEntity,
    id: z.string().min(1),
    op: z.literal('upsert'),
    version: z.number().int().nullable(),
    row: z.record(z.string(), z.unknown()),
  }),
  z.object({ entity: syncEntity, id: z.string().min(1), op: z.literal('delete'), version: z.null().optional() }),
]);
export type Change = z.infer<typeof change>;

export const pullQuery = z
  .object({
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
    // the client's outbox, reported with the first page of a run when it changed (or a minute has passed): the
    // queue monitor shows per client how many ops wait and since when; all four come together
    clientId: z.string().trim().min(1).max(64).optional(),
    pending: z.coerce.number().int().min(0).optional(),
    conflicts: z.coerce.number().int().min(0).optional(),
    failed: z.coerce.number().int().min(0).optional(),
    pendingSince: z.iso.datetime().optional(),
    // the client's window: open orders and those written in the last `window` months (absent: everything)
    window: z.coerce.number().int().min(1).max(SYNC_WINDOW_MAX_MONTHS).optional(),
  })
  .strict()
  .refine((q) => q.clientId === undefined || q.pending !== undefined, {
    message: 'an outbox report needs pending',
    path: ['pending'],
  });

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint: is the client's copy what its scope should hold?

/** Rows of a table fall in CHECKPOINT_BUCKETS buckets by the md5 of their key (checkpointBucket). */
export const CHECKPOINT_BUCKETS = 16;

export const checkpointQuery = z.object({ cursor: z.string().max(2000) }).strict();
export const checkpointBucketQuery = z
  .object({
    cursor: z.string().max(2000),
    entity: syncEntity,
    bucket: z.coerce
      .number()
      .int()
      .min(0)
      .max(CHECKPOINT_BUCKETS - 1),
  })
  .strict();

/**
 * Per table, per non-empty bucket: how many rows the caller's scope holds and the sum of their row hashes
 * (checkpointRowHash of key and version, as a decimal string). The same sums over the client's copy show which
 * buckets differ.
 */
export const checkpointResponse = z.object({
  tables: z.record(z.string(), z.array(z.object({ b: z.number().int(), n: z.number().int(), h: z.string() }))),
});
export type CheckpointResponse = z.infer<typeof checkpointResponse>;

/** One bucket's rows as the head office has them; `old`: stamped below the cursor's horizon (the client should have it). */
export const checkpointBucketResponse = z.object({
  rows: z.array(
    z.object({
      id: z.string(),
      version: z.number().int().nullable(),
      old: z.boolean(),
      row: z.record(z.string(), z.unknown()),
    }),
  ),
});
export type CheckpointBucketResponse = z.infer<typeof checkpointBucketResponse>;

export const repairsReport = z
  .object({ repairs: z.partialRecord(syncEntity, z.number().int().min(0).max(1_000_000)) })
  .strict();

/** What a client reports of its outbox (pullQuery's report fields). */
export interface OutboxReport {
  clientId: string;
  pending: number;
  conflicts: number;
  failed: number;
  /** when the oldest op still waiting (in the outbox or in conflict) was made; absent when none waits */
  pendingSince?: string;
}

/** One client's outbox as it last reported it (the queue monitor). */
export interface ClientOutbox {
  clientId: string;
  userId: string;
  username: string | null;
  branchId: string | null;
  pending: number;
  conflicts: number;
  failed: number;
  oldestPendingAt: string | null;
  reportedAt: string;
}

export const pullResponse = z.object({
  changes: z.array(change),
  /** Opaque to the client: store it with the page, send it back with the next pull. */
  cursor: z.string(),
  /** More pages of this run follow; pull again at once. */
  hasMore: z.boolean(),
  /** The cursor was not valid for this user's scope: drop the mirror (keep local ops) and take this snapshot. */
  reset: z.boolean(),
  /** The first page of a snapshot: how many orders the snapshot's pages bring (a progress bar's total). */
  orderTotal: z.number().int().min(0).optional(),
  /**
   * The run's window (a pull with `window`): orders not open and written before this time are outside it. After
   * a complete run the client drops such orders and their children, unless they have local ops.
   */
  windowFrom: z.iso.datetime({ offset: true }).optional(),
});
export type PullResponse = z.infer<typeof pullResponse>;

/**
 * The server's cursor: a transaction-id window [lo, hi) being delivered (hi fixed for the whole run), the table
 * reached (`t` is an index into SYNC_ENTITIES, the tombstones and scope moves follow), and the last key delivered
 * in it. Between runs only `lo` matters. `s` fingerprints the scope the cursor was made for.
 */
export const serverCursor = z
  .object({
    v: z.literal(1),
    s: z.string(),
    lo: z.string().regex(/^[0-9]+$/),
    hi: z.string().regex(/^[0-9]+$/),
    t: z.number().int().min(0),
    x: z
      .string()
      .regex(/^[0-9]+$/)
      .nullable(),
    k: z.string().nullable(),
    // the window (absent or null: everything): `m` months, `w` the run's lower bound on updated_at for orders
    // that are not open, `e` the previous run's `w` (an order created before it may have been outside the
    // client's window: it brings its children), `p` the snapshot's orders phase (0: open and older than `w`, by
    // id; 1: written since `w`, by (updated_at, id) with `u` the last updated_at)
    m: z.number().int().min(1).nullable().optional(),
    w: z.iso.datetime({ offset: true }).nullable().optional(),
    e: z.iso.datetime({ offset: true }).nullable().optional(),
    p: z.union([z.literal(0), z.literal(1)]).optional(),
    u: z.iso.datetime().nullable().optional(),
  })
  .strict();
export type ServerCursor = z.infer<typeof serverCursor>;

// ---------------------------------------------------------------------------------------------------------------
// Push

/**
 * Operation kinds and the service each maps to. A payload is the REST body of that action without its `version`:
 * the op carries it as `expectedVersion` (null for a create). The entity is the row whose version is the op's
 * optimistic lock: the order for what adds to an order (serials, a pick-up, a split), the pick-up itself for
 * what changes one (it has its own version). Rows an op creates carry the client's ids in the payload.
 */
export const OP_KINDS = [
  'order.create',
  'order.update',
  'order.status',
  'order.appointment',
  'order.assign',
  'order.unassign',
  'order.split',
  'serial.record',
  'waste.add',
  'waste.update',
  'waste.remove',
  'happycall.record',
] as const;
export type OpKind = (typeof OP_KINDS)[number];
export const opKind = z.enum(OP_KINDS);

export const OP_KIND_INFO: Record<
  OpKind,
  { entity: SyncEntity; operationType: 'CREATE' | 'UPDATE' | 'DELETE'; service: string }
> = {
  'order.create': { entity: 'orders', operationType: 'CREATE', service: 'createOrder' },
  'order.update': { entity: 'orders', operationType: 'UPDATE', service: 'patchOrder' },
  'order.status': { entity: 'orders', operationType: 'UPDATE', service: 'changeStatus' },
  'order.appointment': { entity: 'orders', operationType: 'UPDATE', service: 'changeAppointment' },
  'order.assign': { entity: 'orders', operationType: 'UPDATE', service: 'assignOrder' },
  'order.unassign': { entity: 'orders', operationType: 'UPDATE', service: 'unassignOrder' },
  'order.split': { entity: 'orders', operationType: 'UPDATE', service: 'splitOrder' },
  'serial.record': { entity: 'orders', operationType: 'UPDATE', service: 'addSerials' },
  'waste.add': { entity: 'orders', operationType: 'UPDATE', service: 'addWaste' },
  'waste.update': { entity: 'waste_pickups', operationType: 'UPDATE', service: 'editWaste' },
  'waste.remove': { entity: 'waste_pickups', operationType: 'DELETE', service: 'removeWaste' },
  'happycall.record': { entity: 'orders', operationType: 'UPDATE', service: 'recordHappyCall' },
};

/**
 * The schema a payload (with its version put back) must satisfy: the very schema of the REST action, so an op
 * and a request are validated by the same rules.
 */
export const OP_INPUT_SCHEMA = {
  'order.create': orderCreate,
  'order.update': orderPatch,
  'order.status': statusChange,
  'order.appointment': appointmentChange,
  'order.assign': assign,
  'order.unassign': unassign,
  'order.split': splitOrderBody,
  'serial.record': serialsAdd,
  'waste.add': wasteAdd,
  'waste.update': wastePatch,
  'waste.remove': wasteRemove,
  'happycall.record': happyCallAdd,
} as const satisfies Record<OpKind, z.ZodType>;

/** Payload + expectedVersion → the input of the REST action (create carries its id in the payload). */
export function opInput(kind: OpKind, payload: Record<string, unknown>, expectedVersion: number | null): unknown {
  return kind === 'order.create' ? payload : { ...payload, version: expectedVersion };
}

/** The envelope is lenient about each op (`unknown`): a malformed op is answered FAILED, never a 400 for all. */
export const pushRequest = z
  .object({
    clientId: z.string().trim().min(1).max(64),
    ops: z.array(z.unknown()).max(500),
  })
  .strict();

export const pushOp = z
  .object({
    opId: z.uuid(),
    entity: syncEntity,
    entityId: z.uuid(),
    kind: opKind,
    payload: z.record(z.string(), z.unknown()),
    expectedVersion: z.number().int().positive().nullable(),
    /**
     * How many times the client sent this op before. Above 0 the head office looks for the op's first answer
     * before anything else; exactly-once does not depend on it (the answer's record is unique per op id).
     */
    attempt: z.number().int().min(0).optional(),
    /**
     * Rows besides its entity that the op made or changed in the client's copy (its prediction: a split's child
     * and lines, serials, a pick-up). A SYNCED answer carries each as the head office has it then (`rows`), so
     * the client replaces its prediction — and drops a predicted row the head office did not make.
     */
    predicted: z
      .array(z.object({ entity: syncEntity, id: z.string().min(1).max(100) }).strict())
      .max(500)
      .optional(),
  })
  .strict();
export type PushOp = z.infer<typeof pushOp>;

export const opError = z.object({
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  details: z.unknown().optional(),
});
export type OpError = z.infer<typeof opError>;

export const OP_STATUSES = ['SYNCED', 'CONFLICT', 'FAILED'] as const;
export type OpStatus = (typeof OP_STATUSES)[number];

export const opResult = z.object({
  /** null only when the op was too malformed to carry an id */
  opId: z.string().nullable(),
  status: z.enum(OP_STATUSES),
  /** SYNCED: the entity's version after the op */
  version: z.number().int().optional(),
  /** SYNCED: the row after the op; CONFLICT: the row as the head office has it; FAILED: the row, if visible */
  current: z.record(z.string(), z.unknown()).nullable().optional(),
  error: opError.optional(),
  /** true when this is the stored answer of an op already applied (a retry) */
  replayed: z.boolean().optional(),
  /** SYNCED: the op's `predicted` rows as the head office has them after it (row null: it has no such row) */
  rows: z
    .array(z.object({ entity: syncEntity, id: z.string(), row: z.record(z.string(), z.unknown()).nullable() }))
    .optional(),
});
export type OpResult = z.infer<typeof opResult>;

/**
 * Results come in the order of the ops. The list may stop short when the head office hit a transient error
 * (database unreachable): the ops without a result were not applied and are sent again later.
 */
export const pushResponse = z.object({ results: z.array(opResult) });
export type PushResponse = z.infer<typeof pushResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Monitor (HQ and branch managers)

export const queueQuery = z
  .object({
    status: z.enum(['PENDING', 'SYNCED', 'CONFLICT', 'FAILED', 'STUCK']).optional(),
    userId: z.uuid().optional(),
    olderThanMinutes: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type QueueQuery = z.infer<typeof queueQuery>;

export interface QueueItem {
  opId: string;
  clientId: string | null;
  userId: string;
  username: string | null;
  branchId: string | null;
  kind: string;
  entity: string;
  entityId: string | null;
  status: 'PENDING' | 'SYNCED' | 'CONFLICT' | 'FAILED';
  retryCount: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  ageSeconds: number;
}
export interface QueueSummary {
  userId: string;
  username: string | null;
  status: string;
  count: number;
  oldestAt: string;
}
export interface QueueResponse {
  items: QueueItem[];
  summary: QueueSummary[];
  /** per client, what waits in its outbox (as it last reported with a pull) */
  clients: ClientOutbox[];
}
