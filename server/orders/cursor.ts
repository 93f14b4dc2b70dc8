// Keyset pagination cursors: opaque to clients (base64url of the sort, the last row's sort key and id).
import { ValidationError } from '../http/errors.js';

export interface CursorPosition {
  key: string;
  id: string;
}

export function encodeCursor(sort: string, pos: CursorPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, k: pos.key, i: pos.id })).toString('base64url');
}

/** The position after which the next page starts; 400 naming `cursor` when it is not one of ours for `sort`. */
export function decodeCursor(cursor: string, sort: string): CursorPosition {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      s?: unknown;
      k?: unknown;
      i?: unknown;
    };
    if (
      v.s === sort &&
      typeof v.k === 'string' &&
      typeof v.i === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v.i)
    ) {
      return { key: v.k, id: v.i };
    }
  } catch {
    // falls through to the 400
  }
  throw new ValidationError('cursor', 'errors.badCursor');
}
