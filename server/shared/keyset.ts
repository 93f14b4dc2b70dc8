// Opaque keyset cursors: base64url of {what it pages, the last row's sort key and id}.
import { ValidationError } from '../http/errors.js';

export interface KeysetPosition {
  key: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeKeyset(kind: string, pos: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ s: kind, k: pos.key, i: pos.id })).toString('base64url');
}

/** The position after which the next page starts; 400 naming `cursor` unless it is one of ours for `kind`. */
export function decodeKeyset(cursor: string, kind: string, keyFormat?: RegExp): KeysetPosition {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      s?: unknown;
      k?: unknown;
      i?: unknown;
    };
    if (
      v.s === kind &&
      typeof v.k === 'string' &&
      typeof v.i === 'string' &&
      UUID.test(v.i) &&
      (!keyFormat || keyFormat.test(v.k))
    ) {
      return { key: v.k, id: v.i };
    }
  } catch {
    // falls through to the 400
  }
  throw new ValidationError('cursor', 'errors.badCursor');
}

/**
 * One page out of the `limit + 1` rows a list read: the extra row only tells that another page follows, and the
 * cursor starts after the last row kept.
 */
export function keysetPage<T extends { id: string }>(
  rows: T[],
  limit: number,
  kind: string,
  keyOf: (row: T) => string,
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeKeyset(kind, { key: keyOf(last), id: last.id }) : null };
}
