// The order workflow as data: one row per status (STATUS_RULES) says where an order may go from it and what
// entering it needs. The head office's workflow service (422/403/400 on anything else), the client's local checks
// (before a change enters the outbox) and the status form all read these rows through statusChangeProblem(), so
// a rule is written once. States are the Korean values of the database CHECK constraint chk_order_status, stored
// as written; test/db/constraints.test.ts checks the constraint's list against ORDER_STATUSES.
import type { Role } from './roles.js';

export type ReasonType = 'CANCEL' | 'POSTPONE' | 'ABSENCE';
export const REASON_TYPES: readonly ReasonType[] = ['CANCEL', 'POSTPONE', 'ABSENCE'];

/** The branch's notification category an entry into the status raises (FR-11). */
export type StatusNotice = 'ABSENCE' | 'POSTPONE' | 'CANCEL';

/** How a status counts in the settlement week report. */
export type SettlementOutcome = 'delivered' | 'partiallyDelivered' | 'cancelled' | 'collected' | 'open';

export interface StatusRule {
  /** English code name (glossary), for i18n keys and logs */
  code: string;
  /** statuses an order may move to from this one; none: terminal (only HQ's correction leaves it) */
  next: readonly string[];
  /** who may move an order into this status (HQ_ADMIN may set every status) */
  setBy: readonly Exclude<Role, 'HQ_ADMIN'>[];
  /** entering needs a reason code of this type */
  reason?: ReasonType;
  /** entering takes a new appointment date (and optionally a time window); other statuses refuse one */
  newAppointment: boolean;
  /** entering needs the order to have an installer already (배정 from 연기 keeps it; choosing one is assignment) */
  needsInstaller: boolean;
  /** entering clears the installer */
  clearsInstaller: boolean;
  /** the order carries an installer while in this status */
  withInstaller: boolean;
  /** the order takes a slot of its installer's day (capacity) */
  holdsCapacity: boolean;
  /** entering needs a serial number for every unit of a serialised item */
  needsSerials: boolean;
  /** entering splits the undelivered lines off into a new order, which the change must name */
  needsUndelivered: boolean;
  /** the order still goes out on an installer's assignment sheet */
  onSheet: boolean;
  notice?: StatusNotice;
  settlement: SettlementOutcome;
  /** colour family for grids and charts (the renderer maps these to its palette) */
  tone: 'idle' | 'active' | 'moving' | 'warn' | 'done' | 'partial' | 'closed';
}

const BRANCH_ALL = ['BRANCH_MANAGER'] as const;

/** The order workflow (docs/api.md prints it from here: `npm run docs:roles`). */
export const STATUS_RULES = {
  미배정: {
    code: 'UNASSIGNED',
    next: ['배정', '연기', '취소', '의뢰취소'],
    setBy: BRANCH_ALL,
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: true,
    withInstaller: false,
    holdsCapacity: false,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: true,
    settlement: 'open',
    tone: 'idle',
  },
  배정: {
    code: 'ASSIGNED',
    next: ['배정확정', '미배정', '연기', '취소', '의뢰취소'],
    setBy: BRANCH_ALL,
    newAppointment: false,
    needsInstaller: true,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: true,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: true,
    settlement: 'open',
    tone: 'active',
  },
  배정확정: {
    code: 'ASSIGNMENT_CONFIRMED',
    next: ['출고확정', '배정', '미배정', '연기', '취소', '의뢰취소'],
    setBy: ['BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: true,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: true,
    settlement: 'open',
    tone: 'active',
  },
  출고확정: {
    code: 'RELEASE_CONFIRMED',
    next: ['출문', '연기', '취소', '의뢰취소'],
    setBy: ['BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: true,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: true,
    settlement: 'open',
    tone: 'moving',
  },
  출문: {
    code: 'DEPARTED',
    next: ['인수', '부분인수', '부재', '연기', '회수'],
    setBy: ['BRANCH_MANAGER', 'INSTALLER'],
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: true,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: true,
    settlement: 'open',
    tone: 'moving',
  },
  연기: {
    code: 'POSTPONED',
    next: ['배정', '미배정', '취소', '의뢰취소'],
    setBy: ['BRANCH_MANAGER', 'INSTALLER'],
    reason: 'POSTPONE',
    newAppointment: true,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: false,
    holdsCapacity: false,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: true,
    notice: 'POSTPONE',
    settlement: 'open',
    tone: 'warn',
  },
  부재: {
    code: 'ABSENT',
    next: ['출문', '연기', '취소'],
    setBy: ['BRANCH_MANAGER', 'INSTALLER'],
    reason: 'ABSENCE',
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: true,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: true,
    notice: 'ABSENCE',
    settlement: 'open',
    tone: 'warn',
  },
  인수: {
    code: 'DELIVERED',
    next: ['회수'],
    setBy: ['BRANCH_MANAGER', 'INSTALLER'],
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: false,
    needsSerials: true,
    needsUndelivered: false,
    onSheet: true,
    settlement: 'delivered',
    tone: 'done',
  },
  부분인수: {
    code: 'PARTIALLY_DELIVERED',
    next: [],
    setBy: ['BRANCH_MANAGER', 'INSTALLER'],
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: false,
    needsSerials: true,
    needsUndelivered: true,
    onSheet: false,
    settlement: 'partiallyDelivered',
    tone: 'partial',
  },
  회수: {
    code: 'COLLECTED',
    next: [],
    setBy: ['BRANCH_MANAGER', 'INSTALLER'],
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: true,
    holdsCapacity: false,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: false,
    settlement: 'collected',
    tone: 'closed',
  },
  취소: {
    code: 'CANCELLED',
    next: [],
    setBy: BRANCH_ALL,
    reason: 'CANCEL',
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: false,
    holdsCapacity: false,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: false,
    notice: 'CANCEL',
    settlement: 'cancelled',
    tone: 'closed',
  },
  의뢰취소: {
    code: 'REQUEST_CANCELLED',
    next: [],
    // the vendor cancelled: HQ's alone
    setBy: [],
    newAppointment: false,
    needsInstaller: false,
    clearsInstaller: false,
    withInstaller: false,
    holdsCapacity: false,
    needsSerials: false,
    needsUndelivered: false,
    onSheet: false,
    notice: 'CANCEL',
    settlement: 'cancelled',
    tone: 'closed',
  },
} as const satisfies Record<string, StatusRule>;

export type OrderStatus = keyof typeof STATUS_RULES;
const RULES: Record<OrderStatus, StatusRule & { next: readonly OrderStatus[] }> = STATUS_RULES;

export const ORDER_STATUSES = Object.keys(STATUS_RULES) as [OrderStatus, ...OrderStatus[]];

/** A new order's status: the first row (the DEFAULT of orders.status; test/db/order-definition.test.ts). */
export const INITIAL_STATUS: OrderStatus = ORDER_STATUSES[0];

const where = (test: (r: StatusRule) => boolean): readonly OrderStatus[] =>
  ORDER_STATUSES.filter((s) => test(RULES[s]));

/** English code names (glossary), used for i18n keys and logs. */
export const STATUS_CODE = Object.fromEntries(ORDER_STATUSES.map((s) => [s, RULES[s].code])) as Record<
  OrderStatus,
  string
>;

export const TRANSITIONS = Object.fromEntries(ORDER_STATUSES.map((s) => [s, RULES[s].next])) as Record<
  OrderStatus,
  readonly OrderStatus[]
>;

export const TERMINAL_STATUSES = where((r) => r.next.length === 0);

/**
 * Open orders: work remains (the settlement week still counts them as open). A branch client mirrors every open
 * order whatever its age (docs/sync-protocol.md, "The window"). 인수 is not terminal (회수 may follow) but is done:
 * the 회수 is a write, which brings the order back into the window by its updated_at anyway.
 */
export const OPEN_STATUSES = where((r) => r.settlement === 'open');

/** Statuses that need a reason code, and of which type. */
export const REASON_REQUIRED = Object.fromEntries(
  ORDER_STATUSES.flatMap((s) => (RULES[s].reason ? [[s, RULES[s].reason]] : [])),
) as Partial<Record<OrderStatus, ReasonType>>;

/** Statuses in which an order carries an installer. Moving to 미배정 clears it. */
export const STATUSES_WITH_INSTALLER = where((r) => r.withInstaller);

/** Orders that still count against an installer's daily capacity. */
export const CAPACITY_STATUSES = where((r) => r.holdsCapacity);

/** Colour family per status for grids and charts. */
export const STATUS_TONE = Object.fromEntries(ORDER_STATUSES.map((s) => [s, RULES[s].tone])) as Record<
  OrderStatus,
  StatusRule['tone']
>;

export function statusRule(s: OrderStatus): StatusRule & { next: readonly OrderStatus[] } {
  return RULES[s];
}

export function statusesWhere(test: (r: StatusRule) => boolean): readonly OrderStatus[] {
  return where(test);
}

export function isOrderStatus(v: unknown): v is OrderStatus {
  return typeof v === 'string' && Object.hasOwn(STATUS_RULES, v);
}

export function allowedTransitions(from: OrderStatus): readonly OrderStatus[] {
  return RULES[from].next;
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return RULES[from].next.includes(to);
}

/** Which target statuses each role may set. HQ_ADMIN sets every status. */
export const STATUS_TARGETS_BY_ROLE: Record<Role, readonly OrderStatus[] | 'all'> = {
  HQ_ADMIN: 'all',
  BRANCH_MANAGER: where((r) => (r.setBy as readonly Role[]).includes('BRANCH_MANAGER')),
  PARTNER_COORDINATOR: where((r) => (r.setBy as readonly Role[]).includes('PARTNER_COORDINATOR')),
  INSTALLER: where((r) => (r.setBy as readonly Role[]).includes('INSTALLER')),
};

export function roleMaySetStatus(role: Role, to: OrderStatus): boolean {
  return role === 'HQ_ADMIN' || (RULES[to].setBy as readonly Role[]).includes(role);
}

/** The first letter of a reason code names its type (C01 cancel, P01 postpone, A01 absence). */
export const REASON_CODE_PREFIX: Record<ReasonType, string> = { CANCEL: 'C', POSTPONE: 'P', ABSENCE: 'A' };

export function reasonCodeMatchesType(code: string, type: ReasonType): boolean {
  return new RegExp(`^${REASON_CODE_PREFIX[type]}[0-9]{2,9}$`).test(code);
}

// ── checking a status change ────────────────────────────────────────────────────────────────────────────────

/** A status change as both sides check it (the order's current state and what the change brings). */
export interface StatusChangeCheck {
  role: Role;
  from: OrderStatus;
  to: OrderStatus;
  /** HQ correcting an order out of a terminal state */
  correction?: boolean;
  reasonCode?: string;
  appointmentDate?: string;
  appointmentTimeWindow?: unknown;
  undelivered?: unknown;
  /** the order has an installer now */
  hasInstaller: boolean;
  /** the reason code as the reference data has it; undefined when unknown. Omitted: only its form is checked. */
  reason?: (code: string) => { type: ReasonType; isActive: boolean } | undefined;
}

/**
 * Why a status change is refused, or null. `kind` says how the head office answers it (403, 422 rule, 400
 * validation); `key` is the message key (server catalogue `errors.*`, client catalogue `problems.*`).
 */
export interface StatusProblem {
  kind: 'forbidden' | 'rule' | 'validation';
  code: string;
  key: string;
  field: string;
  params: Record<string, string>;
  details?: Record<string, unknown>;
}

/**
 * The rules of STATUS_RULES applied to one change, in the order the head office answers them: who may set the
 * status, the transition (or HQ's correction), the reason code, the appointment, the installer, the undelivered
 * part. Serial numbers need the order's lines and serials: requiredSerials in order-part-rules.ts.
 */
export function statusChangeProblem(c: StatusChangeCheck): StatusProblem | null {
  const { from, to } = c;
  const rule = RULES[to];
  if (!roleMaySetStatus(c.role, to)) {
    return { kind: 'forbidden', code: 'FORBIDDEN', key: 'forbiddenStatus', field: 'status', params: { status: to } };
  }
  if (c.correction) {
    if (c.role !== 'HQ_ADMIN') {
      return {
        kind: 'forbidden',
        code: 'FORBIDDEN',
        key: 'forbidden',
        field: 'correction',
        params: {},
        details: { action: 'orders.correct' },
      };
    }
    if (!TERMINAL_STATUSES.includes(from) || from === to) {
      return {
        kind: 'rule',
        code: 'NOT_A_CORRECTION',
        key: 'notACorrection',
        field: 'correction',
        params: { from, to },
      };
    }
  } else if (!canTransition(from, to)) {
    const allowed = allowedTransitions(from).filter((s) => roleMaySetStatus(c.role, s));
    return {
      kind: 'rule',
      code: 'ILLEGAL_TRANSITION',
      key: 'illegalTransition',
      field: 'status',
      params: { from, to, allowed: allowed.join(', ') || '—' },
      details: { from, to, allowed },
    };
  }
  if (rule.reason) {
    const type = rule.reason;
    if (!c.reasonCode) {
      return {
        kind: 'validation',
        code: 'VALIDATION',
        key: 'reasonRequired',
        field: 'reasonCode',
        params: { status: to, type },
      };
    }
    const known = c.reason ? c.reason(c.reasonCode) : undefined;
    const wrongType = c.reason ? !known || known.type !== type : !reasonCodeMatchesType(c.reasonCode, type);
    if (wrongType) {
      return {
        kind: 'rule',
        code: 'REASON_CODE',
        key: 'reasonInvalid',
        field: 'reasonCode',
        params: { code: c.reasonCode, type },
        details: { expectedType: type },
      };
    }
    if (known && !known.isActive) {
      return {
        kind: 'rule',
        code: 'REASON_CODE',
        key: 'reasonInactive',
        field: 'reasonCode',
        params: { code: c.reasonCode },
        details: { expectedType: type },
      };
    }
  } else if (c.reasonCode) {
    return {
      kind: 'validation',
      code: 'VALIDATION',
      key: 'reasonNotExpected',
      field: 'reasonCode',
      params: { status: to },
    };
  }
  if (rule.newAppointment) {
    if (!c.appointmentDate) {
      return {
        kind: 'validation',
        code: 'VALIDATION',
        key: 'appointmentRequired',
        field: 'appointmentDate',
        params: { status: to },
      };
    }
  } else if (c.appointmentDate !== undefined || c.appointmentTimeWindow !== undefined) {
    const field = c.appointmentDate !== undefined ? 'appointmentDate' : 'appointmentTimeWindow';
    return { kind: 'validation', code: 'VALIDATION', key: 'appointmentNotExpected', field, params: { status: to } };
  }
  if (rule.needsInstaller && !c.hasInstaller) {
    return { kind: 'rule', code: 'NEEDS_INSTALLER', key: 'needsInstaller', field: 'status', params: { status: to } };
  }
  if (rule.needsUndelivered) {
    if (!Array.isArray(c.undelivered) || c.undelivered.length === 0) {
      return {
        kind: 'validation',
        code: 'VALIDATION',
        key: 'split.undeliveredRequired',
        field: 'undelivered',
        params: { status: to },
      };
    }
  } else if (c.undelivered !== undefined) {
    return {
      kind: 'validation',
      code: 'VALIDATION',
      key: 'split.undeliveredNotExpected',
      field: 'undelivered',
      params: { status: to },
    };
  }
  return null;
}

// ── checking an appointment date ────────────────────────────────────────────────────────────────────────────

/** The Korean calendar day of an instant (orders.created_at::date in the head office's Asia/Seoul sessions). */
export function koreanDay(at: string | Date): string {
  return new Date(new Date(at).getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Why a new appointment date is refused, or null: a closed order takes none (terminal statuses), and no order is
 * booked before the day it was received (the database's chk_appointment_date). The head office's appointment
 * change and the client's (also 연기's new date) check it alike; `field` is the request field of the date.
 */
export function appointmentDateProblem(c: {
  status: OrderStatus;
  date: string;
  createdAt: string | Date;
  field: string;
}): StatusProblem | null {
  if (TERMINAL_STATUSES.includes(c.status)) {
    return { kind: 'rule', code: 'ORDER_CLOSED', key: 'orderClosed', field: c.field, params: { status: c.status } };
  }
  const created = koreanDay(c.createdAt);
  if (c.date < created) {
    return {
      kind: 'validation',
      code: 'VALIDATION',
      key: 'appointmentBeforeCreated',
      field: c.field,
      params: { date: c.date, created },
    };
  }
  return null;
}
