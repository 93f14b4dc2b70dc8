/**
 * Values written into a statement as literals, for statements that must be planned for their values: the app
 * pool runs with plan_cache_mode = force_generic_plan (pool.ts), which PostgreSQL applies to unnamed statements of
 * the extended protocol too, so a parameterised search is planned without its values (a generic plan cannot tell
 * a status held by 119 orders from one held by 183,000, or prune a created-at range at planning). A statement
 * sent without parameters is planned for the constants it holds whatever that setting says, in the round trip
 * that runs it, and changes nothing for the transaction's later statements (SET LOCAL plan_cache_mode would
 * need two more round trips and must be undone for the named statements after it).
 *
 * `p(value)` answers the value's literal: strings through the connection's escapeLiteral (as the request context
 * is written, server/db/transaction.ts), finite numbers as they are, arrays as ARRAY[…]; the statement's own casts
 * give the types, as they do for parameters.
 */
export function literalParams(escapeLiteral: (s: string) => string): {
  values: never[];
  p: (value: unknown) => string;
} {
  const literal = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'string') return escapeLiteral(v);
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (v instanceof Date) return escapeLiteral(v.toISOString());
    if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(', ')}]`;
    throw new TypeError(`no literal for a value of type ${typeof v}`);
  };
  return { values: [], p: literal };
}
