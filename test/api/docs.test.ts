import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS, type Action, ROLES, type Role } from '../../domain/roles.js';
import { renderGeneratedSections } from '../../server/docs/api-doc-tables.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api.md'), 'utf8');

describe('docs/api.md', () => {
  it('prints the current role × action matrix and workflow tables (run `npm run docs:roles` after changing domain/)', () => {
    expect(doc).toBe(renderGeneratedSections(doc));
  });

  it('the matrix row of every action marks exactly the roles domain/roles.ts gives it', () => {
    for (const action of Object.keys(ACTIONS) as Action[]) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${action}\` |`));
      expect(row, action).toBeDefined();
      const cells = row!
        .split('|')
        .slice(2, 2 + ROLES.length)
        .map((c) => c.trim());
      expect(cells, action).toEqual(ROLES.map((r) => ((ACTIONS[action] as readonly Role[]).includes(r) ? '✓' : '·')));
    }
  });
});
