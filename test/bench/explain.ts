// Replays a recorded statement under EXPLAIN (ANALYZE, BUFFERS) and boils the plan down to what tells where
// the time goes: planning vs execution, which nodes, index-only or not, heap fetches, partitions touched.
import type pg from 'pg';
import { type ExplainJson, explainJson, type PlanMode, type PlanNode } from '../support/explain.js';
import type { RecordedStatement } from '../support/sql-probe.js';

export interface PlanSummary {
  planningMs: number;
  executionMs: number;
  jitMs: number;
  /** node types outermost first, identical siblings counted */
  shape: string;
  scans: { type: string; relation: string; index?: string; heapFetches?: number; rows: number }[];
  indexOnly: boolean;
  heapFetches: number;
  relations: number;
  subplansRemoved: number;
  sharedHit: number;
  sharedRead: number;
  rowsRemovedByFilter: number;
  /** parallel workers started: processes of their own, whose CPU bench:api's per-request figure cannot see */
  workersLaunched: number;
}

/**
 * Runs `st` under EXPLAIN on `client` (already inside the caller's transaction with its context set).
 * generic: PREPARE + EXECUTE under the session's plan_cache_mode, i.e. the plan the server gets with
 * force_generic_plan; custom: the statement with its values bound, planned for those values.
 */
export async function explain(client: pg.ClientBase, st: RecordedStatement, mode: PlanMode): Promise<PlanSummary> {
  // the first run on a connection pays catalog-cache misses the server's long-lived connections do not
  await explainOnce(client, st, mode);
  return explainOnce(client, st, mode);
}

async function explainOnce(client: pg.ClientBase, st: RecordedStatement, mode: PlanMode): Promise<PlanSummary> {
  return summarise(await explainJson(client, st, mode));
}

function summarise(j: ExplainJson): PlanSummary {
  const scans: PlanSummary['scans'] = [];
  let subplansRemoved = 0;
  let rowsRemovedByFilter = 0;
  let workersLaunched = 0;
  const walk = (n: PlanNode) => {
    if (n['Relation Name']) {
      scans.push({
        type: n['Node Type'],
        relation: n['Relation Name'],
        index: n['Index Name'],
        heapFetches: n['Heap Fetches'],
        rows: (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1),
      });
    }
    subplansRemoved += n['Subplans Removed'] ?? 0;
    rowsRemovedByFilter += (n['Rows Removed by Filter'] ?? 0) * (n['Actual Loops'] ?? 1);
    workersLaunched += n['Workers Launched'] ?? 0;
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(j.Plan);
  const bigScans = scans.filter((s) => !SMALL_TABLES.has(s.relation));
  return {
    planningMs: j['Planning Time'] ?? 0,
    executionMs: j['Execution Time'],
    jitMs: j.JIT?.Timing?.Total ?? 0,
    shape: shape(j.Plan),
    scans,
    indexOnly: bigScans.length > 0 && bigScans.every((s) => s.type === 'Index Only Scan'),
    heapFetches: scans.reduce((a, s) => a + (s.heapFetches ?? 0), 0),
    relations: new Set(bigScans.map((s) => s.relation)).size,
    subplansRemoved,
    sharedHit: j.Plan['Shared Hit Blocks'] ?? 0,
    sharedRead: j.Plan['Shared Read Blocks'] ?? 0,
    rowsRemovedByFilter,
    workersLaunched,
  };
}

/** Lookup tables whose scans say nothing about the FR query's access path. */
const SMALL_TABLES = new Set(['branches', 'installers', 'waste_codes', 'users', 'partners', 'reason_codes']);

function shape(n: PlanNode, depth = 0): string {
  if (depth > 6) return '…';
  const label = (x: PlanNode) => {
    const on = x['Index Name'] ?? x['Relation Name'];
    return on ? `${x['Node Type']} (${partitionless(on)})` : x['Node Type'];
  };
  const kids = n.Plans ?? [];
  if (!kids.length) return label(n);
  // identical children (one per partition) collapse into "N× …"
  const groups = new Map<string, number>();
  for (const k of kids) {
    const s = shape(k, depth + 1);
    groups.set(s, (groups.get(s) ?? 0) + 1);
  }
  const inner = [...groups].map(([s, c]) => (c > 1 ? `${c}× ${s}` : s)).join(' + ');
  return `${label(n)} → ${groups.size > 1 ? `[${inner}]` : inner}`;
}

/** orders_2025_03_branch_id_status_created_at_idx → orders_*_branch_id_status_created_at_idx */
function partitionless(name: string): string {
  return name.replace(/_(\d{4}_\d{2}|default)(?=_|$)/, '_*');
}

export function describePlan(p: PlanSummary): string {
  const parts = [
    `plan ${p.planningMs.toFixed(1)} + exec ${p.executionMs.toFixed(1)} ms`,
    p.jitMs ? `JIT ${p.jitMs.toFixed(0)} ms` : '',
    `${p.relations} relation${p.relations === 1 ? '' : 's'} read`,
    p.subplansRemoved ? `${p.subplansRemoved} pruned at run time` : '',
    p.indexOnly ? 'index-only' : 'not index-only',
    `heap fetches ${p.heapFetches}`,
    p.rowsRemovedByFilter ? `rows removed by filter ${p.rowsRemovedByFilter}` : '',
    p.workersLaunched ? `${p.workersLaunched} parallel workers` : '',
    `buffers hit ${p.sharedHit} read ${p.sharedRead}`,
  ];
  return parts.filter(Boolean).join(', ');
}
