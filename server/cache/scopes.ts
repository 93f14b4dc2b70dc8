// Generation scopes (see migration 0021, whose triggers report them) and what each cached answer depends on.
import { createHash } from 'node:crypto';
import type { Actor } from '../http/context.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export const scopes = {
  /** orders, order lines and installers of one branch */
  branch: (branchId: string) => `b:${branchId}`,
  /** the same, of any branch */
  allBranches: 'all',
  /** branches, partners, item-skill rules, reason codes, waste codes */
  reference: 'ref',
  /** a customer's orders by exact name / exact phone (md5 as PostgreSQL's md5(text) computes it) */
  customerName: (name: string) => `cn:${md5(name)}`,
  customerPhone: (phone: string) => `cp:${md5(phone)}`,
} as const;

/** The scopes of an answer about the orders of one branch, or of every branch the caller sees. */
export function orderDataScopes(branchId: string | null | undefined): string[] {
  return [branchId ? scopes.branch(branchId) : scopes.allBranches, scopes.reference];
}

/**
 * What row-level security lets the caller see, as a key part: two callers with the same visibility get the
 * same answer from the same query, so they may share a cache entry; no one else may.
 */
export function visibilityKey(actor: Pick<Actor, 'role' | 'branchId' | 'partnerId' | 'userId'>): string {
  switch (actor.role) {
    case 'HQ_ADMIN':
      return 'HQ';
    case 'BRANCH_MANAGER':
      return `BM:${actor.branchId ?? '-'}`;
    case 'PARTNER_COORDINATOR':
      return `PC:${actor.partnerId ?? '-'}`;
    default:
      return `U:${actor.userId}`;
  }
}

/** Seconds each kind of answer is kept. */
export const CACHE_TTL = {
  kpi: 5 * 60,
  assignableInstallers: 60,
  customer: 30 * 60,
  wasteCodes: 60 * 60,
  /** the order list (FR-03): invalidated by every write of its scopes; the TTL bounds memory and writes made
   * outside a request transaction */
  orderList: 60,
} as const;
