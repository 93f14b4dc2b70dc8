// The order's one definition (domain/order-fields.ts, domain/order-status.ts) against what it describes: the
// PostgreSQL table and its CHECK constraint, the client's SQLite mirror, the message catalogues and the API
// description. A column, a status or a header added in one place and not the other fails here.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';
import {
  fieldDef,
  fieldsWhere,
  ORDER_COLUMNS,
  ORDER_FIELD_NAMES,
  orderColumn,
  SERVER_ONLY_COLUMNS,
} from '../../domain/order-fields.js';
import { orderCreate, orderPatch } from '../../domain/order-schemas.js';
import {
  INITIAL_STATUS,
  ORDER_STATUSES,
  STATUS_RULES,
  statusChangeProblem,
  statusRule,
  TRANSITIONS,
} from '../../domain/order-status.js';
import { openDatabase } from '../../main/store/database.js';
import { ORDER_EXPORT_COLUMNS, orderColumnTitle } from '../../server/exports/order-export-columns.js';
import { apiRouteDocs } from '../../server/openapi/api-routes.js';
import { buildOpenApiDocument } from '../../server/openapi/document.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('the order fields (domain/order-fields.ts)', () => {
  it('name every column of the orders table, and only columns it has', async () => {
    const { rows } = await db.owner.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'orders'`,
    );
    const table = rows.map((r) => r.column_name).sort();
    const described = [...fieldsWhere((d) => d.pg !== null).map((f) => fieldDef(f).pg!), ...SERVER_ONLY_COLUMNS].sort();
    expect(described).toEqual(table);
  });

  it("name every column of the client's mirror of orders", () => {
    const mirror = openDatabase(join(mkdtempSync(join(tmpdir(), 'definition-')), 'client.db'));
    try {
      const columns = (mirror.pragma('table_info(orders)') as { name: string }[]).map((c) => c.name).sort();
      const described = fieldsWhere((d) => d.sqlite !== null)
        .map((f) => fieldDef(f).sqlite!)
        .sort();
      expect(described).toEqual(columns);
    } finally {
      mirror.close();
    }
  });

  it('give each grid and export column a header in Korean and English', () => {
    for (const c of ORDER_EXPORT_COLUMNS) {
      for (const locale of ['ko', 'en'] as const) {
        expect(orderColumnTitle(locale, c.key), `${locale} ${c.key}`).toMatch(/\S/);
      }
    }
    const grid = ORDER_COLUMNS.map((c) => c.key);
    expect(ORDER_EXPORT_COLUMNS.map((c) => c.key).filter((k) => (grid as string[]).includes(k))).toEqual(grid);
  });

  it('make the write schemas: a clerk edits exactly the fields with a patch schema', () => {
    expect(Object.keys(orderPatch.shape).sort()).toEqual(
      ['version', ...fieldsWhere((d) => d.patch !== undefined)].sort(),
    );
    expect(Object.keys(orderCreate.shape).sort()).toEqual(
      ['lines', ...fieldsWhere((d) => d.create !== undefined)].sort(),
    );
    // every editable grid cell writes a field a clerk may edit
    for (const c of ORDER_COLUMNS.filter((c) => c.edit)) expect(fieldDef(c.field).patch, c.key).toBeDefined();
    expect(orderColumn('city').field).toBe('address');
  });

  it('are the API description of an order', () => {
    const doc = buildOpenApiDocument(apiRouteDocs(), { version: 'test' }) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const described = Object.keys(doc.components.schemas.Order!.properties).sort();
    expect(described).toEqual(ORDER_FIELD_NAMES.filter((f) => !fieldDef(f).listOnly).sort());
  });
});

describe('the status rules (domain/order-status.ts)', () => {
  it('are the statuses chk_order_status allows, and a new order starts in the first', async () => {
    const { rows } = await db.owner.query<{ def: string; dflt: string }>(
      `SELECT pg_get_constraintdef(c.oid) AS def,
              (SELECT column_default FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = 'orders' AND column_name = 'status') AS dflt
         FROM pg_constraint c WHERE c.conname = 'chk_order_status' AND c.conrelid = 'orders'::regclass`,
    );
    const allowed = [...rows[0]!.def.matchAll(/'([^']+)'::/g)].map((m) => m[1]);
    expect([...allowed].sort()).toEqual([...ORDER_STATUSES].sort());
    expect(rows[0]!.dflt).toContain(`'${INITIAL_STATUS}'`);
  });

  it('name only statuses of the table, and every status has its words in both catalogues', () => {
    for (const s of ORDER_STATUSES) {
      for (const next of TRANSITIONS[s]) expect(ORDER_STATUSES, `${s} → ${next}`).toContain(next);
      expect(ko.status[s], s).toBeTruthy();
      expect(en.status[s], s).toBeTruthy();
    }
    expect(Object.keys(STATUS_RULES)).toEqual(ORDER_STATUSES);
  });

  it('refuse what the rows say: a date for 연기, a reason of its type, 의뢰취소 to HQ only', () => {
    const base = { from: '출문', hasInstaller: true } as const;
    expect(statusChangeProblem({ ...base, role: 'BRANCH_MANAGER', to: '연기', reasonCode: 'P01' })).toMatchObject({
      field: 'appointmentDate',
    });
    expect(
      statusChangeProblem({ ...base, role: 'INSTALLER', to: '부재', reasonCode: 'C01', appointmentDate: undefined }),
    ).toMatchObject({ field: 'reasonCode', code: 'REASON_CODE' });
    expect(statusChangeProblem({ ...base, role: 'BRANCH_MANAGER', to: '인수' })).toBeNull();
    expect(
      statusChangeProblem({ role: 'BRANCH_MANAGER', from: '미배정', to: '의뢰취소', hasInstaller: false }),
    ).toMatchObject({ kind: 'forbidden' });
    expect(statusChangeProblem({ role: 'HQ_ADMIN', from: '미배정', to: '의뢰취소', hasInstaller: false })).toBeNull();
    // a rule read from its row, not a name: every status needing a new appointment refuses a change without one
    for (const to of ORDER_STATUSES.filter((s) => statusRule(s).newAppointment)) {
      const from = ORDER_STATUSES.find((s) => TRANSITIONS[s].includes(to))!;
      const reasonCode = statusRule(to).reason ? 'P01' : undefined;
      expect(statusChangeProblem({ role: 'HQ_ADMIN', from, to, reasonCode, hasInstaller: true })?.field).toBe(
        'appointmentDate',
      );
    }
  });
});
