// The order workflow: one table used by the server (422 on anything else) and the client (what buttons to show).
// States are the Korean values of the database CHECK constraint chk_order_status, stored as written.

export const ORDER_STATUSES = [
  '미배정',
  '배정',
  '배정확정',
  '출고확정',
  '출문',
  '연기',
  '부재',
  '인수',
  '부분인수',
  '회수',
  '취소',
  '의뢰취소',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** English code names (glossary), used for i18n keys and logs. */
export const STATUS_CODE: Record<OrderStatus, string> = {
  미배정: 'UNASSIGNED',
  배정: 'ASSIGNED',
  배정확정: 'ASSIGNMENT_CONFIRMED',
  출고확정: 'RELEASE_CONFIRMED',
  출문: 'DEPARTED',
  연기: 'POSTPONED',
  부재: 'ABSENT',
  인수: 'DELIVERED',
  부분인수: 'PARTIALLY_DELIVERED',
  회수: 'COLLECTED',
  취소: 'CANCELLED',
  의뢰취소: 'REQUEST_CANCELLED',
};

export const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  미배정: ['배정', '연기', '취소', '의뢰취소'],
  배정: ['배정확정', '미배정', '연기', '취소', '의뢰취소'],
  배정확정: ['출고확정', '배정', '미배정', '연기', '취소', '의뢰취소'],
  출고확정: ['출문', '연기', '취소', '의뢰취소'],
  출문: ['인수', '부분인수', '부재', '연기', '회수'],
  부재: ['출문', '연기', '취소'],
  연기: ['배정', '미배정', '취소', '의뢰취소'],
  인수: ['회수'],
  부분인수: [],
  회수: [],
  취소: [],
  의뢰취소: [],
};

export const TERMINAL_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter((s) => TRANSITIONS[s].length === 0);

export function isOrderStatus(v: unknown): v is OrderStatus {
  return typeof v === 'string' && (ORDER_STATUSES as readonly string[]).includes(v);
}

export function allowedTransitions(from: OrderStatus): readonly OrderStatus[] {
  return TRANSITIONS[from];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export type ReasonType = 'CANCEL' | 'POSTPONE' | 'ABSENCE';
export const REASON_TYPES: readonly ReasonType[] = ['CANCEL', 'POSTPONE', 'ABSENCE'];

/** Statuses that need a reason code, and of which type. */
export const REASON_REQUIRED: Partial<Record<OrderStatus, ReasonType>> = {
  취소: 'CANCEL',
  연기: 'POSTPONE',
  부재: 'ABSENCE',
};

/** The first letter of a reason code names its type (C01 cancel, P01 postpone, A01 absence). */
export const REASON_CODE_PREFIX: Record<ReasonType, string> = { CANCEL: 'C', POSTPONE: 'P', ABSENCE: 'A' };

export function reasonCodeMatchesType(code: string, type: ReasonType): boolean {
  return new RegExp(`^${REASON_CODE_PREFIX[type]}[0-9]{2,9}$`).test(code);
}

/** Statuses in which an order carries an installer. Moving to 미배정 clears it. */
export const STATUSES_WITH_INSTALLER: readonly OrderStatus[] = [
  '배정',
  '배정확정',
  '출고확정',
  '출문',
  '부재',
  '인수',
  '부분인수',
  '회수',
];

/** Orders that still count against an installer's daily capacity. */
export const CAPACITY_STATUSES: readonly OrderStatus[] = ['배정', '배정확정', '출고확정', '출문', '부재'];

/** Colour family per status for grids and charts (the renderer maps these to its palette). */
export const STATUS_TONE: Record<OrderStatus, 'idle' | 'active' | 'moving' | 'warn' | 'done' | 'closed'> = {
  미배정: 'idle',
  배정: 'active',
  배정확정: 'active',
  출고확정: 'moving',
  출문: 'moving',
  연기: 'warn',
  부재: 'warn',
  인수: 'done',
  부분인수: 'done',
  회수: 'closed',
  취소: 'closed',
  의뢰취소: 'closed',
};
