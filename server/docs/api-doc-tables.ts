// The tables of docs/api.md that restate domain/ rules, rendered from domain/ so they cannot drift:
// `npm run docs:roles` rewrites them, test/api/docs.test.ts fails when the file is stale.
import {
  ORDER_STATUSES,
  REASON_REQUIRED,
  roleMaySetStatus,
  STATUS_CODE,
  TRANSITIONS,
} from '../../domain/order-status.js';
import { ACTIONS, type Action, ROLES, type Role } from '../../domain/roles.js';

const yes = '✓';
const no = '·';

export function roleMatrixMarkdown(): string {
  const head = `| action | ${ROLES.join(' | ')} |\n| --- | ${ROLES.map(() => ':---:').join(' | ')} |`;
  const rows = (Object.keys(ACTIONS) as Action[]).map(
    (action) =>
      `| \`${action}\` | ${ROLES.map((r) => ((ACTIONS[action] as readonly Role[]).includes(r) ? yes : no)).join(' | ')} |`,
  );
  return [head, ...rows].join('\n');
}

export function workflowMarkdown(): string {
  const head = '| from | code | to | reason code needed for |\n| --- | --- | --- | --- |';
  const rows = ORDER_STATUSES.map((from) => {
    const to = TRANSITIONS[from];
    const reasons = to
      .filter((s) => REASON_REQUIRED[s])
      .map((s) => `${s}: ${REASON_REQUIRED[s]}`)
      .join(', ');
    return `| ${from} | ${STATUS_CODE[from]} | ${to.length ? to.join(' · ') : '— (terminal)'} | ${reasons || '—'} |`;
  });
  return [head, ...rows].join('\n');
}

export function statusTargetsMarkdown(): string {
  const head = `| target status | ${ROLES.join(' | ')} |\n| --- | ${ROLES.map(() => ':---:').join(' | ')} |`;
  const rows = ORDER_STATUSES.map(
    (s) => `| ${s} | ${ROLES.map((r) => (roleMaySetStatus(r, s) ? yes : no)).join(' | ')} |`,
  );
  return [head, ...rows].join('\n');
}

const SECTIONS: Record<string, () => string> = {
  roles: roleMatrixMarkdown,
  workflow: workflowMarkdown,
  'status-targets': statusTargetsMarkdown,
};

/** `doc` with every `<!-- generated:NAME -->…<!-- /generated:NAME -->` block rendered afresh. */
export function renderGeneratedSections(doc: string): string {
  let out = doc;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(\\n<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/api.md has no generated:${name} block`);
    out = out.replace(re, (_, open: string, close: string) => `${open}${render()}${close}`);
  }
  return out;
}
