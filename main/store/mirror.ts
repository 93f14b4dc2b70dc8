// Rows travel as JSON objects with the database's column names (SyncRow). SQLite stores them column by column so
// the UI can query and index them; the declared column type says how a value maps (see db/client/001_mirror.sql).
import { ENTITY_KEY, SYNC_ENTITIES, type SyncEntity, type SyncRow } from '../../domain/sync-protocol.js';
import type { Db } from './database.js';

type ColumnKind = 'TEXT' | 'INTEGER' | 'REAL' | 'JSONTEXT' | 'BOOLEAN';
interface Column {
  name: string;
  kind: ColumnKind;
}

export interface EntityTable {
  entity: SyncEntity;
  key: string;
  columns: Column[];
  versioned: boolean;
}

function kindOf(declared: string): ColumnKind {
  const t = declared.toUpperCase();
  if (t === 'TEXT' || t === 'INTEGER' || t === 'REAL' || t === 'JSONTEXT' || t === 'BOOLEAN') return t;
  throw new Error(`client schema: unsupported column type ${declared}`);
}

function toSqlite(c: Column, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (c.kind) {
    case 'JSONTEXT':
      return JSON.stringify(v);
    case 'BOOLEAN':
      return v ? 1 : 0;
    case 'INTEGER':
    case 'REAL':
      return typeof v === 'string' ? Number(v) : v;
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

function fromSqlite(c: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.kind) {
    case 'JSONTEXT':
      return JSON.parse(v as string);
    case 'BOOLEAN':
      return v === 1 || v === true;
    default:
      return v;
  }
}

/** Reads and writes of the mirrored tables, statements prepared once per database. */
export class Mirror {
  readonly tables: Record<SyncEntity, EntityTable>;
  private readonly upsertNewer = new Map<SyncEntity, import('better-sqlite3').Statement>();
  private readonly put = new Map<SyncEntity, import('better-sqlite3').Statement>();
  private readonly del = new Map<SyncEntity, import('better-sqlite3').Statement>();
  private readonly get = new Map<SyncEntity, import('better-sqlite3').Statement>();

  constructor(private readonly db: Db) {
    const tables = {} as Record<SyncEntity, EntityTable>;
    for (const entity of SYNC_ENTITIES) {
      const info = db.pragma(`table_info(${entity})`) as { name: string; type: string }[];
      if (info.length === 0) throw new Error(`client schema: table ${entity} is missing`);
      const columns = info.map((c) => ({ name: c.name, kind: kindOf(c.type) }));
      const key = ENTITY_KEY[entity];
      const versioned = columns.some((c) => c.name === 'version');
      tables[entity] = { entity, key, columns, versioned };
      const names = columns.map((c) => c.name);
      const insert = `INSERT INTO ${entity} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
      const set = names
        .filter((n) => n !== key)
        .map((n) => `${n} = excluded.${n}`)
        .join(', ');
      // An older version never replaces a newer one: a pull page and a push answer may arrive in either order.
      const guard = versioned ? ` WHERE excluded.version >= ${entity}.version OR ${entity}.version IS NULL` : '';
      this.upsertNewer.set(entity, db.prepare(`${insert} ON CONFLICT(${key}) DO UPDATE SET ${set}${guard}`));
      this.put.set(entity, db.prepare(`${insert} ON CONFLICT(${key}) DO UPDATE SET ${set}`));
      this.del.set(entity, db.prepare(`DELETE FROM ${entity} WHERE ${key} = ?`));
      this.get.set(entity, db.prepare(`SELECT * FROM ${entity} WHERE ${key} = ?`));
    }
    this.tables = tables;
  }

  private values(entity: SyncEntity, row: SyncRow): unknown[] {
    return this.tables[entity].columns.map((c) => toSqlite(c, row[c.name]));
  }

  /** Pull: write the row unless the mirror already holds a newer version. */
  upsertIfNewer(entity: SyncEntity, row: SyncRow): void {
    this.upsertNewer.get(entity)!.run(...this.values(entity, row));
  }

  /** Local writes and rebases: the row as given. */
  write(entity: SyncEntity, row: SyncRow): void {
    this.put.get(entity)!.run(...this.values(entity, row));
  }

  remove(entity: SyncEntity, id: string): void {
    this.del.get(entity)!.run(id);
  }

  read(entity: SyncEntity, id: string): SyncRow | null {
    const r = this.get.get(entity)!.get(id) as Record<string, unknown> | undefined;
    return r ? this.decode(entity, r) : null;
  }

  decode(entity: SyncEntity, r: Record<string, unknown>): SyncRow {
    const out: SyncRow = {};
    for (const c of this.tables[entity].columns) out[c.name] = fromSqlite(c, r[c.name]);
    return out;
  }

  /** Every row of a table as JSON rows (checksums, tests). */
  readAll(entity: SyncEntity): SyncRow[] {
    const rows = this.db.prepare(`SELECT * FROM ${entity} ORDER BY ${this.tables[entity].key}`).all() as Record<
      string,
      unknown
    >[];
    return rows.map((r) => this.decode(entity, r));
  }
}
