import type { Role } from './roles.js';

/** Tables with the audit trigger (migration 0005; user_roles rows come with users, migration 0020). */
export const AUDITED_TABLES = [
  'orders',
  'order_lines',
  'split_orders',
  'waste_pickups',
  'serial_numbers',
  'attachments',
  'happy_calls',
  'installers',
  'settlement_periods',
  'branches',
  'partners',
  'users',
  'reason_codes',
  'waste_codes',
  'item_skill_rules',
] as const;
export type AuditedTable = (typeof AUDITED_TABLES)[number];

/**
 * Which audit tables each role may read, for every way out (GET /api/audit, audit exports). Accounts and HQ's
 * reference data are HQ's: a branch manager sees the order data and installers of its branch (row-level security
 * narrows the rows to the branch; migration 0070 holds the same table list as a policy).
 */
export const AUDIT_TABLES_BY_ROLE: Record<Role, readonly AuditedTable[]> = {
  HQ_ADMIN: AUDITED_TABLES,
  BRANCH_MANAGER: [
    'orders',
    'order_lines',
    'split_orders',
    'waste_pickups',
    'serial_numbers',
    'attachments',
    'happy_calls',
    'installers',
    'settlement_periods',
  ],
  PARTNER_COORDINATOR: [],
  INSTALLER: [],
};

export function mayReadAuditTable(role: Role, table: string): boolean {
  return (AUDIT_TABLES_BY_ROLE[role] as readonly string[]).includes(table);
}

/** The stored table names a role may read (user_roles rows are shown as part of users). */
export function readableAuditTableNames(role: Role): string[] {
  const tables: string[] = [...AUDIT_TABLES_BY_ROLE[role]];
  if (tables.includes('users')) tables.push('user_roles');
  return tables;
}
