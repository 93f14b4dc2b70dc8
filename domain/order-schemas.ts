// Validation of order writes, shared by the REST API (server), sync ops (server) and the client (before a write
// enters the outbox). Unknown fields are rejected everywhere (.strict()).
import { z } from 'zod';
import { isoDate, timeWindow, uuid, version } from './field-types.js';
import { createShape, patchShape } from './order-fields.js';
import { splitLines } from './order-parts.js';
import { ORDER_STATUSES } from './order-status.js';

export * from './field-types.js';

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

/** A new order: the fields of domain/order-fields.ts that have a create schema, and its lines. */
export const orderCreate = z.object({ ...createShape, lines: z.array(orderLineInput).min(1).max(200) }).strict();
export type OrderCreate = z.infer<typeof orderCreate>;

/**
 * An edit: the fields of domain/order-fields.ts a clerk may change; status, installer and appointment have their
 * own actions (history, rules).
 */
export const orderPatch = z.object({ version, ...patchShape }).strict();
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
    /** HQ correcting an order out of a terminal state (domain/order-status.ts: terminal statuses): outside the transitions, needs notes. */
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
