// The branch client's local database: the mirror of what the head office lets this user see, the outbox of local
// writes, and what the push answered (conflicts, failed ops). Synchronous (better-sqlite3): the services run it in
// a worker thread (main/services/), tests may call it directly. Every method that changes more than one table
// does so in one SQLite transaction, so a crash leaves either all of it or none of it.

import type { Statement } from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { Conflict, ConflictField, FailedOp, IssueOrder } from '../../domain/client-api.js';
import type { LineState, SerialRule } from '../../domain/order-part-rules.js';
import { OPEN_STATUSES, ORDER_STATUSES, type ReasonType } from '../../domain/order-status.js';
import {
  OP_KIND_INFO,
  type OpError,
  type OpKind,
  type OpResult,
  ORDER_CHILDREN,
  type OutboxReport,
  type PullResponse,
  type PushOp,
  SYNC_ENTITIES,
  SYNC_WINDOW_DEFAULT_MONTHS,
  SYNC_WINDOW_MAX_MONTHS,
  type SyncEntity,
  type SyncRow,
  syncWindowMonths,
} from '../../domain/sync-protocol.js';
import { type Db, openDatabase } from './database.js';
import { Mirror } from './mirror.js';
import { parseTimeWindow } from './mirror-order-row.js';
import { applyOrderOp, createdLines, OP_FIELDS } from './order-ops.js';
import { type OrderFilter, OrdersView } from './orders-view.js';
import { applyEffect, type RowChange, type RowEffect } from './part-ops.js';

/** The statuses outside OPEN_STATUSES, as db/client/009_sync_window.sql's index lists them. */
const CLOSED_SQL = ORDER_STATUSES.filter((st) => !OPEN_STATUSES.includes(st))
  .map((st) => `'${st}'`)
  .join(', ');

/** The orders a local op holds: its own entity, a row it changes (op_rows), or a child row it is about. */
const HELD_ROWS = `SELECT entity, entity_id FROM row_base UNION SELECT entity, entity_id FROM outbox
  UNION SELECT entity, entity_id FROM conflicts UNION SELECT entity, entity_id FROM failed_ops
  UNION SELECT entity, entity_id FROM op_rows`;
const HELD_ORDERS_SQL = [
  `SELECT entity_id FROM (${HELD_ROWS}) WHERE entity = 'orders'`,
  `SELECT parent_order_id FROM split_orders WHERE id IN (SELECT entity_id FROM (${HELD_ROWS}) WHERE entity = 'split_orders')`,
  ...ORDER_CHILDREN.map(
    (c) => `SELECT order_id FROM ${c} WHERE id IN (SELECT entity_id FROM (${HELD_ROWS}) WHERE entity = '${c}')`,
  ),
].join(' UNION ');

export interface OutboxOp {
  seq: number;
  opId: string;
  entity: SyncEntity;
  entityId: string;
  kind: OpKind;
  payload: Record<string, unknown>;
  createdAt: string;
  attempts: number;
  lastError: string | null;
}

/** An op ready to send: its expectedVersion filled in from the entity's base. */
export type SendableOp = PushOp & { seq: number };

/** The mirror row changed since the caller read it (the UI showed an older version). */
export class StaleWriteError extends Error {
  constructor(
    readonly entity: string,
    readonly entityId: string,
    readonly currentVersion: number | null,
  ) {
    super(`${entity} ${entityId} changed (now version ${currentVersion}); reload and try again`);
  }
}

export class NotFoundLocallyError extends Error {
  constructor(
    readonly entity: string,
    readonly entityId: string,
  ) {
    super(`${entity} ${entityId} is not in the local copy`);
  }
}

/**
 * Why ops could not be withdrawn: `sent` — a push has taken it (it is under way, or went out and its answer never
 * came: the head office may have it); `later` — a later op on one of its rows is queued (or in conflict) and was
 * made on top of it; `gone` — it is no longer in the outbox (answered, in conflict, or refused).
 */
export type WithdrawRefusal = 'sent' | 'later' | 'gone';
export type WithdrawResult = { ok: true; orderIds: string[] } | { ok: false; why: WithdrawRefusal; opId: string };

export interface ApplyPageHooks {
  /** Called inside the page's transaction after the rows are written and before the cursor is (fault tests). */
  beforeCursorSaved?: () => void;
}

export interface StoreChange {
  /** Orders whose local view changed (the UI reloads them). */
  orderIds: string[];
}

interface RowBase {
  base_version: number | null;
  server_row: string | null;
  server_version: number | null;
}

interface OutboxRecord {
  seq: number;
  op_id: string;
  entity: string;
  entity_id: string;
  kind: string;
  payload: string;
  created_at: string;
  attempts: number;
  last_error: string | null;
}

interface ConflictRecord {
  id: string;
  seq: number;
  op_id: string;
  entity: string;
  entity_id: string;
  kind: string;
  payload: string;
  mine: string | null;
  theirs: string | null;
  server_version: number | null;
  created_at: string;
}

const nowIso = () => new Date().toISOString();

/**
 * The op_rows effect that only marks an order as having a pending change of one of its rows (orderMark in
 * part-ops.ts): it makes nothing another op could depend on.
 */
const MARKER = JSON.stringify({ patch: {} });

const WASTE_COLUMNS: Record<string, string> = { collectedBy: 'collected_by', collectedAt: 'collected_at' };

function orderIdOf(entity: SyncEntity, row: SyncRow | null | undefined, id: string): string | null {
  if (entity === 'orders') return id;
  if (!row) return null;
  const oid = row.order_id ?? row.parent_order_id;
  return typeof oid === 'string' ? oid : null;
}

/**
 * Failed ops that can be sent again (main/services/client-services.ts sync:resendFailed): the order's own changes
 * on its current version, a serial or pick-up entered again, and a new order or a split as the clerk fixed it in
 * its form (or as it was).
 */
const RESENDABLE: ReadonlySet<string> = new Set([
  'order.create',
  'order.split',
  'serial.record',
  'waste.add',
  'order.update',
  'order.status',
  'order.appointment',
  'order.assign',
  'order.unassign',
]);

export class ClientStore {
  readonly db: Db;
  readonly mirror: Mirror;
  readonly orders: OrdersView;

  private readonly statements = new Map<string, Statement>();

  /**
   * The statement for this SQL, prepared once per store: better-sqlite3 compiles on every prepare(), and answering
   * a push runs the same few statements per op (applyResults). The texts are fixed or name a mirrored table, so
   * the map stays small; none of them is iterated (a statement being iterated cannot run again meanwhile).
   */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  constructor(readonly file: string) {
    this.db = openDatabase(file);
    this.mirror = new Mirror(this.db);
    this.orders = new OrdersView(this.db);
  }

  close(): void {
    this.db.close();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Named values

  getState(key: string): string | null {
    const r = this.stmt('SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setState(key: string, value: string | null): void {
    if (value === null) this.stmt('DELETE FROM sync_state WHERE key = ?').run(key);
    else
      this.stmt(
        'INSERT INTO sync_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ).run(key, value);
  }

  /** This installation's id, sent with every push (HQ monitoring tells clients apart by it). */
  clientId(): string {
    let id = this.getState('client_id');
    if (!id) {
      id = uuidv7();
      this.setState('client_id', id);
    }
    return id;
  }

  cursor(): string | null {
    return this.getState('cursor');
  }

  /** The window's months (a setting of this installation; docs/sync-protocol.md, "The window"). */
  windowMonths(): number {
    const v = Number(this.getState('window_months'));
    return Number.isInteger(v) && v >= 1 && v <= SYNC_WINDOW_MAX_MONTHS ? v : SYNC_WINDOW_DEFAULT_MONTHS;
  }

  /** Sets the window's months; the next pull asks for it (more months: a fresh snapshot; fewer: orders leave). */
  setWindowMonths(months: number): void {
    this.setState('window_months', String(syncWindowMonths.parse(months)));
  }

  /** The bound of the window the copy holds (the last pull's), or null: the copy holds the whole scope. */
  windowFrom(): string | null {
    return this.getState('window_from');
  }

  // ---------------------------------------------------------------------------------------------------------
  // Pull

  private rowBase(entity: string, id: string): RowBase | undefined {
    return this.stmt(
      'SELECT base_version, server_row, server_version FROM row_base WHERE entity = ? AND entity_id = ?',
    ).get(entity, id) as RowBase | undefined;
  }

  /** Keep the newest head-office row of an entity that has local ops, without touching what the user sees. */
  private rememberServerRow(entity: string, id: string, row: SyncRow | null, version: number | null): void {
    const base = this.rowBase(entity, id);
    if (!base) return;
    if (row === null) {
      this.stmt('UPDATE row_base SET server_row = NULL, server_version = NULL WHERE entity = ? AND entity_id = ?').run(
        entity,
        id,
      );
      return;
    }
    if (base.server_version !== null && version !== null && version < base.server_version) return;
    this.stmt('UPDATE row_base SET server_row = ?, server_version = ? WHERE entity = ? AND entity_id = ?').run(
      JSON.stringify(row),
      version,
      entity,
      id,
    );
  }

  private removeWithChildren(entity: SyncEntity, id: string): void {
    this.mirror.remove(entity, id);
    if (entity !== 'orders') return;
    for (const child of ORDER_CHILDREN) this.stmt(`DELETE FROM ${child} WHERE order_id = ?`).run(id);
    this.stmt('DELETE FROM split_orders WHERE parent_order_id = ?').run(id);
  }

  /**
   * One page of a pull, applied with its cursor in one transaction: after a crash either both are there or
   * neither, and the page is pulled again. Rows with local ops are not overwritten; the head office's row is
   * kept aside and becomes the base when their ops are answered.
   */
  applyPage(page: PullResponse, hooks: ApplyPageHooks = {}): StoreChange {
    const orderIds = new Set<string>();
    this.db.transaction(() => {
      const pending = new Set(
        (this.stmt('SELECT entity, entity_id FROM row_base').all() as { entity: string; entity_id: string }[]).map(
          (r) => `${r.entity}\u0000${r.entity_id}`,
        ),
      );
      if (page.reset) this.clearMirror(pending);
      for (const c of page.changes) {
        const isPending = pending.has(`${c.entity}\u0000${c.id}`);
        if (c.op === 'upsert') {
          if (isPending) this.rememberServerRow(c.entity, c.id, c.row, c.version);
          else this.mirror.upsertIfNewer(c.entity, c.row);
          const oid = orderIdOf(c.entity, c.row, c.id);
          if (oid) orderIds.add(oid);
        } else {
          if (isPending) this.rememberServerRow(c.entity, c.id, null, null);
          else {
            const oid = c.entity === 'orders' ? c.id : orderIdOf(c.entity, this.mirror.read(c.entity, c.id), c.id);
            if (oid) orderIds.add(oid);
            this.removeWithChildren(c.entity, c.id);
          }
        }
      }
      this.setState('window_from', page.windowFrom ?? null);
      // a complete run: the orders that left the window go (a run's pages may still bring one back into it)
      if (!page.hasMore && page.windowFrom) for (const id of this.dropOutsideWindow(page.windowFrom)) orderIds.add(id);
      hooks.beforeCursorSaved?.();
      this.setState('cursor', page.cursor);
      if (!page.hasMore) this.setState('last_pull_at', nowIso());
    })();
    return { orderIds: [...orderIds] };
  }

  /**
   * The orders outside the window `from` that no local op holds: not open, last written before `from`. Closed
   * orders with ops (pending, in conflict, refused: the clerk still sees and decides them) stay until their ops
   * are gone; the op's answer re-writes the order at the head office, which brings it into the window anyway.
   */
  private outsideWindow(from: string, held: boolean): string[] {
    // a held order is judged by the head office's row (row_base), not by the copy's, which shows the local ops
    // (an edit made here stamps its own updated_at)
    const rows = held
      ? this.stmt(
          `SELECT o.id FROM orders o LEFT JOIN row_base b ON b.entity = 'orders' AND b.entity_id = o.id
            WHERE o.id IN (${HELD_ORDERS_SQL})
              AND coalesce(json_extract(b.server_row, '$.status'), o.status) IN (${CLOSED_SQL})
              AND coalesce(json_extract(b.server_row, '$.updated_at'), o.updated_at) < ?`,
        ).all(from)
      : this.stmt(
          `SELECT id FROM orders WHERE status IN (${CLOSED_SQL}) AND updated_at < ? AND id NOT IN (${HELD_ORDERS_SQL})`,
        ).all(from);
    return (rows as { id: string }[]).map((r) => r.id);
  }

  /** Drops the orders that left the window (and their children); returns them. */
  dropOutsideWindow(from: string): string[] {
    const gone = this.outsideWindow(from, false);
    for (const id of gone) this.removeWithChildren('orders', id);
    return gone;
  }

  private clearMirror(pending: Set<string>): void {
    for (const entity of SYNC_ENTITIES) {
      const key = this.mirror.tables[entity].key;
      const keep = [...pending].filter((k) => k.startsWith(`${entity}\u0000`)).map((k) => k.split('\u0000')[1]);
      if (keep.length === 0) this.stmt(`DELETE FROM ${entity}`).run();
      else
        this.db
          .prepare(`DELETE FROM ${entity} WHERE ${key} NOT IN (SELECT value FROM json_each(?))`)
          .run(JSON.stringify(keep));
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Local writes

  /** Keeps the head office's row aside for a row a local op is about to change (first op on it only). */
  private holdRow(entity: SyncEntity, id: string, current: SyncRow | null, baseVersion: number | null): void {
    if (this.rowBase(entity, id)) return;
    const v = (current?.version as number | undefined) ?? null;
    this.stmt(
      'INSERT INTO row_base(entity, entity_id, base_version, server_row, server_version) VALUES (?, ?, ?, ?, ?)',
    ).run(entity, id, baseVersion, current ? JSON.stringify(current) : null, v);
  }

  /**
   * A local change: the op's entity row (an order, or a pick-up), the other rows it changes (`effects`: serials,
   * a pick-up, a split's child order and lines; see part-ops.ts) and the outbox op, in one transaction.
   * `seenVersion` is the version the UI showed; a different local version means the user edited a stale row.
   * `check` and `effects` run inside the transaction on the current row; a throw changes nothing.
   */
  localOrderOp(args: {
    kind: OpKind;
    orderId: string;
    payload: Record<string, unknown>;
    seenVersion?: number;
    check?: (current: SyncRow | null) => void;
    effects?: (current: SyncRow, now: string) => RowChange[];
  }): { opId: string; row: SyncRow | null } {
    const { kind, orderId, payload } = args;
    const entity = OP_KIND_INFO[kind].entity;
    const now = nowIso();
    const opId = uuidv7();
    let result: SyncRow | null = null;
    this.db.transaction(() => {
      const current = this.mirror.read(entity, orderId);
      if (kind === 'order.create') {
        if (current) throw new StaleWriteError(entity, orderId, (current.version as number) ?? null);
      } else {
        if (!current || current.deleted_at) throw new NotFoundLocallyError(entity, orderId);
        if (args.seenVersion !== undefined && current.version !== args.seenVersion)
          throw new StaleWriteError(entity, orderId, (current.version as number) ?? null);
      }
      args.check?.(current);
      const changes = current && args.effects ? args.effects(current, now) : [];
      // First local op on this entity: what the head office has now is what the op is based on.
      this.holdRow(entity, orderId, current, kind === 'order.create' ? null : ((current?.version as number) ?? null));
      result = applyOrderOp(kind, payload, current, now);
      if (!result && kind !== 'waste.remove') throw new NotFoundLocallyError(entity, orderId);
      if (result) this.mirror.write(entity, result);
      else this.mirror.remove(entity, orderId);
      if (kind === 'order.create')
        for (const line of createdLines(payload, now)) this.mirror.write('order_lines', line);
      const { lastInsertRowid: seq } = this.stmt(
        'INSERT INTO outbox(op_id, entity, entity_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(opId, entity, orderId, kind, JSON.stringify(payload), now);
      for (const c of changes) {
        const before = this.mirror.read(c.entity, c.id);
        // a row this op creates will be version 1 at the head office: what a later op on it expects
        this.holdRow(c.entity, c.id, before, before ? ((before.version as number | undefined) ?? null) : 1);
        this.stmt('INSERT INTO op_rows(seq, entity, entity_id, effect) VALUES (?, ?, ?, ?)').run(
          seq,
          c.entity,
          c.id,
          JSON.stringify(c.effect),
        );
        const after = applyEffect(c.effect, before);
        if (after) this.mirror.write(c.entity, after);
        else this.mirror.remove(c.entity, c.id);
      }
    })();
    return { opId, row: result };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Push

  private outboxOp(r: OutboxRecord): OutboxOp {
    return {
      seq: r.seq,
      opId: r.op_id,
      entity: r.entity as SyncEntity,
      entityId: r.entity_id,
      kind: r.kind as OpKind,
      payload: JSON.parse(r.payload),
      createdAt: r.created_at,
      attempts: r.attempts,
      lastError: r.last_error,
    };
  }

  pendingOps(): OutboxOp[] {
    return (this.stmt('SELECT * FROM outbox ORDER BY seq').all() as OutboxRecord[]).map((r) => this.outboxOp(r));
  }

  /**
   * The next ops to send, in outbox order. Ops of an entity in conflict wait for its resolution. A batch holds
   * one op per entity: the next op of the same entity expects the version the previous one produces, known only
   * from its answer. Causal order: an op on a row that an earlier op made or changed (its `op_rows`: a pick-up
   * added, a split's child) waits while that op is unresolved (in conflict, or itself waiting), and does not ride
   * in the same batch as it: sent ahead of it, or with it when it turns out a CONFLICT, it would be refused as
   * NOT_FOUND, and the clerk's edit lost once the conflict is resolved.
   */
  nextBatch(max: number): SendableOp[] {
    const key = (entity: string, id: string) => `${entity}\u0000${id}`;
    // rows that wait: the conflicted ops' entities and every row they made or changed
    const waiting = new Set<string>();
    for (const r of this.stmt(
      `SELECT entity, entity_id FROM conflicts
       UNION SELECT r.entity, r.entity_id FROM op_rows r JOIN conflicts c ON c.seq = r.seq WHERE r.effect <> ?`,
    ).all(MARKER) as { entity: string; entity_id: string }[])
      waiting.add(key(r.entity, r.entity_id));
    const rowsOf = this.stmt('SELECT entity, entity_id FROM op_rows WHERE seq = ? AND effect <> ?');
    const seen = new Set<string>();
    // rows made or changed by the ops of this batch: an op on one of them waits for the answer
    const madeInBatch = new Set<string>();
    const batch: SendableOp[] = [];
    const rows = this.stmt(`SELECT o.*, b.base_version FROM outbox o
           LEFT JOIN row_base b ON b.entity = o.entity AND b.entity_id = o.entity_id
          ORDER BY o.seq`).iterate() as IterableIterator<OutboxRecord & { base_version: number | null }>;
    for (const r of rows) {
      const k = key(r.entity, r.entity_id);
      const made = () =>
        (rowsOf.all(r.seq, MARKER) as { entity: string; entity_id: string }[]).map((m) => key(m.entity, m.entity_id));
      if (waiting.has(k)) {
        // what a waiting op makes waits with it
        for (const m of made()) waiting.add(m);
        continue;
      }
      if (seen.has(k) || madeInBatch.has(k)) break;
      seen.add(k);
      const predicted = rowsOf.all(r.seq, MARKER) as { entity: SyncEntity; entity_id: string }[];
      for (const m of predicted) madeInBatch.add(key(m.entity, m.entity_id));
      batch.push({
        seq: r.seq,
        opId: r.op_id,
        entity: r.entity as SyncEntity,
        entityId: r.entity_id,
        kind: r.kind as OpKind,
        payload: JSON.parse(r.payload),
        expectedVersion: r.kind === 'order.create' ? null : r.base_version,
        attempt: r.attempts,
        ...(predicted.length ? { predicted: predicted.map((m) => ({ entity: m.entity, id: m.entity_id })) } : {}),
      });
      if (batch.length >= max) break;
    }
    return batch;
  }

  /**
   * The ops queued after `seq` on rows that the op at `seq` made or changed (`made`), and transitively theirs:
   * that op is gone (refused, or dropped by the clerk), so they are not sent — each moves to the failed list with
   * `code`, naming the op it depended on, and its own row changes are undone. Returns the rows to rebase.
   */
  private failDependents(
    seq: number,
    opId: string,
    made: RowChange[],
    code: 'DEPENDS_ON_FAILED' | 'DEPENDS_ON_DROPPED',
  ): { entity: SyncEntity; id: string }[] {
    const out: { entity: SyncEntity; id: string }[] = [];
    const now = nowIso();
    const message =
      code === 'DEPENDS_ON_FAILED'
        ? `not sent: op ${opId}, which it was made on, was refused`
        : `not sent: op ${opId}, which it was made on, was dropped`;
    const queue = made.filter((m) => JSON.stringify(m.effect) !== MARKER).map((m) => ({ entity: m.entity, id: m.id }));
    const done = new Set<number>();
    while (queue.length > 0) {
      const row = queue.shift()!;
      const dependents = this.stmt(
        'SELECT * FROM outbox WHERE entity = ? AND entity_id = ? AND seq > ? ORDER BY seq',
      ).all(row.entity, row.id, seq) as OutboxRecord[];
      for (const d of dependents) {
        if (done.has(d.seq)) continue;
        done.add(d.seq);
        const theirs = this.opRows(d.seq);
        this.stmt('DELETE FROM outbox WHERE seq = ?').run(d.seq);
        this.stmt('DELETE FROM op_rows WHERE seq = ?').run(d.seq);
        this.stmt(
          `INSERT INTO failed_ops(op_id, seq, entity, entity_id, kind, payload, error, created_at, failed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(op_id) DO NOTHING`,
        ).run(
          d.op_id,
          d.seq,
          d.entity,
          d.entity_id,
          d.kind,
          d.payload,
          JSON.stringify({ code, message, details: { opId } } satisfies OpError),
          d.created_at,
          now,
        );
        out.push({ entity: d.entity as SyncEntity, id: d.entity_id });
        for (const t of theirs) {
          out.push({ entity: t.entity, id: t.id });
          if (JSON.stringify(t.effect) !== MARKER) queue.push({ entity: t.entity, id: t.id });
        }
      }
    }
    return out;
  }

  /**
   * Counted before each send, so an op sent again after a crash tells the head office it may have answered it
   * already (PushOp.attempt). An op counted so may be at the head office: it is no longer withdrawn.
   */
  markSent(ops: { opId: string }[]): void {
    const stmt = this.stmt('UPDATE outbox SET attempts = attempts + 1 WHERE op_id = ?');
    this.db.transaction(() => {
      for (const op of ops) stmt.run(op.opId);
    })();
  }

  /**
   * The next batch, counted as sent in the same (immediate) transaction that picks it: a withdrawal
   * (withdrawOps) either takes an op out before this or finds it counted, never between the two.
   */
  takeBatch(max: number): SendableOp[] {
    return this.db
      .transaction(() => {
        const batch = this.nextBatch(max);
        this.markSent(batch);
        return batch;
      })
      .immediate();
  }

  /** A send that certainly never left this PC (the connection was refused): not counted after all. */
  markNotSent(ops: { opId: string }[]): void {
    const stmt = this.stmt('UPDATE outbox SET attempts = max(attempts - 1, 0) WHERE op_id = ?');
    this.db.transaction(() => {
      for (const op of ops) stmt.run(op.opId);
    })();
  }

  /**
   * Takes ops the head office has not got back out of the outbox, as if they had never been made (the grid's
   * Ctrl+Z): each op and its row changes go, and every row it touched is rebuilt from the head office's row plus
   * the ops still queued on it. All or nothing, in one immediate transaction, refused when any of them
   * - is gone from the outbox (answered, in conflict or refused),
   * - was taken by a push (`attempts` > 0, set in the transaction that took it — takeBatch — or `inFlight`, the
   *   engine's own list): under way, or out with its answer lost, the head office may have it,
   * - has a later op on one of the rows it made or changed that is not withdrawn with it: that op was made on its
   *   values (a split's child edited, a pick-up it added changed), and only the last ops on a row are taken back.
   */
  withdrawOps(opIds: readonly string[], inFlight: ReadonlySet<string> = new Set()): WithdrawResult {
    return this.db
      .transaction((): WithdrawResult => {
        const ops: OutboxRecord[] = [];
        for (const opId of opIds) {
          const r = this.stmt('SELECT * FROM outbox WHERE op_id = ?').get(opId) as OutboxRecord | undefined;
          if (!r) return { ok: false, why: 'gone', opId };
          if (r.attempts > 0 || inFlight.has(opId)) return { ok: false, why: 'sent', opId };
          ops.push(r);
        }
        const withdrawn = new Set(ops.map((o) => o.seq));
        const later = this.stmt(
          `SELECT seq FROM outbox WHERE entity = ? AND entity_id = ? AND seq > ?
           UNION SELECT seq FROM conflicts WHERE entity = ? AND entity_id = ? AND seq > ?
           UNION SELECT seq FROM op_rows WHERE entity = ? AND entity_id = ? AND seq > ? AND effect <> ?
             AND (seq IN (SELECT seq FROM outbox) OR seq IN (SELECT seq FROM conflicts))`,
        );
        const rows: { entity: SyncEntity; id: string }[] = [];
        for (const op of ops) {
          const touched = this.opRows(op.seq);
          const own = { entity: op.entity as SyncEntity, id: op.entity_id };
          // a row the op only marked as having a pending change holds nothing a later op could build on
          const made = [own, ...touched.filter((t) => JSON.stringify(t.effect) !== MARKER)];
          for (const row of made) {
            const after = later.all(
              row.entity,
              row.id,
              op.seq,
              row.entity,
              row.id,
              op.seq,
              row.entity,
              row.id,
              op.seq,
              MARKER,
            ) as {
              seq: number;
            }[];
            if (after.some((a) => !withdrawn.has(a.seq))) return { ok: false, why: 'later', opId: op.op_id };
          }
          rows.push(own, ...touched.map((t) => ({ entity: t.entity, id: t.id })));
        }
        for (const op of ops) {
          this.stmt('DELETE FROM outbox WHERE seq = ?').run(op.seq);
          this.stmt('DELETE FROM op_rows WHERE seq = ?').run(op.seq);
        }
        return { ok: true, orderIds: this.rebaseAll(rows) };
      })
      .immediate();
  }

  /** A send that got no answer (network, timeout, 5xx): the ops stay queued with the reason. */
  markAttempt(ops: { opId: string }[], error: string): void {
    const stmt = this.stmt('UPDATE outbox SET last_error = ? WHERE op_id = ?');
    this.db.transaction(() => {
      for (const op of ops) stmt.run(error, op.opId);
    })();
  }

  /**
   * The head office's answers for a batch (possibly fewer than the ops: the rest were not applied and stay).
   * SYNCED → op removed, its version becomes the entity's base. CONFLICT → kept with both versions for the user.
   * FAILED → kept with its reason. Each touched entity is rebased: the head office's row with the ops still
   * pending replayed on top.
   */
  applyResults(batch: SendableOp[], results: OpResult[]): StoreChange {
    const orderIds = new Set<string>();
    const now = nowIso();
    const sent = new Map(batch.map((o) => [o.opId, o]));
    this.db.transaction(() => {
      for (const res of results) {
        const op = res.opId === null ? undefined : sent.get(res.opId);
        if (!op) continue;
        const exists = this.stmt('SELECT 1 FROM outbox WHERE op_id = ?').get(op.opId);
        if (!exists) continue; // answered already (a duplicate answer after a retry)
        const current = res.current ?? null;
        const currentVersion = current && typeof current.version === 'number' ? current.version : null;
        const touched = this.opRows(op.seq);
        const dependents: { entity: SyncEntity; id: string }[] = [];
        this.stmt('DELETE FROM outbox WHERE op_id = ?').run(op.opId);
        if (res.status === 'SYNCED') {
          if (current) this.rememberServerRow(op.entity, op.entityId, current, currentVersion);
          // a removed row has no answer row: the op's own prediction becomes the base
          else this.foldIntoBase(op.entity, op.entityId, (row) => applyOrderOp(op.kind, op.payload, row, now));
          // the other rows it changed: as the head office answered them (a predicted row it did not make goes);
          // without that answer the prediction stands for them until the pull brings the real rows
          const answered = new Map((res.rows ?? []).map((r) => [`${r.entity}\u0000${r.id}`, r.row]));
          for (const t of touched) {
            const k = `${t.entity}\u0000${t.id}`;
            if (answered.has(k)) this.setBaseRow(t.entity, t.id, answered.get(k) ?? null);
            else this.foldIntoBase(t.entity, t.id, (row) => applyEffect(t.effect, row));
          }
          this.stmt('DELETE FROM op_rows WHERE seq = ?').run(op.seq);
          if (res.version !== undefined)
            this.stmt('UPDATE row_base SET base_version = ? WHERE entity = ? AND entity_id = ?').run(
              res.version,
              op.entity,
              op.entityId,
            );
        } else if (res.status === 'CONFLICT') {
          const mine = this.mirror.read(op.entity, op.entityId);
          if (current) this.rememberServerRow(op.entity, op.entityId, current, currentVersion);
          this.stmt(`INSERT INTO conflicts(id, seq, op_id, entity, entity_id, kind, payload, mine, theirs, server_version, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
            uuidv7(),
            op.seq,
            op.opId,
            op.entity,
            op.entityId,
            op.kind,
            JSON.stringify(op.payload),
            mine ? JSON.stringify(mine) : null,
            current ? JSON.stringify(current) : null,
            currentVersion,
            now,
          );
        } else {
          if (current) this.rememberServerRow(op.entity, op.entityId, current, currentVersion);
          this.stmt('DELETE FROM op_rows WHERE seq = ?').run(op.seq);
          dependents.push(...this.failDependents(op.seq, op.opId, touched, 'DEPENDS_ON_FAILED'));
          const error: OpError = res.error ?? { code: 'FAILED', message: 'refused by the head office' };
          this.stmt(`INSERT INTO failed_ops(op_id, seq, entity, entity_id, kind, payload, error, created_at, failed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(op_id) DO NOTHING`).run(
            op.opId,
            op.seq,
            op.entity,
            op.entityId,
            op.kind,
            JSON.stringify(op.payload),
            JSON.stringify(error),
            now,
            now,
          );
        }
        for (const oid of this.rebaseAll([{ entity: op.entity, id: op.entityId }, ...touched, ...dependents]))
          orderIds.add(oid);
      }
    })();
    return { orderIds: [...orderIds] };
  }

  private opRows(seq: number): RowChange[] {
    return (
      this.stmt('SELECT entity, entity_id, effect FROM op_rows WHERE seq = ?').all(seq) as {
        entity: SyncEntity;
        entity_id: string;
        effect: string;
      }[]
    ).map((r) => ({ entity: r.entity, id: r.entity_id, effect: JSON.parse(r.effect) as RowEffect }));
  }

  /**
   * The head office's row (or that it has none) as a push answered it: the base of a row with local ops, unless a
   * pull has brought a newer version meanwhile.
   */
  private setBaseRow(entity: SyncEntity, id: string, row: SyncRow | null): void {
    const base = this.rowBase(entity, id);
    if (!base) return;
    const version = row && typeof row.version === 'number' ? row.version : null;
    if (row && base.server_version !== null && version !== null && version < base.server_version) return;
    this.stmt('UPDATE row_base SET server_row = ?, server_version = ? WHERE entity = ? AND entity_id = ?').run(
      row ? JSON.stringify(row) : null,
      version,
      entity,
      id,
    );
  }

  /** An answered op's effect on a row becomes part of what the head office is known to have. */
  private foldIntoBase(entity: SyncEntity, id: string, fn: (row: SyncRow | null) => SyncRow | null): void {
    const base = this.rowBase(entity, id);
    if (!base) return;
    const row = fn(base.server_row ? JSON.parse(base.server_row) : null);
    this.stmt('UPDATE row_base SET server_row = ?, server_version = ? WHERE entity = ? AND entity_id = ?').run(
      row ? JSON.stringify(row) : null,
      (row?.version as number | undefined) ?? null,
      entity,
      id,
    );
  }

  /**
   * Rebases each row, rows of other tables before orders (a split undone moves its lines back before the child
   * order goes, with whatever is still its own); returns the orders whose view changed.
   */
  private rebaseAll(rows: { entity: SyncEntity; id: string }[]): string[] {
    const orderIds = new Set<string>();
    const sorted = [...rows].sort((a, b) => Number(a.entity === 'orders') - Number(b.entity === 'orders'));
    for (const r of sorted) {
      const before = r.entity === 'orders' ? null : this.mirror.read(r.entity, r.id);
      this.rebase(r.entity, r.id);
      const after = r.entity === 'orders' ? null : this.mirror.read(r.entity, r.id);
      for (const row of [before, after]) {
        const oid = orderIdOf(r.entity, row, r.id);
        if (oid) orderIds.add(oid);
      }
    }
    return [...orderIds];
  }

  /** The mirror row := the head office's row with this entity's remaining ops (conflicted ones too) replayed. */
  private rebase(entity: SyncEntity, id: string): void {
    const base = this.rowBase(entity, id);
    if (!base) return;
    // the entity's own ops, and the ops that change it besides their own entity (op_rows), in queue order
    const ops = this.stmt(`SELECT seq, kind, payload, NULL AS effect FROM outbox WHERE entity = ? AND entity_id = ?
         UNION ALL SELECT seq, kind, payload, NULL FROM conflicts WHERE entity = ? AND entity_id = ?
         UNION ALL SELECT r.seq, NULL, NULL, r.effect FROM op_rows r WHERE r.entity = ? AND r.entity_id = ?
            AND (EXISTS (SELECT 1 FROM outbox o WHERE o.seq = r.seq) OR EXISTS (SELECT 1 FROM conflicts c WHERE c.seq = r.seq))
         ORDER BY seq`).all(entity, id, entity, id, entity, id) as {
      seq: number;
      kind: OpKind | null;
      payload: string | null;
      effect: string | null;
    }[];
    let row: SyncRow | null = base.server_row ? JSON.parse(base.server_row) : null;
    const now = nowIso();
    for (const op of ops)
      row = op.effect
        ? applyEffect(JSON.parse(op.effect) as RowEffect, row)
        : applyOrderOp(op.kind!, JSON.parse(op.payload!), row, now);
    if (ops.length === 0) this.stmt('DELETE FROM row_base WHERE entity = ? AND entity_id = ?').run(entity, id);
    if (row) this.mirror.write(entity, row);
    else this.removeWithChildren(entity, id);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Conflicts and failed ops

  private conflictFields(c: ConflictRecord): ConflictField[] {
    const payload = JSON.parse(c.payload) as Record<string, unknown>;
    const theirs = (c.theirs ? JSON.parse(c.theirs) : {}) as SyncRow;
    const kind = c.kind as OpKind;
    const theirsValue = (column: string): unknown =>
      column === 'appointment_time_window' ? parseTimeWindow(theirs[column]) : (theirs[column] ?? null);
    if (kind === 'order.unassign') return [{ field: 'installerId', mine: null, theirs: theirs.installer_id ?? null }];
    if (kind === 'order.status') {
      const fields: ConflictField[] = [{ field: 'status', mine: payload.status, theirs: theirs.status ?? null }];
      if (payload.appointmentDate !== undefined)
        fields.push({
          field: 'appointmentDate',
          mine: payload.appointmentDate,
          theirs: theirs.appointment_date ?? null,
        });
      return fields;
    }
    if (kind === 'order.appointment') {
      const fields: ConflictField[] = [{ field: 'date', mine: payload.date, theirs: theirs.appointment_date ?? null }];
      if (payload.timeWindow !== undefined)
        fields.push({ field: 'timeWindow', mine: payload.timeWindow, theirs: theirsValue('appointment_time_window') });
      return fields;
    }
    if (kind === 'order.assign')
      return [{ field: 'installerId', mine: payload.installerId, theirs: theirs.installer_id ?? null }];
    // what adds to an order is one decision (send it again on the order as it is now, or drop it)
    if (kind === 'order.split') return [{ field: 'lines', mine: payload.lines, theirs: null }];
    if (kind === 'serial.record') return [{ field: 'serials', mine: payload.serials, theirs: null }];
    if (kind === 'waste.add')
      return [{ field: 'waste', mine: { code: payload.code, quantity: payload.quantity }, theirs: null }];
    if (kind === 'waste.remove') return [{ field: 'remove', mine: true, theirs: false }];
    if (kind === 'waste.update')
      return Object.keys(payload).map((f) => ({
        field: f,
        mine: payload[f] ?? null,
        theirs: theirs[WASTE_COLUMNS[f] ?? f] ?? null,
      }));
    const columns = OP_FIELDS[kind];
    return Object.keys(payload)
      .filter((f) => columns[f])
      .map((f) => ({ field: f, mine: payload[f] ?? null, theirs: theirsValue(columns[f]!) }));
  }

  listConflicts(): Conflict[] {
    return (this.stmt('SELECT * FROM conflicts ORDER BY seq').all() as ConflictRecord[]).map((c) => ({
      id: c.id,
      opId: c.op_id,
      entity: c.entity,
      entityId: c.entity_id,
      kind: c.kind,
      fields: this.conflictFields(c),
      createdAt: c.created_at,
      order: this.issueOrder(c.entity, c.entity_id, JSON.parse(c.payload)),
    }));
  }

  /**
   * The user's choice per field. Fields kept as "mine" become a new op on the head office's version the user
   * saw, in the conflicted op's place in the queue; "theirs" fields take the head office's values. An update is
   * split per field; the other kinds are one decision (any "mine" sends the op again).
   */
  resolveConflict(
    conflictId: string,
    choices: Record<string, 'mine' | 'theirs'>,
  ): StoreChange & { opId: string | null } {
    let newOpId: string | null = null;
    let orderIds: string[] = [];
    this.db.transaction(() => {
      const c = this.stmt('SELECT * FROM conflicts WHERE id = ?').get(conflictId) as ConflictRecord | undefined;
      if (!c) throw new NotFoundLocallyError('conflict', conflictId);
      const touched = this.opRows(c.seq);
      const fields = this.conflictFields(c).map((f) => f.field);
      for (const f of Object.keys(choices))
        if (!fields.includes(f))
          throw new ChoiceError(f, `no field ${f} in this conflict (fields: ${fields.join(', ')})`);
      for (const f of fields) if (!choices[f]) throw new ChoiceError(f, `choose mine or theirs for ${f}`);
      const payload = JSON.parse(c.payload) as Record<string, unknown>;
      const kind = c.kind as OpKind;
      const mineFields = fields.filter((f) => choices[f] === 'mine');
      let next: Record<string, unknown> | null = null;
      if (kind === 'order.update' && mineFields.length > 0) {
        next = Object.fromEntries(Object.entries(payload).filter(([k]) => mineFields.includes(k)));
      } else if (kind !== 'order.update' && mineFields.length > 0) {
        next = payload;
      }
      this.stmt('DELETE FROM conflicts WHERE id = ?').run(c.id);
      this.stmt('UPDATE row_base SET base_version = ? WHERE entity = ? AND entity_id = ?').run(
        c.server_version,
        c.entity,
        c.entity_id,
      );
      const dependents = next ? [] : this.failDependents(c.seq, c.op_id, touched, 'DEPENDS_ON_DROPPED');
      if (!next) this.stmt('DELETE FROM op_rows WHERE seq = ?').run(c.seq);
      if (next) {
        newOpId = uuidv7();
        this.stmt(
          'INSERT INTO outbox(seq, op_id, entity, entity_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(c.seq, newOpId, c.entity, c.entity_id, kind, JSON.stringify(next), nowIso());
      }
      orderIds = this.rebaseAll([{ entity: c.entity as SyncEntity, id: c.entity_id }, ...touched, ...dependents]);
    })();
    return { orderIds, opId: newOpId };
  }

  listFailed(): FailedOp[] {
    const rows = this.stmt('SELECT * FROM failed_ops ORDER BY seq').all() as {
      op_id: string;
      entity: string;
      entity_id: string;
      kind: string;
      payload: string;
      error: string;
      created_at: string;
    }[];
    return rows.map((r) => {
      const payload = JSON.parse(r.payload) as Record<string, unknown>;
      return {
        opId: r.op_id,
        entity: r.entity,
        entityId: r.entity_id,
        kind: r.kind,
        payload,
        error: JSON.parse(r.error),
        createdAt: r.created_at,
        order: this.issueOrder(r.entity, r.entity_id, payload),
        resendable: RESENDABLE.has(r.kind),
      };
    });
  }

  /** The failed op to send again: its kind, its order and what it carried. */
  failedOp(opId: string): { kind: string; orderId: string | null; payload: Record<string, unknown> } | null {
    const r = this.stmt('SELECT kind, entity, entity_id, payload FROM failed_ops WHERE op_id = ?').get(opId) as
      | { kind: string; entity: string; entity_id: string; payload: string }
      | undefined;
    if (!r) return null;
    const payload = JSON.parse(r.payload) as Record<string, unknown>;
    return { kind: r.kind, orderId: this.issueOrder(r.entity, r.entity_id, payload)?.id ?? null, payload };
  }

  /** The order an op is about: the order itself, the order of a serial or pick-up, or the one its payload names. */
  private issueOrder(entity: string, entityId: string, payload: Record<string, unknown>): IssueOrder | null {
    let orderId: string | null = entity === 'orders' ? entityId : null;
    if (!orderId && (entity === 'serial_numbers' || entity === 'waste_pickups')) {
      const r = this.stmt(`SELECT order_id FROM ${entity} WHERE id = ?`).get(entityId) as
        | { order_id: string }
        | undefined;
      orderId = r?.order_id ?? null;
    }
    if (!orderId && typeof payload.orderId === 'string') orderId = payload.orderId;
    if (!orderId) return null;
    const o = this.stmt('SELECT order_no, customer_name FROM orders WHERE id = ?').get(orderId) as
      | { order_no: string | null; customer_name: string | null }
      | undefined;
    // a refused new order is gone from the copy: what it was to be is in its payload
    const named = (v: unknown) => (typeof v === 'string' && entity === 'orders' ? v : null);
    return {
      id: orderId,
      orderNo: o?.order_no ?? named(payload.orderNo),
      customerName: o?.customer_name ?? named(payload.customerName),
    };
  }

  discardFailed(opId: string): boolean {
    return this.stmt('DELETE FROM failed_ops WHERE op_id = ?').run(opId).changes > 0;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Checkpoint

  /** The (key, version text) of every row of a mirrored table; '0' for tables without versions. */
  checkpointRows(entity: SyncEntity): { k: string; v: string }[] {
    const t = this.mirror.tables[entity];
    // orders kept outside the window for their local ops (and their children) are not the window's: the head
    // office's checkpoint leaves them out too, and a repair must not touch them
    const from = this.windowFrom();
    const kept = from ? new Set(this.outsideWindow(from, true)) : new Set<string>();
    const orderCol =
      entity === 'orders'
        ? t.key
        : entity === 'split_orders'
          ? 'parent_order_id'
          : (ORDER_CHILDREN as readonly string[]).includes(entity)
            ? 'order_id'
            : null;
    return this.stmt(
      `SELECT ${t.key} AS k, ${t.versioned ? 'version' : "'0'"} AS v${orderCol ? `, ${orderCol} AS o` : ''} FROM ${entity}`,
    )
      .all()
      .filter((r) => !orderCol || !kept.has(String((r as { o: unknown }).o)))
      .map((r) => {
        const row = r as { k: unknown; v: unknown };
        return { k: String(row.k), v: String(row.v) };
      });
  }

  /**
   * One checkpoint bucket compared row by row with the head office's: a row it has that the copy lacks or holds
   * at an older version is written (when stamped below the cursor's horizon: otherwise the next pull brings it),
   * a row of the copy the head office does not have is removed. Rows with local ops are left alone. Returns the
   * rows repaired.
   */
  repairBucket(
    entity: SyncEntity,
    inBucket: (key: string) => boolean,
    serverRows: { id: string; version: number | null; old: boolean; row: SyncRow }[],
  ): number {
    let repaired = 0;
    this.db.transaction(() => {
      const pending = new Set(
        (this.stmt('SELECT entity_id FROM row_base WHERE entity = ?').all(entity) as { entity_id: string }[]).map(
          (r) => r.entity_id,
        ),
      );
      const local = new Map(
        this.checkpointRows(entity)
          .filter((r) => inBucket(r.k))
          .map((r) => [r.k, r.v]),
      );
      const theirs = new Set<string>();
      for (const r of serverRows) {
        theirs.add(r.id);
        if (pending.has(r.id) || !r.old) continue;
        const mine = local.get(r.id);
        if (mine === undefined || (r.version !== null && Number(mine) < r.version)) {
          this.mirror.write(entity, r.row);
          repaired++;
        }
      }
      for (const id of local.keys()) {
        if (theirs.has(id) || pending.has(id)) continue;
        this.removeWithChildren(entity, id);
        repaired++;
      }
    })();
    return repaired;
  }

  /** What the outbox holds, as the pull reports it to the head office's queue monitor. */
  outboxReport(): OutboxReport {
    const r = this.stmt(
      `SELECT (SELECT count(*) FROM outbox) AS pending, (SELECT count(*) FROM conflicts) AS conflicts,
              (SELECT count(*) FROM failed_ops) AS failed,
              (SELECT min(t) FROM (SELECT min(created_at) AS t FROM outbox
                                   UNION ALL SELECT min(created_at) FROM conflicts)) AS since`,
    ).get() as { pending: number; conflicts: number; failed: number; since: string | null };
    return {
      clientId: this.clientId(),
      pending: r.pending,
      conflicts: r.conflicts,
      failed: r.failed,
      ...(r.since ? { pendingSince: r.since } : {}),
    };
  }

  counts(): { pending: number; conflicts: number; failed: number } {
    return this.stmt(`SELECT (SELECT count(*) FROM outbox) AS pending, (SELECT count(*) FROM conflicts) AS conflicts,
                (SELECT count(*) FROM failed_ops) AS failed`).get() as {
      pending: number;
      conflicts: number;
      failed: number;
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads for the UI

  listOrders(filter: OrderFilter = {}) {
    return this.orders.list(filter);
  }

  getOrder(id: string) {
    return this.orders.get(id);
  }

  /** The order's lines in the copy with the serials recorded on each (the delivery rule of order-part-rules.ts). */
  linesWithSerialCounts(orderId: string): (LineState & { itemName: string })[] {
    const rows = this.stmt(
      `SELECT l.id, l.item_code AS itemCode, l.item_name AS itemName, l.quantity,
              (SELECT count(*) FROM serial_numbers s WHERE s.order_line_id = l.id) AS serialCount
         FROM order_lines l WHERE l.order_id = ? ORDER BY l.created_at, l.id`,
    ).all(orderId) as {
      id: string;
      itemCode: string;
      itemName: string | null;
      quantity: unknown;
      serialCount: unknown;
    }[];
    return rows.map((l) => ({
      ...l,
      itemName: l.itemName ?? '',
      quantity: Number(l.quantity),
      serialCount: Number(l.serialCount),
    }));
  }

  /** The synced item rules that say which items need serials. */
  serialRules(): SerialRule[] {
    return (
      this.stmt('SELECT item_prefix, requires_serial FROM item_skill_rules').all() as {
        item_prefix: string;
        requires_serial: unknown;
      }[]
    ).map((r) => ({
      itemPrefix: r.item_prefix,
      requiresSerial: r.requires_serial === 1 || r.requires_serial === true || r.requires_serial === 'true',
    }));
  }

  /** A reason code as the synced reference data has it (the status rules check its type and whether it is used). */
  reasonCode(code: string): { type: ReasonType; isActive: boolean } | undefined {
    const r = this.stmt('SELECT type, is_active FROM reason_codes WHERE code = ?').get(code) as
      | { type: ReasonType; is_active: number | boolean | string }
      | undefined;
    return r && { type: r.type, isActive: r.is_active === 1 || r.is_active === true || r.is_active === 'true' };
  }
}

export class ChoiceError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
