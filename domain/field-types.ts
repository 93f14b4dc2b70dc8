// The value types order fields are made of (ids, dates, an address, a phone number, a time window), shared by the
// field table (order-fields.ts) and the write schemas (order-schemas.ts, order-parts.ts).
import { z } from 'zod';
import { normalizePhone } from './phone.js';

export const uuid = z.uuid();
export const isoDate = z.iso.date(); // YYYY-MM-DD
export const version = z.number().int().positive();

export const address = z
  .object({
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().max(200).optional(),
    city: z.string().trim().min(1).max(60),
    postal: z
      .string()
      .trim()
      .regex(/^[0-9]{5}$/)
      .optional(),
  })
  .strict();
export type Address = z.infer<typeof address>;

/** A telephone number as typed, stored in its one written form (domain/phone.ts). */
export const phone = z
  .string()
  .trim()
  .regex(/^[0-9+\-(). ]{7,30}$/)
  .overwrite(normalizePhone);

/** An appointment time window: ISO timestamps, start before end. */
export const timeWindow = z
  .object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })
  .strict()
  .refine((w) => Date.parse(w.start) < Date.parse(w.end), { message: 'start must be before end', path: ['end'] });
export type TimeWindow = z.infer<typeof timeWindow>;

export const orderNo = z
  .string()
  .trim()
  .min(1)
  .max(30)
  .regex(/^[A-Za-z0-9\-_]+$/);
