// The client's side of a sync checkpoint (docs/sync-protocol.md, "Checkpoint"): the same bucket and hash of a
// row as the head office computes in SQL (server/sync/sync.repository.ts checkpointBuckets), so the sums of a
// bucket agree exactly when both hold the same keys at the same versions.
import { createHash } from 'node:crypto';
import { CHECKPOINT_BUCKETS } from '../../domain/sync-protocol.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** The low bits of the first 32 bits of md5(key): `('x' || substr(md5(k), 1, 8))::bit(32)::int & 15`. */
export function checkpointBucket(key: string): number {
  return Number.parseInt(md5(key).slice(0, 8), 16) & (CHECKPOINT_BUCKETS - 1);
}

/** The first 60 bits of md5(key || ':' || version): `('x' || substr(md5(…), 1, 15))::bit(60)::bigint`. */
export function checkpointRowHash(key: string, version: string): bigint {
  return BigInt(`0x${md5(`${key}:${version}`).slice(0, 15)}`);
}

export interface BucketSum {
  n: number;
  h: bigint;
}

/** Per bucket: the rows and their hash sum, over (key, version text) pairs. */
export function bucketSums(rows: Iterable<{ k: string; v: string }>): Map<number, BucketSum> {
  const out = new Map<number, BucketSum>();
  for (const r of rows) {
    const b = checkpointBucket(r.k);
    const s = out.get(b) ?? { n: 0, h: 0n };
    s.n++;
    s.h += checkpointRowHash(r.k, r.v);
    out.set(b, s);
  }
  return out;
}
