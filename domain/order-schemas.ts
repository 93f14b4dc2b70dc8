// Validation of order writes, shared by the REST API (server), sync ops (server) and the client (before a write
// enters the outbox). Unknown fields are rejected everywhere (.strict()).
import { z } from 'zod';
import { splitLines } from './order-parts.js';
import { ORDER_STATUSES } from './order-status.js';
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

export const orderLineInput = z
  .object({
    id: uuid.optional(),
    itemCode: z.string().trim().min(1).max(30),
    itemName: z.string().trim().min(1).max(150),
    quantity: z.number().int().positive().max(9999),
    weight: z.number().nonnegative().max(999999.99).optional(),
  })
  .strict();
export type OrderLineInput = z.infer<typeof orderLineInput>;

export const orderNo = z
  .string()
  .trim()
  .min(1)
  .max(30)
  .regex(/^[A-Za-z0-9\-_]+$/);

export const orderCreate = z
  .object({
    id: uuid.optional(), // clients creating offline send their UUIDv7
    orderNo,
    customerName: z.string().trim().min(1).max(120),
    customerPhone: phone.optional(),
    address,
    vendor: z.string().trim().max(80).optional(),
    branchId: uuid,
    partnerId: uuid.optional(),
    appointmentDate: isoDate.optional(),
    appointmentTimeWindow: timeWindow.optional(),
    promisedDate: isoDate.optional(),
    remarks: z.string().max(2000).optional(),
    lines: z.array(orderLineInput).min(1).max(200),
  })
  .strict();
export type OrderCreate = z.infer<typeof orderCreate>;

/** Fields a PATCH may change; status, installer and appointment have their own actions (history, rules). */
export const orderPatch = z
  .object({
    version,
    customerName: z.string().trim().min(1).max(120).optional(),
    customerPhone: phone.nullable().optional(),
    address: address.optional(),
    vendor: z.string().trim().max(80).nullable().optional(),
    partnerId: uuid.nullable().optional(),
    promisedDate: isoDate.nullable().optional(),
    remarks: z.string().max(2000).nullable().optional(),
  })
  .strict();
export type OrderPatch = z.infer<typeof orderPatch>;

export const statusChange = z
  .object({
    version,
    status: z.enum(ORDER_STATUSES),
    reasonCode: z.string().trim().min(1).max(10).optional(),
    notes: z.string().max(2000).optional(),
    /** 연기 needs the new appointment date. */
    appointmentDate: isoDate.optional(),
    appointmentTimeWindow: timeWindow.optional(),
    /** HQ correcting an order out of a terminal state (DESIGN.md §2): outside TRANSITIONS, needs notes. */
    correction: z.boolean().optional(),
    /** 부분인수 needs the lines (or parts) not delivered: they are split off into a new order. */
    undelivered: splitLines.optional(),
  })
  .strict()
  .refine((c) => !c.correction || (c.notes ?? '').trim().length > 0, {
    message: 'a correction needs notes saying why',
    path: ['notes'],
  });
export type StatusChange = z.infer<typeof statusChange>;

export const appointmentChange = z
  .object({
    version,
    date: isoDate,
    timeWindow: timeWindow.nullable().optional(),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();
export type AppointmentChange = z.infer<typeof appointmentChange>;

export const assign = z
  .object({
    version,
    installerId: uuid,
    override: z.boolean().optional(),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .refine((a) => !a.override || a.reason, { message: 'a capacity override needs a reason', path: ['reason'] });
export type Assign = z.infer<typeof assign>;

export const unassign = z.object({ version }).strict();
