// `npm run docs:roles`: re-renders the role × action matrix and the workflow tables of docs/api.md from domain/.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGeneratedSections } from './api-doc-tables.js';

export const apiDocPath = join(import.meta.dirname, '..', '..', 'docs', 'api.md');

const before = readFileSync(apiDocPath, 'utf8');
const after = renderGeneratedSections(before);
if (after !== before) writeFileSync(apiDocPath, after);
console.log(after === before ? 'docs/api.md is up to date' : 'docs/api.md updated');
