// Reference data administered by HQ (admin.reference): branches, partners, reason codes, waste codes and the
// item-to-skill mapping. One generic implementation over a table description each: list, create, update at a
// version, (de)activate — or delete, for the skill rules, which have no active flag. Writes are audited by the
// audit trigger and invalidate cached answers through the cache triggers (migration 0021, scope "ref").
import { z } from 'zod';
import { phone, version } from '../../domain/order-schemas.js';
import { REASON_CODE_PREFIX, REASON_TYPES, type ReasonType } from '../../domain/order-status.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, ValidationError, VersionConflictError } from '../http/errors.js';
import { parse } from '../http/validate.js';

type Shape = z.ZodRawShape;

export interface ReferenceSpec {
  /** path segment under /api/admin */
  path: string;
  /** NotFoundError entity (errors.notFound.<entity>) */
  entity: string;
  table: string;
  /** the key column and the path parameter's schema */
  key: { column: string; field: string; schema: z.ZodType<string> };
  /** request field → column (besides key, version, is_active) */
  columns: Record<string, string>;
  create: z.ZodObject<Shape>;
  patch: z.ZodObject<Shape>;
  /** has is_active: deactivate/activate; else delete */
  activatable: boolean;
  orderBy: string;
  /** list filters: query field → column (exact match) */
  filters?: Record<string, { column: string; schema: z.ZodType<string> }>;
}

const uuidKey = { column: 'id', field: 'id', schema: z.uuid() };
const activeFilter = z.enum(['true', 'false']).optional();
const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

const timezone = z
  .string()
  .trim()
  .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', { message: 'unknown time zone' });

const branchCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,9}$/));

const reasonCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[CPA][0-9]{2,9}$/));

const wasteCodeKey = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z][0-9]{2,3}$/));

const itemPrefix = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,29}$/));

export const skillTag = z
  .string()
  .trim()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,29}$/));

const email = z.email().max(120);

export const REFERENCE_SPECS: ReferenceSpec[] = [
  {
    path: 'branches',
    entity: 'branch',
    table: 'branches',
    key: uuidKey,
    columns: { code: 'code', name: 'name', region: 'region', timezone: 'timezone' },
    create: z
      .object({ code: branchCode, name: text(120), region: optionalText(50), timezone: timezone.default('Asia/Seoul') })
      .strict(),
    patch: z
      .object({
        version,
        code: branchCode.optional(),
        name: text(120).optional(),
        region: optionalText(50),
        timezone: timezone.optional(),
      })
      .strict(),
    activatable: true,
    orderBy: 'code',
  },
  {
    path: 'partners',
    entity: 'partner',
    table: 'partners',
    key: uuidKey,
    columns: { code: 'code', name: 'name', contactName: 'contact_name', phone: 'phone', email: 'email' },
    create: z
      .object({
        code: branchCode,
        name: text(120),
        contactName: optionalText(120),
        phone: phone.nullable().optional(),
        email: email.nullable().optional(),
      })
      .strict(),
    patch: z
      .object({
        version,
        code: branchCode.optional(),
        name: text(120).optional(),
        contactName: optionalText(120),
        phone: phone.nullable().optional(),
        email: email.nullable().optional(),
      })
      .strict(),
    activatable: true,
    orderBy: 'code',
  },
  {
    path: 'reason-codes',
    entity: 'reasonCode',
    table: 'reason_codes',
    key: uuidKey,
    columns: { type: 'type', code: 'code', descriptionKo: 'description_ko', descriptionEn: 'description_en' },
    create: z
      .object({
        type: z.enum(REASON_TYPES as [ReasonType, ...ReasonType[]]),
        code: reasonCode,
        descriptionKo: text(100),
        descriptionEn: text(100),
      })
      .strict()
      .refine((r) => r.code.startsWith(REASON_CODE_PREFIX[r.type]), {
        message: 'the code must start with the letter of its type (C cancel, P postpone, A absence)',
        path: ['code'],
      }),
    // the type and code of a reason stay: history rows refer to the code
    patch: z.object({ version, descriptionKo: text(100).optional(), descriptionEn: text(100).optional() }).strict(),
    activatable: true,
    orderBy: 'type, code',
    filters: { type: { column: 'type', schema: z.enum(REASON_TYPES as [ReasonType, ...ReasonType[]]) } },
  },
  {
    path: 'waste-codes',
    entity: 'wasteCode',
    table: 'waste_codes',
    key: { column: 'code', field: 'code', schema: wasteCodeKey },
    columns: { nameKo: 'name_ko', nameEn: 'name_en' },
    create: z.object({ code: wasteCodeKey, nameKo: text(60), nameEn: text(60) }).strict(),
    patch: z.object({ version, nameKo: text(60).optional(), nameEn: text(60).optional() }).strict(),
    activatable: true,
    orderBy: 'code',
  },
  {
    path: 'item-skill-rules',
    entity: 'itemSkillRule',
    table: 'item_skill_rules',
    key: uuidKey,
    columns: { itemPrefix: 'item_prefix', skillTag: 'skill_tag', requiresSerial: 'requires_serial' },
    create: z.object({ itemPrefix, skillTag, requiresSerial: z.boolean().default(false) }).strict(),
    patch: z
      .object({
        version,
        itemPrefix: itemPrefix.optional(),
        skillTag: skillTag.optional(),
        requiresSerial: z.boolean().optional(),
      })
      .strict(),
    activatable: false,
    orderBy: 'item_prefix',
  },
];

function selectList(spec: ReferenceSpec): string {
  const cols = [
    spec.key.column === 'id' ? 'id' : null,
    ...Object.entries(spec.columns).map(([f, c]) => `${c} AS "${f}"`),
    spec.key.column !== 'id' && !(spec.key.field in spec.columns) ? `${spec.key.column} AS "${spec.key.field}"` : null,
    spec.activatable ? 'is_active AS "isActive"' : null,
    'version',
    'created_at AS "createdAt"',
    'updated_at AS "updatedAt"',
  ];
  return cols.filter(Boolean).join(', ');
}

const listQuery = (spec: ReferenceSpec) =>
  z
    .object({
      active: activeFilter,
      ...Object.fromEntries(Object.entries(spec.filters ?? {}).map(([f, d]) => [f, d.schema.optional()])),
    })
    .strict();

export async function listReference(tx: Tx, actor: Actor, spec: ReferenceSpec, query: unknown) {
  authorize(actor, 'admin.reference');
  const q = parse(listQuery(spec), query) as Record<string, string | undefined>;
  const params: unknown[] = [];
  const where: string[] = [];
  if (q.active !== undefined && spec.activatable) {
    params.push(q.active === 'true');
    where.push(`is_active = $${params.length}`);
  }
  for (const [f, d] of Object.entries(spec.filters ?? {})) {
    if (q[f] === undefined) continue;
    params.push(q[f]);
    where.push(`${d.column} = $${params.length}`);
  }
  const { rows } = await tx.query(
    `SELECT ${selectList(spec)} FROM ${spec.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${spec.orderBy}`,
    params,
  );
  return { items: rows };
}

async function findRow(tx: Tx, spec: ReferenceSpec, key: string, lock = false) {
  const { rows } = await tx.query<{ version: number } & Record<string, unknown>>(
    `SELECT ${selectList(spec)} FROM ${spec.table} WHERE ${spec.key.column} = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [key],
  );
  return rows[0];
}

async function requireRow(tx: Tx, spec: ReferenceSpec, rawKey: unknown) {
  const key = parse(spec.key.schema, rawKey, spec.key.field);
  const row = await findRow(tx, spec, key, true);
  if (!row) throw new NotFoundError(spec.entity, { field: spec.key.field });
  return { key, row };
}

export async function createReference(tx: Tx, actor: Actor, spec: ReferenceSpec, body: unknown) {
  authorize(actor, 'admin.reference');
  const input = parse(spec.create, body) as Record<string, unknown>;
  const fields = Object.keys(input).filter((f) => input[f] !== undefined);
  const columns = fields.map((f) => (f === spec.key.field ? spec.key.column : spec.columns[f]!));
  const { rows } = await tx.query<Record<string, unknown>>(
    `INSERT INTO ${spec.table}(${columns.join(', ')}) VALUES (${fields.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING ${spec.key.column} AS key`,
    fields.map((f) => input[f]),
  );
  return findRow(tx, spec, String(rows[0]!.key));
}

export async function updateReference(tx: Tx, actor: Actor, spec: ReferenceSpec, rawKey: unknown, body: unknown) {
  authorize(actor, 'admin.reference');
  const { version: v, ...changes } = parse(spec.patch, body) as Record<string, unknown> & { version: number };
  const fields = Object.keys(changes).filter((f) => changes[f] !== undefined);
  if (fields.length === 0) throw new ValidationError('body', 'errors.emptyPatch');
  const { key, row } = await requireRow(tx, spec, rawKey);
  if (row.version !== v) throw new VersionConflictError(row);
  await tx.query(
    `UPDATE ${spec.table} SET ${fields.map((f, i) => `${spec.columns[f]} = $${i + 3}`).join(', ')}
      WHERE ${spec.key.column} = $1 AND version = $2`,
    [key, v, ...fields.map((f) => changes[f])],
  );
  return findRow(tx, spec, key);
}

export const versionBody = z.object({ version }).strict();
export const versionQuery = z.object({ version: z.coerce.number().pipe(version) }).strict();

export async function setReferenceActive(
  tx: Tx,
  actor: Actor,
  spec: ReferenceSpec,
  rawKey: unknown,
  body: unknown,
  active: boolean,
) {
  authorize(actor, 'admin.reference');
  const { version: v } = parse(versionBody, body);
  const { key, row } = await requireRow(tx, spec, rawKey);
  if (row.version !== v) throw new VersionConflictError(row);
  await tx.query(`UPDATE ${spec.table} SET is_active = $3 WHERE ${spec.key.column} = $1 AND version = $2`, [
    key,
    v,
    active,
  ]);
  return findRow(tx, spec, key);
}

export async function deleteReference(tx: Tx, actor: Actor, spec: ReferenceSpec, rawKey: unknown, query: unknown) {
  authorize(actor, 'admin.reference');
  const { version: v } = parse(versionQuery, query);
  const { key, row } = await requireRow(tx, spec, rawKey);
  if (row.version !== v) throw new VersionConflictError(row);
  await tx.query(`DELETE FROM ${spec.table} WHERE ${spec.key.column} = $1 AND version = $2`, [key, v]);
}
