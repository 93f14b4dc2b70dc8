// Runs a statement the server sent under EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) the way the server's
// connection plans it: PREPARE + EXECUTE under the session's plan_cache_mode (the app pool forces generic
// plans), or with its values bound (a custom plan). Shared by the plan tests and the bench.
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { RecordedStatement } from './sql-probe.js';

// node-pg's own conversion of JS values to parameter text (arrays, dates, JSON), so a replay binds exactly what
// the server bound
const prepareValue = createRequire(import.meta.url)('pg/lib/utils.js').prepareValue as (v: unknown) => unknown;

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Heap Fetches'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Subplans Removed'?: number;
  'Parent Relationship'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Filter?: string;
  'Rows Removed by Filter'?: number;
  /** Gather / Gather Merge: parallel worker processes started */
  'Workers Launched'?: number;
  Plans?: PlanNode[];
}

export interface ExplainJson {
  Plan: PlanNode;
  'Planning Time'?: number;
  'Execution Time': number;
  JIT?: { Functions?: number; Timing?: { Total?: number } };
}

export type PlanMode = 'generic' | 'custom';

/**
 * `st` under EXPLAIN on `client` (inside the caller's transaction, its context set). generic: PREPARE +
 * EXECUTE under the session's plan_cache_mode — with force_generic_plan, the plan the server gets; custom: the
 * statement with its values bound, planned for those values.
 */
export async function explainJson(client: pg.ClientBase, st: RecordedStatement, mode: PlanMode): Promise<ExplainJson> {
  const opts = 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)';
  if (mode === 'custom' || st.values.length === 0) {
    const { rows } = await client.query({ text: `${opts} ${st.text}`, values: st.values });
    return rows[0]['QUERY PLAN'][0];
  }
  await client.query(`PREPARE explain_replay AS ${st.text}`);
  try {
    const args = st.values.map((v) => {
      const p = prepareValue(v);
      return p === null || p === undefined ? 'NULL' : client.escapeLiteral(String(p));
    });
    const { rows } = await client.query(`${opts} EXECUTE explain_replay(${args.join(', ')})`);
    return rows[0]['QUERY PLAN'][0];
  } finally {
    await client.query('DEALLOCATE explain_replay');
  }
}

/** Every node of a plan, outermost first. */
export function planNodes(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  out.push(node);
  for (const child of node.Plans ?? []) planNodes(child, out);
  return out;
}
