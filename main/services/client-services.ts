// The handlers of the auth:*, orders:* and sync:* channels of domain/client-api.ts. Arguments arrive validated
// by the dispatcher (main/transport/dispatch.ts); a handler throws ClientError ({code, message, field}) for what
// the user must fix. Writes go to the local database and its outbox, never straight to the head office, so they
// work the same with the VPN up or down.
import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import { slotsOrDefault, windowChoiceProblem } from '../../domain/appointment-slots.js';
import type { ClientApi, ClientApiHandlers, ClientEvent, OrderEdit, SyncState } from '../../domain/client-api.js';
import type { TimeWindow } from '../../domain/field-types.js';
import { serialsMissingText, statusProblemText } from '../../domain/i18n/workflow-text.js';
import { linesMissingSerials } from '../../domain/order-part-rules.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OrderCreate } from '../../domain/order-schemas.js';
import {
  appointmentDateProblem,
  type OrderStatus,
  statusChangeProblem,
  statusRule,
} from '../../domain/order-status.js';
import { type Action, can } from '../../domain/roles.js';
import type { OpKind, SyncRow } from '../../domain/sync-protocol.js';
import { addWastePickup, recordSerials, splitOrderLocally } from '../channel-handlers/part-writes.js';
import { ChoiceError, NotFoundLocallyError, StaleWriteError } from '../store/client-store.js';
import { parseTimeWindow } from '../store/mirror-order-row.js';
import type { EngineOptions } from '../sync/engine.js';
import { ClientError, ClientSession } from '../sync/session.js';

export type CoreChannel = {
  [C in keyof ClientApi]: C extends `auth:${string}` | `orders:${string}` | `sync:${string}` ? C : never;
}[keyof ClientApi];
type Args<C extends keyof ClientApi> = z.output<ClientApi[C]['args']>;

export interface ClientServicesOptions {
  dataDir: string;
  emit: (event: ClientEvent) => void;
  engine?: Omit<EngineOptions, 'store' | 'http'>;
  httpTimeoutMs?: number;
}

export interface ClientServices {
  handlers: Pick<ClientApiHandlers, CoreChannel>;
  /** the signed-in session (null before login): other handler modules read the same store through it */
  current(): ClientSession | null;
  close(): Promise<void>;
}

const OFFLINE_STATE: SyncState = {
  status: 'offline',
  offlineSince: null,
  pending: 0,
  conflicts: 0,
  failed: 0,
  lastSyncAt: null,
  lastError: null,
  firstSync: null,
  recovered: null,
  rev: 0,
};

function mapStoreError(e: unknown): never {
  if (e instanceof StaleWriteError)
    throw new ClientError('CONFLICT', 'The order changed since it was shown; reload it and try again.', 'version', {
      currentVersion: e.currentVersion,
    });
  if (e instanceof NotFoundLocallyError) throw new ClientError('NOT_FOUND', `${e.entity} not found`, 'id');
  if (e instanceof ChoiceError) throw new ClientError('VALIDATION', e.message, `choices.${e.field}`);
  throw e;
}

export function createClientServices(opts: ClientServicesOptions): ClientServices {
  let session: ClientSession | null = null;
  let unsubscribe: (() => void) | null = null;

  function requireSession(): ClientSession {
    if (!session) throw new ClientError('UNAUTHORIZED', 'Log in first.');
    return session;
  }

  function requireAction(s: ClientSession, action: Action): void {
    if (!can(s.session.user.role, action))
      throw new ClientError('FORBIDDEN', `Your role (${s.session.user.role}) may not do this (${action}).`);
  }

  function orderRow(s: ClientSession, id: string): OrderRow {
    const row = s.store.getOrder(id);
    if (!row) throw new ClientError('NOT_FOUND', 'order not found', 'id');
    return row;
  }

  /** Records a local order change and its op, wakes the push, tells the UI. */
  function write(
    kind: OpKind,
    orderId: string,
    payload: Record<string, unknown>,
    seenVersion: number | undefined,
    check?: (current: SyncRow | null) => void,
  ): OrderRow {
    return writeOp(kind, orderId, payload, seenVersion, check).row;
  }

  function writeOp(
    kind: OpKind,
    orderId: string,
    payload: Record<string, unknown>,
    seenVersion: number | undefined,
    check?: (current: SyncRow | null) => void,
  ): OrderEdit {
    const s = requireSession();
    let opId: string;
    try {
      opId = s.store.localOrderOp({ kind, orderId, payload, seenVersion, check }).opId;
    } catch (e) {
      mapStoreError(e);
    }
    s.engine.localWrite();
    opts.emit({ type: 'orders-changed', ids: [orderId] });
    return { row: orderRow(s, orderId), opId };
  }

  /**
   * The head office's time-window rule (domain/appointment-slots.ts) against the order's branch as mirrored: a
   * chosen window is one of its slots on the date, or the current one kept.
   */
  function checkWindow(
    s: ClientSession,
    current: SyncRow | null,
    chosen: TimeWindow | null | undefined,
    date: string | undefined,
    field: string,
  ): void {
    if (!current || !date || !chosen) return;
    const branch = s.store.mirror.read('branches', String(current.branch_id));
    const problem = windowChoiceProblem({
      chosen,
      current: parseTimeWindow(current.appointment_time_window),
      date,
      slots: slotsOrDefault(branch?.appointment_slots),
      timeZone: typeof branch?.timezone === 'string' ? branch.timezone : 'Asia/Seoul',
      field,
    });
    if (problem) {
      throw new ClientError('VALIDATION', statusProblemText(s.session.user.locale, problem), field, problem.details);
    }
  }

  function withoutVersion<T extends { version: number }>(input: T): [Omit<T, 'version'>, number] {
    const { version, ...rest } = input;
    return [rest, version];
  }

  async function endSession(logout: boolean): Promise<void> {
    const s = session;
    session = null;
    unsubscribe?.();
    unsubscribe = null;
    if (s) await (logout ? s.logout() : s.close());
    opts.emit({ type: 'sync-state', state: OFFLINE_STATE });
  }

  const handlers: Pick<ClientApiHandlers, CoreChannel> = {
    async 'auth:login'(args: Args<'auth:login'>) {
      await endSession(false);
      const s = await ClientSession.login(args, {
        dataDir: opts.dataDir,
        engine: opts.engine,
        httpTimeoutMs: opts.httpTimeoutMs,
      });
      session = s;
      const onState = (state: SyncState) => opts.emit({ type: 'sync-state', state });
      const onOrders = (ids: string[]) => opts.emit({ type: 'orders-changed', ids });
      s.engine.on('state', onState);
      s.engine.on('orders-changed', onOrders);
      unsubscribe = () => {
        s.engine.off('state', onState);
        s.engine.off('orders-changed', onOrders);
      };
      s.start();
      return s.session;
    },

    async 'auth:logout'() {
      await endSession(true);
      return null;
    },

    async 'auth:session'() {
      return session?.session ?? null;
    },

    async 'orders:list'(filter: Args<'orders:list'>) {
      return requireSession().store.listOrders(filter);
    },

    async 'orders:create'(args: Args<'orders:create'>) {
      const s = requireSession();
      requireAction(s, 'orders.create');
      const user = s.session.user;
      if (user.role === 'BRANCH_MANAGER' && args.branchId !== user.branchId)
        throw new ClientError('FORBIDDEN', 'Orders can only be created for your own branch.', 'branchId');
      const id = args.id ?? uuidv7();
      const payload = { ...args, id, lines: args.lines.map((l) => ({ ...l, id: l.id ?? uuidv7() })) };
      return write('order.create', id, payload, undefined);
    },

    async 'orders:update'({ id, patch }: Args<'orders:update'>) {
      const s = requireSession();
      requireAction(s, 'orders.update');
      const [payload, version] = withoutVersion(patch);
      if (Object.keys(payload).length === 0) throw new ClientError('VALIDATION', 'Nothing to change.', 'patch');
      return writeOp('order.update', id, payload, version);
    },

    async 'orders:status'({ id, change }: Args<'orders:status'>) {
      const s = requireSession();
      requireAction(s, 'orders.status');
      const { role, locale } = s.session.user;
      const [payload, version] = withoutVersion(change);
      // the head office's own rules (domain/order-status.ts), checked against the copy before the op is queued
      return write('order.status', id, payload, version, (current) => {
        const problem = statusChangeProblem({
          role,
          from: current?.status as OrderStatus,
          to: change.status,
          correction: change.correction,
          reasonCode: change.reasonCode,
          appointmentDate: change.appointmentDate,
          appointmentTimeWindow: change.appointmentTimeWindow,
          undelivered: change.undelivered,
          hasInstaller: current?.installer_id != null,
          reason: (code) => s.store.reasonCode(code),
        });
        if (problem) {
          const code =
            problem.kind === 'forbidden' ? 'FORBIDDEN' : problem.kind === 'rule' ? problem.code : 'VALIDATION';
          throw new ClientError(code, statusProblemText(locale, problem), `change.${problem.field}`, problem.details);
        }
        if (statusRule(change.status).newAppointment && change.appointmentDate && current) {
          const dateProblem = appointmentDateProblem({
            status: current.status as OrderStatus,
            date: change.appointmentDate,
            createdAt: String(current.created_at),
            field: 'appointmentDate',
          });
          if (dateProblem && dateProblem.code !== 'ORDER_CLOSED')
            throw new ClientError('VALIDATION', statusProblemText(locale, dateProblem), 'change.appointmentDate');
        }
        checkWindow(s, current, change.appointmentTimeWindow, change.appointmentDate, 'change.appointmentTimeWindow');
        // 인수 / 부분인수: the serials the delivered units need, by the reference data's item rules, as the head
        // office checks them after its split (undelivered units leave without serials)
        if (statusRule(change.status).needsSerials) {
          const missing = linesMissingSerials(
            s.store.linesWithSerialCounts(id),
            s.store.serialRules(),
            change.undelivered ?? [],
          );
          if (missing.length > 0)
            throw new ClientError(
              'SERIALS_MISSING',
              serialsMissingText(locale, change.status, missing),
              'change.status',
              {
                lines: missing,
              },
            );
        }
      });
    },

    async 'orders:appointment'({ id, change }: Args<'orders:appointment'>) {
      const s = requireSession();
      requireAction(s, 'orders.appointment');
      const [payload, version] = withoutVersion(change);
      return writeOp('order.appointment', id, payload, version, (current) => {
        if (!current) return;
        const problem = appointmentDateProblem({
          status: current.status as OrderStatus,
          date: change.date,
          createdAt: String(current.created_at),
          field: 'date',
        });
        if (problem)
          throw new ClientError(
            problem.kind === 'rule' ? problem.code : 'VALIDATION',
            statusProblemText(s.session.user.locale, problem),
            `change.${problem.field}`,
          );
        checkWindow(s, current, change.timeWindow, change.date, 'change.timeWindow');
      });
    },

    async 'orders:assign'({ id, assign }: Args<'orders:assign'>) {
      const s = requireSession();
      requireAction(s, assign.override ? 'orders.assign.override' : 'orders.assign');
      const [payload, version] = withoutVersion(assign);
      return write('order.assign', id, payload, version, () => {
        if (!s.store.mirror.read('installers', assign.installerId))
          throw new ClientError('NOT_FOUND', 'installer not found', 'assign.installerId');
      });
    },

    async 'orders:unassign'({ id, unassign }: Args<'orders:unassign'>) {
      requireAction(requireSession(), 'orders.assign');
      const [payload, version] = withoutVersion(unassign);
      return write('order.unassign', id, payload, version);
    },

    async 'sync:state'() {
      return session ? session.engine.publish() : OFFLINE_STATE;
    },

    async 'sync:now'() {
      const s = requireSession();
      return s.engine.syncNow();
    },

    async 'sync:conflicts'() {
      return requireSession().store.listConflicts();
    },

    async 'sync:resolve'({ conflictId, choices }: Args<'sync:resolve'>) {
      const s = requireSession();
      try {
        const change = s.store.resolveConflict(conflictId, choices);
        opts.emit({ type: 'orders-changed', ids: change.orderIds });
      } catch (e) {
        mapStoreError(e);
      }
      s.engine.localWrite();
      return null;
    },

    async 'sync:failed'() {
      return requireSession().store.listFailed();
    },

    async 'sync:resendFailed'({ opId, fix }: Args<'sync:resendFailed'>) {
      const s = requireSession();
      const f = s.store.failedOp(opId);
      if (!f) throw new ClientError('NOT_FOUND', 'no such failed op', 'opId');
      if (!f.orderId) throw new ClientError('NOT_FOUND', 'order not found', 'opId');
      if (fix && fix.kind !== f.kind)
        throw new ClientError('VALIDATION', `a ${fix.kind} fix for a ${f.kind} change`, 'fix.kind');
      const id = f.orderId;
      // the same handler as a new change: its local checks run again on the copy as it is now
      const sent =
        f.kind === 'order.create'
          ? await resendCreate(id, fix?.kind === 'order.create' ? fix.order : (f.payload as OrderCreate))
          : f.kind === 'order.split'
            ? resendSplit(s, id, fix?.kind === 'order.split' ? fix : undefined, f.payload)
            : await resendAsItWas(s, f.kind, id, f.payload);
      if (!sent) throw new ClientError('VALIDATION', 'this change cannot be sent again as it was', 'opId');
      s.store.discardFailed(opId);
      s.engine.publish();
      return sent;
    },

    async 'sync:withdraw'({ opIds }: Args<'sync:withdraw'>) {
      const s = requireSession();
      const inFlight = s.engine.inFlight();
      const r = s.store.withdrawOps(opIds, inFlight);
      if (!r.ok)
        return { withdrawn: false, why: r.why === 'sent' && inFlight.has(r.opId) ? 'sending' : r.why, opId: r.opId };
      s.engine.publish();
      opts.emit({ type: 'orders-changed', ids: r.orderIds });
      return { withdrawn: true, rows: r.orderIds.flatMap((id) => s.store.getOrder(id) ?? []) };
    },

    async 'sync:discardFailed'({ opId }: Args<'sync:discardFailed'>) {
      const s = requireSession();
      if (!s.store.discardFailed(opId)) throw new ClientError('NOT_FOUND', 'no such failed op', 'opId');
      s.engine.publish();
      return null;
    },
  };

  /** A refused change of the order itself, a serial or a pick-up: sent again as it was, on the order's version. */
  async function resendAsItWas(
    s: ClientSession,
    kind: string,
    id: string,
    payload: Record<string, unknown>,
  ): Promise<OrderRow | null> {
    const { version } = orderRow(s, id);
    const args = { ...payload, version } as never;
    return kind === 'order.update'
      ? (await handlers['orders:update']({ id, patch: args })).row
      : kind === 'order.status'
        ? await handlers['orders:status']({ id, change: args })
        : kind === 'order.appointment'
          ? (await handlers['orders:appointment']({ id, change: args })).row
          : kind === 'order.assign'
            ? await handlers['orders:assign']({ id, assign: args })
            : kind === 'order.unassign'
              ? await handlers['orders:unassign']({ id, unassign: args })
              : kind === 'serial.record' || kind === 'waste.add'
                ? resendPart(s, kind, id, payload)
                : null;
  }

  /**
   * A refused new order, as the clerk fixed it in the form (or as it was): the same order id and line ids — the
   * head office never made them, and the changes made on it since (refused with it) can follow once it exists.
   */
  function resendCreate(id: string, order: OrderCreate): Promise<OrderRow> {
    return handlers['orders:create']({ ...order, id });
  }

  /**
   * A refused split, with the lines of the split form on the order's version it showed (or as it was, on the
   * current one): a new child and new line ids, as the refused ones never existed at the head office.
   */
  function resendSplit(
    s: ClientSession,
    id: string,
    fix: { version: number; lines: { lineId: string; quantity: number }[] } | undefined,
    payload: Record<string, unknown>,
  ): OrderRow {
    requireAction(s, 'orders.split');
    const lines =
      fix?.lines ??
      (payload.lines as { lineId: string; quantity: number }[]).map((l) => ({
        lineId: l.lineId,
        quantity: l.quantity,
      }));
    const childId = splitOrderLocally(s.store, { id, version: fix?.version ?? orderRow(s, id).version, lines });
    s.engine.localWrite();
    opts.emit({ type: 'orders-changed', ids: [id, childId] });
    return s.store.getOrder(childId) ?? orderRow(s, id);
  }

  /**
   * A refused serial or pick-up, entered again as it was (new row ids: the refused ones never existed at the head
   * office) through the same part write the drawer uses, so its local checks run on the copy as it is now.
   */
  function resendPart(s: ClientSession, kind: 'serial.record' | 'waste.add', id: string, p: Record<string, unknown>) {
    requireAction(s, kind === 'serial.record' ? 'orders.serials' : 'orders.waste');
    // a refusal here is the part write's own error (code, message, field), passed to the UI as it is
    if (kind === 'serial.record')
      recordSerials(s.store, s.session.user.id, {
        id,
        lineId: String(p.lineId),
        serials: (p.serials as unknown[]).map(String),
      });
    else
      addWastePickup(s.store, {
        id,
        code: String(p.code),
        quantity: Number(p.quantity),
        ...(typeof p.status === 'string' ? { status: p.status } : {}),
      });
    s.engine.localWrite();
    opts.emit({ type: 'orders-changed', ids: [id] });
    return orderRow(s, id);
  }

  return {
    handlers,
    current: () => session,
    close: () => endSession(false),
  };
}
