// Reference data administered by HQ (admin.reference): branches, partners, reason codes, waste codes and the
// item-to-skill mapping. One generic implementation over a table description each: list, create, update at a
// version, (de)activate — or delete, for the skill rules, which have no active flag. Writes are audited by the
// audit trigger and invalidate cached answers through the cache triggers (migration 0021, scope "ref").
import { z } from 'zod';
import { appointmentSlots } from '../../domain/appointment-slots.js';
import { phone, version } from '../../domain/order-schemas.js';
import { REASON_CODE_PREFIX, REASON_TYPES, type ReasonType } from '../../domain/order-status.js';
import { authorize } from '../auth/authorize.js';
import type { Tx } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import { NotFoundError, RuleError, VersionConflictError } from '../http/errors.js';
import { parse, parsePatch } from '../http/validate.js';
import * as repo from './reference.repository.js';

type Shape = z.ZodRawShape;

export interface ReferenceSpec extends repo.ReferenceTable {
  /** path segment under /api/admin */
  path: string;
  /** NotFoundError entity (errors.notFound.<entity>) */
  entity: string;
  /** the key column and the path parameter's schema */
  key: repo.ReferenceTable['key'] & { schema: z.ZodType<string> };
  create: z.ZodObject<Shape>;
  patch: z.ZodType<{ version: number } & Record<string, unknown>>;
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

/**
 * The PATCH body of a table whose every create field may change: the version read, then those fields, each
 * optional. A default is for creation only, so `undefaulted` restates such a field without it.
 */
function patchOf(create: z.ZodObject<Shape>, undefaulted: Shape = {}) {
  return z.object({ version, ...create.partial().shape, ...undefaulted }).strict();
}

/** The branch's appointment slots; written as JSON (jsonb), answered as the array. */
const slotsJson = appointmentSlots.transform((list) => JSON.stringify(list));

const branchCreate = z
  .object({
    code: branchCode,
    name: text(120),
    region: optionalText(50),
    timezone: timezone.default('Asia/Seoul'),
    appointmentSlots: slotsJson.optional(),
  })
  .strict();
const partnerCreate = z
  .object({
    code: branchCode,
    name: text(120),
    contactName: optionalText(120),
    phone: phone.nullable().optional(),
    email: email.nullable().optional(),
  })
  .strict();
const skillRuleCreate = z
  .object({
    itemPrefix,
    skillTag,
    skillNameKo: optionalText(30),
    skillNameEn: optionalText(30),
    requiresSerial: z.boolean().default(false),
  })
  .strict();

export const REFERENCE_SPECS: ReferenceSpec[] = [
  {
    path: 'branches',
    entity: 'branch',
    table: 'branches',
    key: uuidKey,
    columns: {
      code: 'code',
      name: 'name',
      region: 'region',
      timezone: 'timezone',
      appointmentSlots: 'appointment_slots',
    },
    create: branchCreate,
    patch: patchOf(branchCreate, { timezone: timezone.optional() }),
    activatable: true,
    orderBy: 'code',
  },
  {
    path: 'partners',
    entity: 'partner',
    table: 'partners',
    key: uuidKey,
    columns: { code: 'code', name: 'name', contactName: 'contact_name', phone: 'phone', email: 'email' },
    create: partnerCreate,
    patch: patchOf(partnerCreate),
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
    columns: {
      itemPrefix: 'item_prefix',
      skillTag: 'skill_tag',
      skillNameKo: 'skill_name_ko',
      skillNameEn: 'skill_name_en',
      requiresSerial: 'requires_serial',
    },
    create: skillRuleCreate,
    patch: patchOf(skillRuleCreate, { requiresSerial: z.boolean().optional() }),
    activatable: false,
    orderBy: 'item_prefix',
  },
];

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
  const items = await repo.listRows(tx, spec, {
    active: q.active === undefined ? undefined : q.active === 'true',
    equal: Object.entries(spec.filters ?? {})
      .filter(([f]) => q[f] !== undefined)
      .map(([f, d]) => [d.column, q[f]]),
  });
  return { items };
}

async function requireRow(tx: Tx, spec: ReferenceSpec, rawKey: unknown) {
  const key = parse(spec.key.schema, rawKey, spec.key.field);
  const row = await repo.findRow(tx, spec, key, true);
  if (!row) throw new NotFoundError(spec.entity, { field: spec.key.field });
  return { key, row };
}

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export async function createReference(tx: Tx, actor: Actor, spec: ReferenceSpec, body: unknown) {
  authorize(actor, 'admin.reference');
  const input = parse(spec.create, body) as Record<string, unknown>;
  return repo.findRow(tx, spec, await repo.insertRow(tx, spec, defined(input)));
}

export async function updateReference(tx: Tx, actor: Actor, spec: ReferenceSpec, rawKey: unknown, body: unknown) {
  authorize(actor, 'admin.reference');
  const { version: v, changes } = parsePatch(spec.patch, body);
  const { key, row } = await requireRow(tx, spec, rawKey);
  if (row.version !== v) throw new VersionConflictError(row);
  await repo.updateRow(tx, spec, key, v, defined(changes));
  return repo.findRow(tx, spec, key);
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
  await repo.setRowActive(tx, spec, key, v, active);
  return repo.findRow(tx, spec, key);
}

export async function deleteReference(tx: Tx, actor: Actor, spec: ReferenceSpec, rawKey: unknown, query: unknown) {
  authorize(actor, 'admin.reference');
  const { version: v } = parse(versionQuery, query);
  const { key, row } = await requireRow(tx, spec, rawKey);
  if (row.version !== v) throw new VersionConflictError(row);
  await repo.deleteRow(tx, spec, key, v);
}

/** The branch a user or an installer is given exists and is active (422 naming branchId). */
export async function requireActiveBranch(tx: Tx, id: string): Promise<void> {
  const active = await repo.isActive(tx, 'branches', id);
  if (active === undefined)
    throw new RuleError('UNKNOWN_REFERENCE', 'errors.admin.unknownBranch', { field: 'branchId' });
  if (!active) throw new RuleError('INACTIVE_REFERENCE', 'errors.admin.inactiveBranch', { field: 'branchId' });
}

/** The partner a user or an installer is given exists and is active (422 naming partnerId). */
export async function requireActivePartner(tx: Tx, id: string): Promise<void> {
  const active = await repo.isActive(tx, 'partners', id);
  if (active === undefined) {
    throw new RuleError('UNKNOWN_REFERENCE', 'errors.admin.unknownPartner', { field: 'partnerId' });
  }
  if (!active) throw new RuleError('INACTIVE_REFERENCE', 'errors.admin.inactivePartner', { field: 'partnerId' });
}
