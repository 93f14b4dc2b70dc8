// Encoding for COPY … FROM STDIN (text format): tab-separated, \N for NULL, backslash escapes.
import type { Prng } from './prng.js';

export const NULL = '\\N';
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
/** Korea has no daylight saving time: KST is always UTC+9. */
export const KST_OFFSET_MS = 9 * HOUR_MS;

/** Escapes a free-text value for the COPY text format. */
export function text(v: string | null | undefined): string {
  if (v === null || v === undefined) return NULL;
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : v;
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A JSON value as a jsonb field (JSON.stringify escapes control characters; only backslashes need doubling). */
export function json(v: unknown): string {
  const s = JSON.stringify(v);
  return s.includes('\\') ? s.replace(/\\/g, '\\\\') : s;
}

/** A timestamptz in ISO form (UTC), accepted by PostgreSQL whatever the session time zone. */
export function ts(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? NULL : new Date(ms).toISOString();
}

/** The Korean calendar day number (days since 1970-01-01 KST) of an instant. */
export function kstDay(ms: number): number {
  return Math.floor((ms + KST_OFFSET_MS) / DAY_MS);
}

/** The instant of KST midnight starting the given Korean day. */
export function kstMidnight(day: number): number {
  return day * DAY_MS - KST_OFFSET_MS;
}

const dateCache = new Map<number, string>();
/** A Korean day number as YYYY-MM-DD. */
export function date(day: number | null | undefined): string {
  if (day === null || day === undefined) return NULL;
  let s = dateCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dateCache.set(day, s);
  }
  return s;
}

/** A [from, to) time window on a Korean day, hours in KST, as tstzrange text. */
export function kstWindow(day: number, fromHour: number, toHour: number): string {
  const d = date(day);
  return `["${d} ${pad2(fromHour)}:00:00+09","${d} ${pad2(toHour)}:00:00+09")`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hex32(n: number): string {
  return HEX[(n >>> 24) & 255]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}
function hex16(n: number): string {
  return HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

/**
 * A UUIDv7 (RFC 9562) for an instant, its random bits drawn from the seeded generator. Time-ordered ids are what
 * the client uses for offline creates, and they keep bulk-loaded B-tree indexes appending at the right edge.
 */
export function uuid7(ms: number, rng: Prng): string {
  const hi = Math.floor(ms / 65536) >>> 0;
  const lo = ms % 65536;
  const r1 = rng.u32();
  const r2 = rng.u32();
  const r3 = rng.u32();
  return `${hex32(hi)}-${hex16(lo)}-${hex16(0x7000 | (r1 & 0x0fff))}-${hex16(0x8000 | ((r1 >>> 16) & 0x3fff))}-${hex16(r2)}${hex32(r3)}`;
}
