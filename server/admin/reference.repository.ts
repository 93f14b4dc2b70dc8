import { queryParams } from '../db/query-params.js';
import type { Tx } from '../db/transaction.js';

/** The SQL side of one reference table (reference.service.ts REFERENCE_SPECS adds the request schemas). */
export interface ReferenceTable {
  table: string;
  /** the key column and the request field that names it */
  key: { column: string; field: string };
  /** request field → column (besides key, version, is_active) */
  columns: Record<string, string>;
  /** has is_active (deactivate/activate; else the rows are deleted) */
  activatable: boolean;
  orderBy: string;
}

export type ReferenceRow = { version: number } & Record<string, unknown>;

function selectList(t: ReferenceTable): string {
  const cols = [
    t.key.column === 'id' ? 'id' : null,
    ...Object.entries(t.columns).map(([f, c]) => `${c} AS "${f}"`),
    t.key.column !== 'id' && !(t.key.field in t.columns) ? `${t.key.column} AS "${t.key.field}"` : null,
    t.activatable ? 'is_active AS "isActive"' : null,
    'version',
    'created_at AS "createdAt"',
    'updated_at AS "updatedAt"',
  ];
  return cols.filter(Boolean).join(', ');
}

/** The rows in the table's order; `active` only for an activatable table, `equal` as column → value. */
export async function listRows(
  tx: Tx,
  t: ReferenceTable,
  f: { active?: boolean; equal: [column: string, value: unknown][] },
): Promise<ReferenceRow[]> {
  const { values, p } = queryParams();
  const where: string[] = [];
  if (f.active !== undefined && t.activatable) where.push(`is_active = ${p(f.active)}`);
  for (const [column, value] of f.equal) where.push(`${column} = ${p(value)}`);
  const { rows } = await tx.query<ReferenceRow>(
    `SELECT ${selectList(t)} FROM ${t.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${t.orderBy}`,
    values,
  );
  return rows;
}

export async function findRow(tx: Tx, t: ReferenceTable, key: string, lock = false): Promise<ReferenceRow | undefined> {
  const { rows } = await tx.query<ReferenceRow>(
    `SELECT ${selectList(t)} FROM ${t.table} WHERE ${t.key.column} = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [key],
  );
  return rows[0];
}

/** `values` by request field (the key field included when the caller chooses the key); answers the new key. */
export async function insertRow(tx: Tx, t: ReferenceTable, values: Record<string, unknown>): Promise<string> {
  const fields = Object.keys(values);
  const columns = fields.map((f) => (f === t.key.field ? t.key.column : t.columns[f]!));
  const { rows } = await tx.query<{ key: unknown }>(
    `INSERT INTO ${t.table}(${columns.join(', ')}) VALUES (${fields.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING ${t.key.column} AS key`,
    fields.map((f) => values[f]),
  );
  return String(rows[0]!.key);
}

/** `changes` by request field, written at `version`. */
export async function updateRow(
  tx: Tx,
  t: ReferenceTable,
  key: string,
  version: number,
  changes: Record<string, unknown>,
): Promise<void> {
  const fields = Object.keys(changes);
  await tx.query(
    `UPDATE ${t.table} SET ${fields.map((f, i) => `${t.columns[f]} = $${i + 3}`).join(', ')}
      WHERE ${t.key.column} = $1 AND version = $2`,
    [key, version, ...fields.map((f) => changes[f])],
  );
}

export async function setRowActive(
  tx: Tx,
  t: ReferenceTable,
  key: string,
  version: number,
  active: boolean,
): Promise<void> {
  await tx.query(`UPDATE ${t.table} SET is_active = $3 WHERE ${t.key.column} = $1 AND version = $2`, [
    key,
    version,
    active,
  ]);
}

export async function deleteRow(tx: Tx, t: ReferenceTable, key: string, version: number): Promise<void> {
  await tx.query(`DELETE FROM ${t.table} WHERE ${t.key.column} = $1 AND version = $2`, [key, version]);
}

/** Whether a branch or partner is active; undefined when there is none with this id. */
export async function isActive(tx: Tx, table: 'branches' | 'partners', id: string): Promise<boolean | undefined> {
  const { rows } = await tx.query<{ isActive: boolean }>(`SELECT is_active AS "isActive" FROM ${table} WHERE id = $1`, [
    id,
  ]);
  return rows[0]?.isActive;
}
