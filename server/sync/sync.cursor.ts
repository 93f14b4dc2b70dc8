// The pull cursor: opaque to the client (base64url JSON), checked here. See domain/sync-protocol.ts serverCursor.
import { createHash } from 'node:crypto';
import { type ServerCursor, serverCursor } from '../../domain/sync-protocol.js';
import type { Actor } from '../http/context.js';
import { ValidationError } from '../http/errors.js';

export function encodeCursor(c: ServerCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(raw: string): ServerCursor {
  try {
    return serverCursor.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError('cursor', 'errors.badCursor');
  }
}

/**
 * What a cursor was made for: the user and the scope row-level security gives them. A cursor of another scope
 * (the user moved to another branch, got another role) does not describe the client's copy: it starts over.
 */
export function scopeFingerprint(actor: Actor): string {
  return createHash('sha256')
    .update(['v1', actor.userId, actor.role, actor.branchId ?? '', actor.partnerId ?? ''].join('\n'))
    .digest('base64url')
    .slice(0, 16);
}
