// Validation of the parts of an order the branch client and the installers' devices edit: split lines, serial
// numbers, waste pick-ups (폐가전). Shared by the REST API, sync ops and the client (before a write enters the
// outbox), like order-schemas.ts. Unknown fields are rejected (.strict()).
import { z } from 'zod';

// Not imported from order-schemas.ts, which imports this file (its status change carries split lines).
const uuid = z.uuid();
const version = z.number().int().positive();

// ---- split orders (분할) and 부분인수 ----

export const splitLineInput = z
  .object({
    lineId: uuid,
    quantity: z.number().int().positive().max(9999),
  })
  .strict();
export type SplitLineInput = z.infer<typeof splitLineInput>;

/** Lines (or parts of lines) to move to a new child order: each line at most once. */
function listOfLines<T extends typeof splitLineInput | typeof splitOrderLine>(line: T) {
  return z
    .array(line)
    .min(1)
    .max(200)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((l, i) => {
        if (seen.has(l.lineId)) ctx.addIssue({ code: 'custom', message: 'line listed twice', path: [i, 'lineId'] });
        seen.add(l.lineId);
      });
    });
}

/**
 * A line of a split request. `childLineId`: the id the child's new line gets when only part of the line moves (a
 * whole line keeps its id), for a client that shows the split before the head office has made it.
 */
export const splitOrderLine = splitLineInput.extend({ childLineId: uuid.optional() }).strict();
export type SplitOrderLine = z.infer<typeof splitOrderLine>;

export const splitLines = listOfLines(splitLineInput);

export const splitOrderBody = z
  .object({
    version,
    lines: listOfLines(splitOrderLine),
    /** the child order's id (default: the head office makes one); its order number is always the head office's */
    childId: uuid.optional(),
  })
  .strict();
export type SplitOrderBody = z.infer<typeof splitOrderBody>;

// ---- serial numbers ----

/** A serial as printed on the label: letters, digits and - _ / . ; kept upper-case so A1 and a1 are one serial. */
export const serialValue = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9\-_/.]*$/)
  .transform((s) => s.toUpperCase());

export const serialsAdd = z
  .object({
    /** the order's version the caller read: when given, a 409 if the order changed since */
    version: version.optional(),
    /**
     * the line's version the caller read: with it, an order changed since `version` is accepted as long as the
     * line is still at it — recording serials commutes with the other edits of the order, not with a change of
     * the line they are counted against
     */
    lineVersion: version.optional(),
    lineId: uuid,
    serials: z
      .array(serialValue)
      .min(1)
      .max(500)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((s, i) => {
          if (seen.has(s)) ctx.addIssue({ code: 'custom', message: 'serial listed twice', path: [i] });
          seen.add(s);
        });
      }),
    /** the ids of the new rows, one per serial (default: the head office makes them) */
    ids: z.array(uuid).max(500).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.ids && v.ids.length !== v.serials.length)
      ctx.addIssue({ code: 'custom', message: 'one id per serial', path: ['ids'] });
    if (v.ids && new Set(v.ids).size !== v.ids.length)
      ctx.addIssue({ code: 'custom', message: 'id listed twice', path: ['ids'] });
  });
export type SerialsAdd = z.infer<typeof serialsAdd>;

// ---- waste pick-ups (폐가전) ----

export const WASTE_STATUSES = ['PLANNED', 'COLLECTED', 'REPORTED'] as const;
export type WasteStatus = (typeof WASTE_STATUSES)[number];

/** An ECOAS category code, e.g. P01 (waste_codes.code). */
export const wasteCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z][0-9]{2,3}$/));

const wasteQuantity = z.number().int().positive().max(999);
const wasteStatus = z.enum(WASTE_STATUSES);

export const wasteAdd = z
  .object({
    /** the new pick-up's id (default: the head office makes one) */
    id: uuid.optional(),
    /** the order's version the caller read: when given, a 409 if the order changed since */
    version: version.optional(),
    code: wasteCode,
    quantity: wasteQuantity,
    status: wasteStatus.default('COLLECTED'),
    /** the installer who took it; default the order's installer */
    collectedBy: uuid.nullable().optional(),
    collectedAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type WasteAdd = z.infer<typeof wasteAdd>;

export const wastePatch = z
  .object({
    version,
    code: wasteCode.optional(),
    quantity: wasteQuantity.optional(),
    status: wasteStatus.optional(),
    collectedBy: uuid.nullable().optional(),
    collectedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();
export type WastePatch = z.infer<typeof wastePatch>;

/** DELETE /api/orders/:id/waste/:wasteId?version=N (a query string: the number may come as text). */
export const wasteRemove = z.object({ version: z.coerce.number().pipe(version) }).strict();
export type WasteRemove = z.infer<typeof wasteRemove>;
