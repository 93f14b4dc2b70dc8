export const ROLES = ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The role × action matrix. Every server route names one action; the client hides what the role cannot do.
 * Row-level security in PostgreSQL narrows *which rows* each role reaches; this decides *what* it may do.
 */
export const ACTIONS = {
  /** One's own account: GET /api/me, changing one's password. */
  'account.self': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'],
  'orders.read': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'],
  'orders.create': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'orders.update': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'orders.delete': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'orders.status': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'],
  /** moving an order out of a terminal state (취소, 회수, …) by hand: HQ's alone, audited */
  'orders.correct': ['HQ_ADMIN'],
  'orders.appointment': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  'orders.assign': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'orders.assign.override': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'orders.split': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'orders.serials': ['HQ_ADMIN', 'BRANCH_MANAGER', 'INSTALLER'],
  'orders.waste': ['HQ_ADMIN', 'BRANCH_MANAGER', 'INSTALLER'],
  /** Recording a 해피콜 (the day-before call to the customer): the branch, or the partner that dispatches. */
  'orders.happycall': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  'orders.attachments': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'],
  /** Deleting an attachment: photos and delivery receipts are evidence, so only the branch side removes them. */
  'orders.attachments.delete': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'installers.read': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  'installers.manage': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'customers.history': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'dashboard.progress': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  'waste.report': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  'settlements.read': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  'settlements.lock': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'settlements.unlock': ['HQ_ADMIN'],
  'notifications.read': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'],
  'exports.create': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  /** Listing and downloading exports (row-level security: one's own, HQ all). */
  'exports.read': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR'],
  'audit.read': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  /** Customer notices (알림톡/SMS): their states (row-level security: HQ all, a branch its own) and the templates. */
  'notices.read': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  /** Editing the notice templates. */
  'notices.templates': ['HQ_ADMIN'],
  'sync.use': ['HQ_ADMIN', 'BRANCH_MANAGER', 'PARTNER_COORDINATOR', 'INSTALLER'],
  'sync.monitor': ['HQ_ADMIN', 'BRANCH_MANAGER'],
  'admin.users': ['HQ_ADMIN'],
  'admin.reference': ['HQ_ADMIN'],
} as const satisfies Record<string, readonly Role[]>;
export type Action = keyof typeof ACTIONS;

export function can(role: Role, action: Action): boolean {
  return (ACTIONS[action] as readonly Role[]).includes(role);
}

// Which statuses each role may set is a column of the workflow table: domain/order-status.ts (setBy).
