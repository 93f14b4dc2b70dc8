import { type Action, can } from '../../domain/roles.js';
import type { Actor } from '../http/context.js';
import { ForbiddenError } from '../http/errors.js';

/** The role × action matrix of domain/roles.ts: 403 when the caller's role may not do `action`. */
export function authorize(actor: Actor, action: Action): void {
  if (!can(actor.role, action)) throw new ForbiddenError('errors.forbidden', { details: { action } });
}
