import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

const names = new Map<string, string>();

/**
 * A named (prepared) statement for a query of fixed text. Every connection of the app pool runs with
 * plan_cache_mode = force_generic_plan (see pool.ts), so a named statement is planned once per connection:
 * planning is what costs on the partitioned tables under row-level security (every partition of orders appears
 * in each policy's sub-plan), while their run-time partition pruning keeps the generic plan as fast as a custom
 * one. Use it for lookups by key; leave searches with selective, varying filters unnamed (planned per call).
 */
export function prepared(text: string, values: unknown[]): QueryConfig {
  let name = names.get(text);
  if (!name) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values };
}
